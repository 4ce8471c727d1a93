/**
 * Measures the whole-network kernel latency of every NetAdapt iteration of a run, to check
 * NetAdapt's promise that the direct metric falls at every step (issue 15). The lookup table
 * NetAdapt planned with sums per-layer timings; this times each iteration's complete network on
 * the WGSL kernels (Dawn through the `webgpu` package; SwiftShader without a GPU), in interleaved
 * passes over all iterations so that a slow moment of a shared machine hits all of them alike.
 *
 * Run: npx tsx scripts/netadapt-latency.ts --log <netadapt output> --config "<the run's config>"
 *      [--passes 5] [--target-ms 200]
 * Prints one JSON line per iteration {"iteration","widths","tableMs","measuredMs","spread"} and a
 * summary {"monotone","worstRise","noise"}: worstRise is the largest relative rise of the measured
 * latency from one iteration to the next, noise the median relative spread of one network's passes.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { decodeConfig } from '../src/core/config';
import { withWidths } from '../src/core/netadapt';
import { maxOf, minOf } from '../src/core/arrays';
import { timeKernelNetwork } from '../src/gpu/latencyTable';
import { acquireDevice } from '../src/cli/webgpuNode';

const { values } = parseArgs({ options: { log: { type: 'string' }, config: { type: 'string' }, passes: { type: 'string' }, 'target-ms': { type: 'string' } } });
if (!values.log || !values.config) throw new Error('usage: --log <netadapt output> --config "<config>"');
const decoded = decodeConfig(values.config);
if (decoded.notices.length) throw new Error(`config: ${decoded.notices.join('; ')}`);
const base = decoded.config;
const passes = Number(values.passes ?? 5);
const targetMs = Number(values['target-ms'] ?? 200);

const steps = readFileSync(values.log, 'utf8')
  .split('\n')
  .filter((line) => line.startsWith('{"iteration"'))
  .map((line) => JSON.parse(line) as { iteration: number; widths: number[]; resource: number });
if (steps.length === 0) throw new Error(`${values.log}: no NetAdapt iteration lines`);

const gpu = await acquireDevice('netadapt-latency', true);
if (!gpu.device) throw new Error(gpu.description);
console.error(`[netadapt-latency] ${steps.length} iterations, ${passes} passes, on ${gpu.description}`);
const times: number[][] = steps.map(() => []);
for (let pass = 0; pass < passes; pass++) {
  for (let i = 0; i < steps.length; i++) {
    const t = await timeKernelNetwork(gpu.device, withWidths(base, steps[i].widths), { targetMs, rounds: 1 });
    times[i].push(t.msPerImage);
  }
}
const measured = times.map(minOf);
const spreads = times.map((t, i) => (maxOf(t) - measured[i]) / measured[i]);
steps.forEach((step, i) =>
  console.log(JSON.stringify({ iteration: step.iteration, widths: step.widths, tableMs: Number(step.resource.toPrecision(4)), measuredMs: Number(measured[i].toPrecision(4)), spread: Number(spreads[i].toFixed(3)) })),
);
const rises = measured.slice(1).map((ms, i) => ms / measured[i] - 1);
const sorted = [...spreads].sort((a, b) => a - b);
const noise = sorted[Math.floor(sorted.length / 2)];
const worstRise = rises.length ? maxOf(rises) : 0;
console.log(JSON.stringify({ monotone: rises.every((r) => r <= 0), worstRise: Number(worstRise.toFixed(3)), noise: Number(noise.toFixed(3)), withinNoise: worstRise <= noise }));
gpu.device.destroy();
