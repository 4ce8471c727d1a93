/**
 * Command-line parsing for `npm run cli`: pure functions (no training, no I/O), so the tests can
 * check every error message. Bad input throws UsageError; main.ts prints it with the usage text
 * and exits with code 2.
 */
import { parseArgs } from 'node:util';
import {
  CLASSROOM_KEYS,
  CONFIG_KEYS,
  decodeConfig,
  defaultConfig,
  encodeConfig,
  TEST_SET_SIZE,
  TRAIN_SET_SIZE,
  updateConfig,
  type Config,
  type ConfigKey,
} from '../core/config';
import { RESOURCE_NAMES, type ResourceName } from '../core/netadapt/resources';
import { SEED002_PRESET } from '../core/netadapt/seed002';
import { SEED003_PRESETS } from '../core/presets';
import type { NodeBackend } from '../tf/tfNode';

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const COMMANDS = ['train', 'seed003', 'seed000', 'seed001', 'netadapt', 'help'] as const;
export type CommandName = (typeof COMMANDS)[number];
export const NODE_BACKENDS: readonly NodeBackend[] = ['wasm', 'cpu'];
/** Seed 003's networks: MNIST's 1-hidden and 2-conv, CIFAR-10's 3-conv and 6-conv (those need --data cifar10:<path>). */
export const SEED_MODELS = ['mlp1', 'lenet', 'cifar3conv', 'cifar6conv'] as const;
export type SeedModel = (typeof SEED_MODELS)[number];
/** The networks NetAdapt shrinks by --model (any mlp through --config "model=mlp&hidden=..."). */
export const NETADAPT_MODELS = ['mlp1', 'lenet'] as const;

/** Config keys the page uses that the CLI refuses (it runs sweeps as commands, energy with the default table). */
const PAGE_ONLY_KEYS: string[] = ['sweep', 'energy', ...CLASSROOM_KEYS];
const CLI_CONFIG_KEYS = (CONFIG_KEYS as readonly string[]).filter((key) => !PAGE_ONLY_KEYS.includes(key));

/** Epochs the seed commands train when --epochs is not given. */
export const DEFAULT_SEED_EPOCHS = 10;

export const USAGE = `Usage: npm run cli -- <command> [options]

Commands:
  train --config "<url-style config>"   Train one config, e.g.
        --config "model=mlp1&weights=lightnn:k=1&training=qat&epochs=5"
        [--backend wasm|cpu] [--out results/name]
  seed003 --model mlp1|lenet|cifar3conv|cifar6conv   The seven seed-003 models (QAT) beside the
                                        paper's test errors (the CIFAR ones need --data cifar10:<path>)
        [--epochs N] [--train-size N] [--test-size N] [--lr X] [--lr-schedule S] [--batch N] [--seed N]
        [--only id,id] [--batch-norm preset|0|1] [--backend wasm|cpu] [--out results/seed003-mlp1]
  seed000 --model mlp1|lenet|cifar3conv|cifar6conv   One float model, PTQ over weight bits 2..8 x input bits 1..8,
        plus QAT for a few cells
        [--qat-cells 2x2,2x8,3x2,3x8] (weightBits x inputBits; "none" for no QAT)
        [--epochs N] [--train-size N] [--test-size N] [--lr X] [--lr-schedule S] [--batch N] [--seed N]
        [--backend wasm|cpu] [--out results/seed000-mlp1]
  seed001 --model mlp1|lenet|cifar3conv|cifar6conv   One float model, PTQ over minifloat E 2..8 x M 0..7,
        default and per-layer auto bias
        [--epochs N] [--train-size N] [--test-size N] [--lr X] [--lr-schedule S] [--batch N] [--seed N]
        [--backend wasm|cpu] [--out results/seed001-mlp1]
  netadapt --model mlp1|lenet           Train, then NetAdapt to a budget (one JSON line per iteration,
        --resource energy|storage|macs|params|latency --budget 0.5   then the test accuracy, and the
        [--iterations N] [--finetune-batches N] [--holdout N]        uniform width-scaling baseline's)
        [--final-epochs N] [--uniform 0|1] [--latency-points N] [--config "<url-style config>"]
        [--train-size N] [--test-size N] [--epochs N] [--backend wasm|cpu]
        [--preset seed002]   (1-bit weights, L1 scale, hysteresis 0.1, 8-bit activations, QAT;
                              resource latency, or energy without WebGPU; budget 0.5)
  help                                  This text.

Every command takes --data mnist (the default) | fashion:<dir> | idx:<dir> (the four IDX files, gzip or
raw) | cifar10:<archive or dir> (cifar-10-binary.tar.gz, or data_batch_1..5.bin and test_batch.bin); see docs/datasets.md.

Seed commands train on the full MNIST training set (${TRAIN_SET_SIZE.toLocaleString('en-US')}) and test on all ${TEST_SET_SIZE.toLocaleString('en-US')} test
images unless --train-size/--test-size say otherwise; ${DEFAULT_SEED_EPOCHS} epochs by default. The default
backend is wasm (its conv gradients: src/tf/wasmConvGradients.ts).
--lr-schedule: constant (the default), exp:0.9 (times 0.9 after each epoch) or cosine.
--batch-norm (seed003): preset (the default: batch norm where the papers used it, see docs/quantization.md), 1 or 0 for every model.
Config keys for --config: ${CLI_CONFIG_KEYS.join(', ')}.`;

