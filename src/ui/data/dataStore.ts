/**
 * The page's side of the data sets the user brings: whether the config's set is in the worker
 * (read back from IndexedDB or parsed from dropped files), what it holds, and the last bad file.
 * The files and the parsing stay in the worker (src/worker/datasetHost.ts); this store only asks
 * it, through the controller's worker (useStore's `worker()` intent).
 */
import { create } from 'zustand';
import { DATASETS, type DatasetName } from '../../core/datasets/kinds';
import type { DatasetSummary, TrainerApi, UserDatasetName } from '../../worker/protocol';
import { useStore } from '../store';

/**
 * 'builtin': MNIST (always loaded). 'checking': asking the worker whether IndexedDB holds the set.
 * 'missing': not stored, the page asks for the files. 'loading': parsing dropped files. 'ready': in the worker.
 */
export type DataStatus = 'builtin' | 'checking' | 'missing' | 'loading' | 'ready';

export interface DataState {
  /** The set this state is about (the config's `data` when last synced). */
  kind: DatasetName;
  status: DataStatus;
  /** The loaded set of `kind` (status 'ready'; kept while new files are parsed, so a bad file leaves it in use). */
  summary: DatasetSummary | null;
  /** The last failure, naming the file and what is wrong; cleared by the next success. */
  error: string | null;
  /** Names of the files being parsed. */
  loadingFiles: string[];
  /** Whole-page time of the last load (files handed over, parsed, stored), ms. */
  pageMs: number | null;
}

export const useData = create<DataState>(() => ({ kind: 'mnist', status: 'builtin', summary: null, error: null, loadingFiles: [], pageMs: null }));

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));
/** Changes with every request, so the answer about an older choice of set is dropped. */
let requestId = 0;

/**
 * Makes the worker hold the config's set: nothing for MNIST; else the stored set, or 'missing'
 * (the drop zone says which files). The controller calls it once a worker has MNIST and whenever
 * the data knob changes.
 */
export async function syncData(api: Pick<TrainerApi, 'restoreDataset'>, kind: DatasetName): Promise<void> {
  const id = ++requestId;
  if (kind === 'mnist') {
    useData.setState({ kind, status: 'builtin', summary: null, error: null, loadingFiles: [] });
    return;
  }
  const previous = useData.getState();
  const sameKind = previous.kind === kind;
  useData.setState({ kind, status: 'checking', summary: sameKind ? previous.summary : null, error: sameKind ? previous.error : null, loadingFiles: [] });
  const start = performance.now();
  try {
    const summary = await api.restoreDataset(kind);
    if (id !== requestId) return;
    useData.setState(summary ? { status: 'ready', summary, pageMs: summary.source === 'stored' ? performance.now() - start : useData.getState().pageMs } : { status: 'missing', summary: null });
  } catch (error) {
    if (id !== requestId) return;
    // IndexedDB refused (private mode, quota): the files can still be given for this visit.
    useData.setState({ status: 'missing', summary: null, error: `The stored ${DATASETS[kind].label} could not be read (${message(error)}); drop its files again.` });
  }
}

/** Hands the dropped or picked files to the worker, which parses them as the config's set. */
export async function loadFiles(files: readonly File[]): Promise<void> {
  const kind = useStore.getState().config.data;
  if (kind === 'mnist' || files.length === 0) return;
  const id = ++requestId;
  const before = useData.getState();
  const keep = before.kind === kind && before.status === 'ready' ? before.summary : null;
  useData.setState({ kind, status: 'loading', error: null, loadingFiles: files.map((f) => f.name) });
  const start = performance.now();
  try {
    const api = await useStore.getState().worker();
    if (!api) throw new Error('the training worker did not start; reload the page.');
    const summary = await api.loadDataset(kind as UserDatasetName, [...files]);
    if (id !== requestId) return;
    useData.setState({ status: 'ready', summary, error: null, loadingFiles: [], pageMs: performance.now() - start });
  } catch (error) {
    if (id !== requestId) return;
    useData.setState({ status: keep ? 'ready' : 'missing', summary: keep, error: message(error), loadingFiles: [] });
  }
}

/** Deletes the stored set (and the worker's copy); the page asks for the files again. */
export async function forgetData(): Promise<void> {
  const { kind } = useData.getState();
  if (kind === 'mnist') return;
  const id = ++requestId;
  try {
    const api = await useStore.getState().worker();
    await api?.forgetDataset(kind as UserDatasetName);
    if (id !== requestId) return;
    useData.setState({ status: 'missing', summary: null, error: null, pageMs: null });
  } catch (error) {
    if (id !== requestId) return;
    useData.setState({ error: `Could not forget ${DATASETS[kind].label}: ${message(error)}` });
  }
}

/** True when the config's set is in the worker (MNIST always is, once the page is ready). */
export function dataReady(state: DataState, data: DatasetName): boolean {
  return data === 'mnist' || (state.kind === data && state.status === 'ready');
}

/** The class names of the config's set: the files' own when loaded, else the set's defaults. */
export function useClassNames(): readonly string[] {
  const data = useStore((s) => s.config.data);
  const own = useData((s) => (s.kind === data ? s.summary?.classNames : undefined));
  return own ?? DATASETS[data].classNames;
}

/** What the page tells the user to drop for a set. */
export function expectedFiles(kind: DatasetName): string {
  if (kind === 'cifar10') return "CIFAR-10's binary version: cifar-10-binary.tar.gz as downloaded, or data_batch_1.bin … data_batch_5.bin and test_batch.bin";
  return 'the four IDX files, gzip or raw: train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte';
}
