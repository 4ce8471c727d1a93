/**
 * `backend=auto` by measurement, the pure part: which backends to time and in which order, which
 * one wins, what the page says about it, and what is remembered per device and model. The timing
 * itself (TF.js) is src/worker/backendProbe.ts; the page keeps the memory in localStorage.
 */
import { networkName, type ArchitectureConfig } from './models';

export type BackendName = 'webgpu' | 'webgl' | 'wasm' | 'cpu';

export const BACKEND_NAMES: Record<BackendName, string> = { webgpu: 'WebGPU', webgl: 'WebGL', wasm: 'WASM', cpu: 'CPU' };

/**
 * Where `auto` starts before anything is measured or remembered. WASM starts fastest (no shader
 * compilation, no GPU process), works in every browser we support, and on machines without a real
 * GPU (SwiftShader) it is also the fastest trainer; a real GPU then wins the measurement and the
 * page moves there once, before the first run.
 */
export const AUTO_DEFAULT: BackendName = 'wasm';

/** The fastest backend must beat the active one by this factor before the page restarts its worker. */
export const SWITCH_MARGIN = 1.05;

/** What the probe measured on one backend. */
export interface ProbeResult {
  backend: BackendName;
  /** Training samples per second after the warm-up step; null when it could not train. */
  samplesPerSec: number | null;
  /** e.g. "SwiftShader", "SIMD" (as the backend badge shows it). */
  adapter: string;
  /** A CPU emulation of a GPU (SwiftShader). */
  emulated: boolean;
  /** WASM's thread count; null for the other backends. */
  threads: number | null;
  /** Measured steps (after the warm-up step). */
  steps: number;
  /** The first step: shader compilation, allocation, caches. */
  warmupMs: number;
  /** Why it has no number, or why it was cut short (e.g. already slower than the best by half). */
  note: string | null;
}

/**
 * The order to time: the active backend first (no switch needed to measure it, and it sets the bar
 * the others are cut against), then WebGPU, WebGL, WASM; CPU only when none of those trains.
 */
export function probeOrder(active: BackendName, avoid: readonly BackendName[] = []): BackendName[] {
  const gpuAndWasm: BackendName[] = ['webgpu', 'webgl', 'wasm'];
  const order = active === 'cpu' ? gpuAndWasm : [active, ...gpuAndWasm.filter((b) => b !== active)];
  return order.filter((b) => !avoid.includes(b));
}

/** The result with the most samples per second, or null when none trained. */
export function fastest(results: readonly ProbeResult[]): ProbeResult | null {
  let best: ProbeResult | null = null;
  for (const r of results) {
    if (r.samplesPerSec !== null && (best === null || r.samplesPerSec > (best.samplesPerSec ?? 0))) best = r;
  }
  return best;
}

/** What auto trains on: a backend and, for WASM, its thread count (null: the worker's default). */
export interface AutoPick {
  backend: BackendName;
  threads: number | null;
}

/** The result measured for `pick` (WASM at its thread count). */
export function resultFor(results: readonly ProbeResult[], pick: AutoPick): ProbeResult | undefined {
  return results.find((r) => r.backend === pick.backend && (pick.backend !== 'wasm' || pick.threads === null || r.threads === pick.threads));
}

/**
 * What to train on: the fastest, unless the active one is within SWITCH_MARGIN of it (a switch costs
 * a worker restart and the data load). Null when nothing trained.
 */
export function chooseBackend(results: readonly ProbeResult[], active: AutoPick | null): AutoPick | null {
  const best = fastest(results);
  if (!best) return null;
  const current = active ? resultFor(results, active) : undefined;
  const pick = current?.samplesPerSec != null && current.samplesPerSec * SWITCH_MARGIN >= best.samplesPerSec! ? current : best;
  return { backend: pick.backend, threads: pick.backend === 'wasm' ? pick.threads : null };
}

const count = (n: number) => Math.round(n).toLocaleString('en-US');
const threadCount = (n: number) => `${n} ${n === 1 ? 'thread' : 'threads'}`;

/** One backend's number as the badge shows it: "WebGPU 114 (SwiftShader)", "WASM 900 (1 thread)", "WebGL: failed". */
function describeResult(r: ProbeResult): string {
  const name = BACKEND_NAMES[r.backend];
  if (r.samplesPerSec === null) return `${name}: ${r.note ?? 'no result'}`;
  const emulation = /swiftshader/i.test(r.adapter) ? 'SwiftShader' : 'software GPU';
  const where = r.emulated ? ` (${emulation})` : r.threads !== null ? ` (${threadCount(r.threads)})` : '';
  return `${name} ${count(r.samplesPerSec)}${where}`;
}

/** "auto: WASM (2 threads), 1,790 samples/s; WebGPU 114 (SwiftShader); WebGL 900": the choice first, then the others. */
export function describeAuto(pick: AutoPick, results: readonly ProbeResult[]): string {
  const chosen = resultFor(results, pick);
  const threads = pick.backend === 'wasm' && (chosen?.threads ?? pick.threads) != null ? ` (${threadCount((chosen?.threads ?? pick.threads)!)})` : '';
  const name = `auto: ${BACKEND_NAMES[pick.backend]}${threads}`;
  const head = chosen?.samplesPerSec != null ? `${name}, ${count(chosen.samplesPerSec)} samples/s` : name;
  const others = results.filter((r) => r !== chosen).map(describeResult);
  return [head, ...others].join('; ');
}

/** The part of a config that sets the speed ranking: the architecture (an mlp's widths matter a lot). */
export function modelKey(config: ArchitectureConfig): string {
  return `${networkName(config)}${config.batchNorm ? '+bn' : ''}`;
}

/** A finished measurement, kept per device and model. */
export interface RememberedChoice {
  choice: BackendName;
  /** WASM's thread count when WASM won (null: the default). */
  threads: number | null;
  results: ProbeResult[];
  /** The batch size it was measured at. */
  batch: number;
  /** ms since 1970. */
  measuredAt: number;
}

const NAMES = new Set<string>(Object.keys(BACKEND_NAMES));

function isResult(value: unknown): value is ProbeResult {
  const r = value as Partial<ProbeResult> | null;
  return (
    !!r &&
    typeof r === 'object' &&
    NAMES.has(r.backend as string) &&
    (r.samplesPerSec === null || typeof r.samplesPerSec === 'number') &&
    typeof r.adapter === 'string' &&
    typeof r.emulated === 'boolean'
  );
}

/** The remembered entry for `key` in what localStorage held (any shape: it may come from an older page), or null. */
export function readRemembered(stored: unknown, key: string): RememberedChoice | null {
  if (!stored || typeof stored !== 'object') return null;
  const entry = (stored as Record<string, unknown>)[key] as Partial<RememberedChoice> | undefined;
  if (!entry || typeof entry !== 'object' || !NAMES.has(entry.choice as string) || !Array.isArray(entry.results) || !entry.results.every(isResult)) return null;
  return {
    choice: entry.choice as BackendName,
    threads: typeof entry.threads === 'number' ? entry.threads : null,
    results: entry.results.map((r) => ({ ...r, threads: r.threads ?? null, steps: r.steps ?? 0, warmupMs: r.warmupMs ?? 0, note: r.note ?? null })),
    batch: typeof entry.batch === 'number' ? entry.batch : 0,
    measuredAt: typeof entry.measuredAt === 'number' ? entry.measuredAt : 0,
  };
}

/** The memory key: the device (adapter, browser, cores, isolation) and the model. */
export function memoryKey(device: string, config: ArchitectureConfig): string {
  return `${device}|${modelKey(config)}`;
}