export interface TrainCommand {
  command: 'train';
  config: Config;
  /** Info notices of the config (e.g. batch larger than trainSize), printed before training. */
  notices: string[];
  backend: NodeBackend;
  out: string;
}

export interface SeedBase {
  model: SeedModel;
  /** The config every run of the command starts from (model, sizes, epochs, lr, batch, seeds). */
  base: Config;
  backend: NodeBackend;
  out: string;
}

export interface Seed003Command extends SeedBase {
  command: 'seed003';
  /** Preset ids to run, in SEED003_PRESETS order. */
  only: string[];
  /** Batch normalisation for every model; undefined: each preset's own (SchemePreset.batchNorm). */
  batchNorm?: boolean;
}

export interface QatCell {
  weightBits: number;
  inputBits: number;
}

export interface Seed000Command extends SeedBase {
  command: 'seed000';
  qatCells: QatCell[];
}

export interface Seed001Command extends SeedBase {
  command: 'seed001';
}

export interface NetadaptCommand {
  command: 'netadapt';
  /** The network trained first, then adapted (--config, then --model and the size flags over it). */
  config: Config;
  notices: string[];
  resource: ResourceName;
  budget: number;
  iterations: number;
  finetuneBatches: number;
  holdout: number;
  finalEpochs: number;
  uniform: boolean;
  /** Widths timed per layer for --resource latency (the lookup table's grid). */
  latencyPoints: number;
  backend: NodeBackend;
  /** --preset: its id, or null. */
  preset: string | null;
  /** What to budget when `resource` cannot be measured here (a preset's latency without WebGPU); null: fail instead. */
  fallbackResource: ResourceName | null;
}

export type CliCommand = TrainCommand | Seed003Command | Seed000Command | Seed001Command | NetadaptCommand | { command: 'help' };

export const DEFAULT_QAT_CELLS: QatCell[] = [
  { weightBits: 2, inputBits: 2 },
  { weightBits: 2, inputBits: 8 },
  { weightBits: 3, inputBits: 2 },
  { weightBits: 3, inputBits: 8 },
];

/** Node's backend unless --backend says otherwise: wasm, the fastest for every model (with our conv gradients). */
export const DEFAULT_NODE_BACKEND: NodeBackend = 'wasm';

/**
 * A URL-style config string -> Config. Stricter than the page's decodeConfig, which replaces bad
 * values by defaults: here an unknown key or a bad value is an error, since a silently changed
 * experiment is worse than a refused one.
 */
