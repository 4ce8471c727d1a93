/**
 * The page's side of the data sets: which networks it offers for which set, what a link with a
 * model that does not fit gets, the record check of the IndexedDB store, and the data store's
 * answers to the worker (a fake one: the real parse runs in e2e/datasets.spec.ts).
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { decodeConfig, defaultConfig, type Config } from '../../src/core/config';
import { parameterCount } from '../../src/core/models';
import { dataChoice, fitModelToData, modelFits, modelsFor, PAGE_MODEL_NAMES } from '../../src/ui/data/dataModels';
import { dataReady, expectedFiles, forgetData, loadFiles, syncData, useData } from '../../src/ui/data/dataStore';
import { bindIntents, pageConfig, useStore, type Intents } from '../../src/ui/store';
import { isStoredDataset } from '../../src/worker/datasetStore';
import type { DatasetSummary, TrainerApi } from '../../src/worker/protocol';

describe('the networks the page offers for each data set', () => {
  it('are the 28x28 grey ones for MNIST, Fashion-MNIST and IDX sets, seed 003 CIFAR-10 ones for CIFAR-10', () => {
    for (const data of ['mnist', 'fashion', 'idx'] as const) expect(modelsFor(data)).toEqual(['mlp1', 'lenet', 'mlp']);
    expect(modelsFor('cifar10')).toEqual(['cifar3conv', 'cifar6conv']);
    expect([...PAGE_MODEL_NAMES].sort()).toEqual(['cifar3conv', 'cifar6conv', 'lenet', 'mlp', 'mlp1']);
    expect(modelFits('lenet', 'fashion')).toBe(true);
    expect(modelFits('lenet', 'cifar10')).toBe(false);
    expect(modelFits('cifar3conv', 'mnist')).toBe(false);
  });

  it('switching the set keeps a fitting network and else takes the set\'s first', () => {
    expect(dataChoice({ model: 'lenet' }, 'fashion')).toEqual({ data: 'fashion' });
    expect(dataChoice({ model: 'lenet' }, 'cifar10')).toEqual({ data: 'cifar10', model: 'cifar3conv' });
    expect(dataChoice({ model: 'cifar6conv' }, 'cifar10')).toEqual({ data: 'cifar10' });
    expect(dataChoice({ model: 'cifar6conv' }, 'mnist')).toEqual({ data: 'mnist', model: 'mlp1' });
  });

  it('a link keeps its data set; a named model that does not fit is replaced with a notice, an unnamed default silently', () => {
    const named = pageConfig(decodeConfig('data=fashion&model=cifar3conv'));
    expect(named.config.data).toBe('fashion');
    expect(named.config.model).toBe('mlp1');
    expect(named.notices.map((n) => n.message)).toEqual(["model=cifar3conv is not one of the page's networks for Fashion-MNIST (28x28 grey images): using mlp1."]);
    const unnamed = pageConfig(decodeConfig('data=cifar10'), false);
    expect(unnamed.config).toMatchObject({ data: 'cifar10', model: 'cifar3conv' });
    expect(unnamed.notices).toEqual([]);
    expect(parameterCount(unnamed.config)).toBe(82_208);
    const fits = { ...defaultConfig(), data: 'cifar10', model: 'cifar6conv' } satisfies Config;
    expect(fitModelToData(fits)).toEqual({ config: fits, notice: null });
  });

  it('the drop zone names the files to drop', () => {
    expect(expectedFiles('fashion')).toContain('train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte');
    expect(expectedFiles('cifar10')).toContain('cifar-10-binary.tar.gz');
    expect(expectedFiles('cifar10')).toContain('test_batch.bin');
  });
});

describe('a stored record read back from IndexedDB', () => {
  const shape = { height: 2, width: 2, channels: 3 };
  const set = (count: number) => ({ images: new Uint8Array(count * 12), labels: new Uint8Array(count), count, shape });
  const record = { data: 'cifar10', train: set(3), test: set(2), shape, classNames: ['a'], notes: [], files: ['x.tar.gz'], savedAt: 1 };

  it('is taken only when it is the set asked for, whole and consistent', () => {
    expect(isStoredDataset(record, 'cifar10')).toBe(true);
    expect(isStoredDataset(record, 'fashion')).toBe(false);
    expect(isStoredDataset({ ...record, train: { ...set(3), count: 4 } }, 'cifar10')).toBe(false);
    expect(isStoredDataset({ ...record, test: { ...set(2), images: new Uint8Array(5) } }, 'cifar10')).toBe(false);
    expect(isStoredDataset({ ...record, classNames: undefined }, 'cifar10')).toBe(false);
    expect(isStoredDataset(null, 'cifar10')).toBe(false);
    expect(isStoredDataset('cifar10', 'cifar10')).toBe(false);
  });
});

describe('the data store', () => {
  const summary: DatasetSummary = {
    data: 'fashion',
    label: 'Fashion-MNIST',
    trainCount: 60_000,
    testCount: 10_000,
    shape: { height: 28, width: 28, channels: 1 },
    classNames: ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'],
    notes: [],
    files: [],
    source: 'stored',
    loadMs: 600,
    storeMs: null,
    stored: true,
    storeError: null,
    savedAt: 1,
  };
  let stored: DatasetSummary | null = null;
  let fail: string | null = null;
  const api = {
    restoreDataset: async () => stored,
    loadDataset: async (_kind: string, files: File[]) => {
      if (fail) throw new Error(fail);
      return { ...summary, source: 'files' as const, files: files.map((f) => f.name) };
    },
    forgetDataset: async () => {
      stored = null;
    },
  };

  beforeEach(() => {
    stored = null;
    fail = null;
    bindIntents({ worker: async () => api as unknown as TrainerApi } as unknown as Intents);
    useStore.setState({ config: { ...defaultConfig(), data: 'fashion' } });
    useData.setState({ kind: 'mnist', status: 'builtin', summary: null, error: null, loadingFiles: [], pageMs: null });
  });

  it('MNIST is built in; a set not stored is missing; a stored one is ready', async () => {
    await syncData(api, 'mnist');
    expect(dataReady(useData.getState(), 'mnist')).toBe(true);
    await syncData(api, 'fashion');
    expect(useData.getState().status).toBe('missing');
    expect(dataReady(useData.getState(), 'fashion')).toBe(false);
    stored = summary;
    await syncData(api, 'fashion');
    expect(useData.getState()).toMatchObject({ kind: 'fashion', status: 'ready', summary });
    expect(dataReady(useData.getState(), 'fashion')).toBe(true);
    expect(dataReady(useData.getState(), 'cifar10')).toBe(false);
  });

  it('files load; a bad file leaves the loaded set in use with the message; forget asks for the files again', async () => {
    const file = (name: string) => new File([new Uint8Array(1)], name);
    await loadFiles([file('train-images-idx3-ubyte.gz')]);
    expect(useData.getState()).toMatchObject({ status: 'ready', error: null });
    expect(useData.getState().summary?.files).toEqual(['train-images-idx3-ubyte.gz']);
    fail = 'train-images-idx3-ubyte.gz: not a valid gzip file (incorrect header check).';
    await loadFiles([file('train-images-idx3-ubyte.gz')]);
    expect(useData.getState()).toMatchObject({ status: 'ready', error: fail });
    expect(useData.getState().summary?.source).toBe('files');
    await forgetData();
    expect(useData.getState()).toMatchObject({ status: 'missing', summary: null, error: null });
    // A bad file with nothing loaded before: still missing, with the message.
    await loadFiles([file('train-images-idx3-ubyte.gz')]);
    expect(useData.getState()).toMatchObject({ status: 'missing', error: fail });
  });
});