export function parseConfigText(text: string): { config: Config; notices: string[] } {
  const search = text.startsWith('?') ? text.slice(1) : text;
  const params = new URLSearchParams(search);
  const pageOnly = PAGE_ONLY_KEYS.filter((key) => params.has(key));
  if (pageOnly.length > 0) {
    throw new UsageError(`Config key ${pageOnly.join(', ')} is not supported by the CLI (sweeps are the seed000/seed001 commands; energy uses the default 45 nm table).`);
  }
  const unknown = [...new Set([...params.keys()].filter((key) => key !== 'v' && !(CONFIG_KEYS as string[]).includes(key)))];
  if (unknown.length > 0) {
    throw new UsageError(
      `Unknown config key${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => JSON.stringify(k)).join(', ')} in --config. Known keys: ${CLI_CONFIG_KEYS.join(', ')}.`,
    );
  }
  const repeated = CONFIG_KEYS.filter((key) => params.getAll(key).length > 1);
  if (repeated.length > 0) throw new UsageError(`Config key ${repeated.join(', ')} given more than once in --config.`);
  const { config, notices } = decodeConfig(search);
  const errors = notices.filter((n) => n.level === 'error');
  if (errors.length > 0) {
    // decodeConfig says what it would fall back to; the CLI refuses instead.
    const lines = errors.map((n) => n.message.replace(/; using the default .*$/, '.').replace(/ reading the link as .*$/, ''));
    throw new UsageError(`Bad --config: ${lines.join(' ')}`);
  }
  return { config, notices: notices.map((n) => n.message) };
}

/** "2x2,2x8,3x8" -> cells; "none" -> no cells. */
export function parseQatCells(text: string): QatCell[] {
  if (text.trim() === 'none' || text.trim() === '') return [];
  return text.split(',').map((part) => {
    const match = /^\s*(\d+)\s*x\s*(\d+)\s*$/.exec(part);
    if (!match) throw new UsageError(`--qat-cells: ${JSON.stringify(part)} is not weightBits x inputBits (e.g. 2x8).`);
    const weightBits = Number(match[1]);
    const inputBits = Number(match[2]);
    if (weightBits < 2 || weightBits > 8) throw new UsageError(`--qat-cells: weight bits ${weightBits} are outside the grid 2..8.`);
    if (inputBits < 1 || inputBits > 8) throw new UsageError(`--qat-cells: input bits ${inputBits} are outside the grid 1..8.`);
    return { weightBits, inputBits };
  });
}

function parseBackend(value: string | undefined): NodeBackend | undefined {
  if (value === undefined) return undefined;
  if (!(NODE_BACKENDS as string[]).includes(value)) {
    throw new UsageError(`--backend must be one of ${NODE_BACKENDS.join(', ')} (got ${JSON.stringify(value)}); Node has no webgl or webgpu here.`);
  }
  return value as NodeBackend;
}

/** Sets one config field from a flag's text, read and checked as the URL reads that field. */
function setField(config: Config, key: ConfigKey, flag: string, text: string | undefined): Config {
  if (text === undefined) return config;
  // The config's own number codec reads the text (plain decimals only) and quotes it as typed.
  const updated = updateConfig(config, key, text);
  if (!updated.ok) throw new UsageError(`--${flag}: ${updated.message}`);
  return updated.config;
}

const SEED_OPTIONS = {
  model: { type: 'string' },
  epochs: { type: 'string' },
  'train-size': { type: 'string' },
  'test-size': { type: 'string' },
  lr: { type: 'string' },
  'lr-schedule': { type: 'string' },
  batch: { type: 'string' },
  seed: { type: 'string' },
  backend: { type: 'string' },
  out: { type: 'string' },
} as const;

const OPTIONS_BY_COMMAND = {
  train: { config: { type: 'string' }, backend: { type: 'string' }, out: { type: 'string' } },
  seed003: { ...SEED_OPTIONS, only: { type: 'string' }, 'batch-norm': { type: 'string' } },
  seed000: { ...SEED_OPTIONS, 'qat-cells': { type: 'string' } },
  seed001: SEED_OPTIONS,
  netadapt: Object.fromEntries(
    ['model', 'preset', 'resource', 'budget', 'iterations', 'finetune-batches', 'holdout', 'final-epochs', 'uniform', 'latency-points', 'config', 'train-size', 'test-size', 'epochs', 'backend'].map((k) => [k, { type: 'string' }]),
  ) as Record<string, { type: 'string' }>,
  help: {},
} as const;

/** node:util parseArgs, with its error codes turned into UsageError. */
function parseFlags(command: CommandName, args: string[]): Record<string, string | undefined> {
  try {
    const { values, positionals } = parseArgs({ args, options: OPTIONS_BY_COMMAND[command], strict: true, allowPositionals: true });
    if (positionals.length > 0) throw new UsageError(`Unexpected argument ${JSON.stringify(positionals[0])} for ${command}.`);
    return values as Record<string, string | undefined>;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const message = (error as Error).message.split('. ')[0];
    throw new UsageError(`${message} (command ${command}).`);
  }
}

function seedBase(command: 'seed003' | 'seed000' | 'seed001', flags: Record<string, string | undefined>): SeedBase {
  const model = flags.model;
  if (model === undefined) throw new UsageError(`${command} needs --model (${SEED_MODELS.slice(0, -1).join(', ')} or ${SEED_MODELS[SEED_MODELS.length - 1]}).`);
  if (!(SEED_MODELS as readonly string[]).includes(model)) {
    throw new UsageError(`--model must be one of ${SEED_MODELS.join(', ')} (got ${JSON.stringify(model)}).`);
  }
  let base: Config = { ...defaultConfig(), model: model as SeedModel, trainSize: TRAIN_SET_SIZE, testSize: TEST_SET_SIZE, epochs: DEFAULT_SEED_EPOCHS };
  base = setField(base, 'epochs', 'epochs', flags.epochs);
  base = setField(base, 'trainSize', 'train-size', flags['train-size']);
  base = setField(base, 'testSize', 'test-size', flags['test-size']);
  base = setField(base, 'lr', 'lr', flags.lr);
  base = setField(base, 'lrSchedule', 'lr-schedule', flags['lr-schedule']);
  base = setField(base, 'batch', 'batch', flags.batch);
  base = setField(base, 'dataSeed', 'seed', flags.seed);
  base = setField(base, 'initSeed', 'seed', flags.seed);
  const backend = parseBackend(flags.backend) ?? DEFAULT_NODE_BACKEND;
  base = { ...base, backend };
  return { model: model as SeedModel, base, backend, out: flags.out ?? `results/${command}-${model}` };
}

/** A file-name-safe slug of a config, for the default output path of `train`. */
export function configSlug(config: Config): string {
  const scheme = encodeConfig(config).match(/(?:^|&)weights=([^&]*)/)?.[1] ?? 'float32';
  return `${config.model}-${scheme}-${config.activations.kind}-${config.training}`.replace(/[^A-Za-z0-9._-]+/g, '-');
}

/** argv without the node and script paths -> one command, or UsageError. */
export function parseCli(argv: string[]): CliCommand {
  const [name, ...rest] = argv;
  if (name === undefined) throw new UsageError('No command given.');
  if (name === '--help' || name === '-h') return { command: 'help' };
  if (!(COMMANDS as readonly string[]).includes(name)) {
    throw new UsageError(`Unknown command ${JSON.stringify(name)}; expected one of ${COMMANDS.join(', ')}.`);
  }
  const command = name as CommandName;
  if (command === 'help') return { command: 'help' };
  const flags = parseFlags(command, rest);

  if (command === 'train') {
    if (flags.config === undefined) throw new UsageError('train needs --config, e.g. --config "model=mlp1&weights=lightnn:k=1&training=qat&epochs=5".');
    const { config, notices } = parseConfigText(flags.config);
    const backend = parseBackend(flags.backend) ?? (config.backend === 'wasm' || config.backend === 'cpu' ? config.backend : DEFAULT_NODE_BACKEND);
    return { command, config: { ...config, backend }, notices, backend, out: flags.out ?? `results/train-${configSlug(config)}` };
  }
  if (command === 'netadapt') return parseNetadapt(flags);
  const base = seedBase(command, flags);
  if (command === 'seed003') {
    const ids = SEED003_PRESETS.map((p) => p.id);
    const only = flags.only === undefined ? ids : flags.only.split(',').map((s) => s.trim());
    const bad = only.filter((id) => !ids.includes(id));
    if (bad.length > 0) throw new UsageError(`--only: unknown model ${bad.map((b) => JSON.stringify(b)).join(', ')}; known: ${ids.join(', ')}.`);
    const batchNormFlag = flags['batch-norm'];
    let batchNorm: boolean | undefined;
    if (batchNormFlag !== undefined && batchNormFlag !== 'preset') {
      batchNorm = setField(base.base, 'batchNorm', 'batch-norm', batchNormFlag).batchNorm;
    }
    return { command, ...base, only: ids.filter((id) => only.includes(id)), batchNorm };
  }
  if (command === 'seed000') {
    return { command, ...base, qatCells: flags['qat-cells'] === undefined ? DEFAULT_QAT_CELLS : parseQatCells(flags['qat-cells']) };
  }
  return { command, ...base };
}

/** A whole number (or, with `real`, a decimal) in [min, max] from a flag, or the default. */
function numberFlag(flag: string, text: string | undefined, fallback: number, min: number, max: number, real = false): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || (!real && !Number.isInteger(value)) || value < min || value > max) {
    throw new UsageError(`--${flag} must be ${real ? 'a number' : 'an integer'} from ${min} to ${max} (got ${JSON.stringify(text)}).`);
  }
  return value;
}

function parseNetadapt(flags: Record<string, string | undefined>): NetadaptCommand {
  const { config: fromText, notices } = flags.config === undefined ? { config: defaultConfig(), notices: [] } : parseConfigText(flags.config);
  let config = fromText;
  if (flags.model !== undefined && !(NETADAPT_MODELS as readonly string[]).includes(flags.model)) {
    throw new UsageError(`--model must be one of ${NETADAPT_MODELS.join(', ')} (got ${JSON.stringify(flags.model)}).`);
  }
  if (flags.preset !== undefined && flags.preset !== SEED002_PRESET.id) {
    throw new UsageError(`--preset must be ${SEED002_PRESET.id} (got ${JSON.stringify(flags.preset)}).`);
  }
  const preset = flags.preset === undefined ? null : SEED002_PRESET;
  // The preset's formats win over --config's: asking for the preset is asking for its formats.
  if (preset) config = { ...config, ...preset.config };
  config = setField(config, 'model', 'model', flags.model);
  config = setField(config, 'trainSize', 'train-size', flags['train-size']);
  config = setField(config, 'testSize', 'test-size', flags['test-size']);
  config = setField(config, 'epochs', 'epochs', flags.epochs);
  const resource = flags.resource ?? preset?.resource;
  if (resource === undefined) throw new UsageError(`netadapt needs --resource (${RESOURCE_NAMES.join(', ')}).`);
  if (!(RESOURCE_NAMES as readonly string[]).includes(resource)) {
    throw new UsageError(`--resource must be one of ${RESOURCE_NAMES.join(', ')} (got ${JSON.stringify(resource)}).`);
  }
  const backend = parseBackend(flags.backend) ?? (config.backend === 'wasm' || config.backend === 'cpu' ? config.backend : DEFAULT_NODE_BACKEND);
  return {
    command: 'netadapt',
    config: { ...config, backend },
    notices: notices.map(String),
    resource: resource as ResourceName,
    budget: numberFlag('budget', flags.budget, preset?.budget ?? 0.5, 0.01, 1, true),
    iterations: numberFlag('iterations', flags.iterations, 5, 1, 100),
    finetuneBatches: numberFlag('finetune-batches', flags['finetune-batches'], 50, 0, 100_000),
    holdout: numberFlag('holdout', flags.holdout, Math.min(1000, Math.floor(config.trainSize / 10)), 1, TRAIN_SET_SIZE - 1),
    finalEpochs: numberFlag('final-epochs', flags['final-epochs'], 1, 0, 100),
    uniform: numberFlag('uniform', flags.uniform, 1, 0, 1) === 1,
    latencyPoints: numberFlag('latency-points', flags['latency-points'], 4, 2, 64),
    backend,
    preset: preset?.id ?? null,
    // Only the preset's own choice of resource falls back; a --resource asked for by name fails loudly.
    fallbackResource: preset && flags.resource === undefined ? preset.fallbackResource : null,
  };
}
