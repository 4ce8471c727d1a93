import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CIFAR_RECORD_BYTES, idxRoleOf, loadCifar10, loadDataset, loadIdxDataset, parseCifarBatch, readCifarTar } from '../../src/core/datasets';
import { cifarArchive, cifarPixel, cifarRecords, CIFAR_META_TEXT, FASHION_MNIST_DIR, gzip, IDX_NAMES, idxFiles, tarOf } from '../helpers/datasets';

const named = (name: string, source: Uint8Array | Blob) => ({ name, source });

describe('CIFAR-10 record parser', () => {
  it('reads the label and turns the three colour planes (CHW) into HWC', () => {
    const set = parseCifarBatch(cifarRecords(3, (r) => [7, 0, 9][r]), 'data_batch_1.bin');
    expect(set.count).toBe(3);
    expect(set.shape).toEqual({ height: 32, width: 32, channels: 3 });
    expect(Array.from(set.labels)).toEqual([7, 0, 9]);
    expect(set.images.length).toBe(3 * 3072);
    // Record 2, pixel 5 (row 0, column 5): its red, green and blue bytes side by side.
    const at = 2 * 3072 + 3 * 5;
    expect(Array.from(set.images.subarray(at, at + 3))).toEqual([cifarPixel(2, 0, 5), cifarPixel(2, 1, 5), cifarPixel(2, 2, 5)]);
    // The last pixel (31, 31) of record 0.
    expect(Array.from(set.images.subarray(3069, 3072))).toEqual([cifarPixel(0, 0, 1023), cifarPixel(0, 1, 1023), cifarPixel(0, 2, 1023)]);
  });

  it('refuses a truncated batch, naming the file and the bytes over', () => {
    const bytes = cifarRecords(2).subarray(0, 2 * CIFAR_RECORD_BYTES - 100);
    expect(() => parseCifarBatch(bytes, 'data_batch_2.bin')).toThrow(
      'data_batch_2.bin: 6,046 bytes is not a whole number of 3,073-byte records (label + 32x32x3 pixels): 1 records and 2,973 bytes over. The file is truncated or not a CIFAR-10 binary batch.',
    );
  });

  it('refuses records of the wrong size (CIFAR-100 has 3,074 bytes a record)', () => {
    expect(() => parseCifarBatch(new Uint8Array(3 * 3074), 'train.bin')).toThrow(
      'train.bin: 9,222 bytes is not a whole number of 3,073-byte records (label + 32x32x3 pixels): 3 records and 3 bytes over. Records of 3,074 bytes are CIFAR-100, not CIFAR-10.',
    );
  });

  it('refuses a label outside 0-9, naming the record', () => {
    expect(() => parseCifarBatch(cifarRecords(3, (r) => (r === 1 ? 10 : 0)), 'test_batch.bin')).toThrow('test_batch.bin: record 1 (byte 3,073) has label 10; CIFAR-10 labels are 0-9.');
    expect(() => parseCifarBatch(new Uint8Array(0), 'test_batch.bin')).toThrow('test_batch.bin: empty; a CIFAR-10 batch holds 3,073-byte records.');
  });
});

describe('CIFAR-10 archive and files', () => {
  it('loads the .tar.gz as downloaded: five batches in order, the test batch, class names, extra members skipped', async () => {
    const archive = await cifarArchive(4, 6);
    expect(Array.from(archive.subarray(0, 2))).toEqual([0x1f, 0x8b]);
    const set = await loadCifar10([named('cifar-10-binary.tar.gz', archive)]);
    expect(set.data).toBe('cifar10');
    expect(set.train.count).toBe(20);
    expect(set.test.count).toBe(6);
    expect(set.train.shape).toEqual({ height: 32, width: 32, channels: 3 });
    // Batch b labels its record r as (r + b) mod 10: batch 1 first, batch 5 last.
    expect(Array.from(set.train.labels)).toEqual([1, 2, 3, 4, 2, 3, 4, 5, 3, 4, 5, 6, 4, 5, 6, 7, 5, 6, 7, 8]);
    expect(Array.from(set.test.labels)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(set.classNames).toEqual(CIFAR_META_TEXT.trim().split('\n'));
    expect(set.train.images[4 * 3072 + 1]).toBe(cifarPixel(0, 1, 0));
    expect(set.notes).toEqual([
      'CIFAR-10: 20 training images (data_batch_1.bin, data_batch_2.bin, data_batch_3.bin, data_batch_4.bin, data_batch_5.bin) and 6 test images, 32x32x3.',
      'Subset: 20 of the 50,000 training images.',
      'Subset: 6 of the 10,000 test images.',
    ]);
  });

  it('loads a plain .tar and a Blob (a File in the page) the same way', async () => {
    const fromTar = await loadCifar10([named('cifar.tar', await cifarArchive(2, 3, { gzip: false }))]);
    const fromBlob = await loadCifar10([named('cifar-10-binary.tar.gz', new Blob([(await cifarArchive(2, 3)) as BlobPart]))]);
    expect(fromBlob.train.images).toEqual(fromTar.train.images);
    expect(fromBlob.test.labels).toEqual(fromTar.test.labels);
    expect(fromTar.train.count).toBe(10);
  });

  it('loads loose .bin files, gzip or not, and says when training batches are missing', async () => {
    const set = await loadDataset('cifar10', [
      named('test_batch.bin', cifarRecords(5)),
      named('data_batch_3.bin.gz', await gzip(cifarRecords(2, () => 3))),
      named('data_batch_1.bin', cifarRecords(3, () => 1)),
    ]);
    expect(Array.from(set.train.labels)).toEqual([1, 1, 1, 3, 3]);
    expect(set.classNames[0]).toBe('airplane');
    expect(set.notes).toContain('Subset: 2 of the 5 training batches.');
  });

  it('refuses a truncated archive, naming it', async () => {
    const tar = await cifarArchive(2, 2, { gzip: false });
    await expect(loadCifar10([named('cifar.tar', tar.subarray(0, 9000))])).rejects.toThrow(/^cifar\.tar: /);
    const gz = await cifarArchive(2, 2);
    await expect(loadCifar10([named('cifar-10-binary.tar.gz', gz.subarray(0, gz.length - 40))])).rejects.toThrow(
      'cifar-10-binary.tar.gz: cifar-10-batches-bin/batches.meta.txt: not a valid gzip file (unexpected end of file).',
    );
  });

  it('refuses a bad member inside the archive, naming the archive and the member', async () => {
    const bad = await cifarArchive(2, 2, { extra: { 'cifar-10-batches-bin/data_batch_4.bin': cifarRecords(2, () => 200) } });
    await expect(loadCifar10([named('c.tar.gz', bad)])).rejects.toThrow('c.tar.gz: cifar-10-batches-bin/data_batch_4.bin: record 0 (byte 0) has label 200; CIFAR-10 labels are 0-9.');
    const twice = await cifarArchive(2, 2, { extra: { 'copy/data_batch_4.bin': cifarRecords(2) } });
    await expect(loadCifar10([named('c.tar.gz', twice)])).rejects.toThrow('c.tar.gz: copy/data_batch_4.bin: a second data_batch_4.bin in the archive.');
    const tar = await tarOf({ 'cifar-10-batches-bin/data_batch_1.bin': cifarRecords(2, (r) => (r === 1 ? 11 : 0)), 'cifar-10-batches-bin/test_batch.bin': cifarRecords(1) });
    await expect(loadCifar10([named('c.tar', tar)])).rejects.toThrow('c.tar: cifar-10-batches-bin/data_batch_1.bin: record 1 (byte 3,073) has label 11; CIFAR-10 labels are 0-9.');
    const short = await tarOf({ 'x/data_batch_1.bin': cifarRecords(1).subarray(0, 3000), 'x/test_batch.bin': cifarRecords(1) });
    await expect(loadCifar10([named('c.tar', short)])).rejects.toThrow('c.tar: x/data_batch_1.bin: 3,000 bytes is not a whole number');
  });

  it('lists only the CIFAR members of a tar with extra ones', async () => {
    const members = await readCifarTar(named('c.tar', await tarOf({ 'a/readme.html': 'hi', 'a/data_batch_2.bin': cifarRecords(1), 'a/other.bin': new Uint8Array(10) })));
    expect([...members.keys()]).toEqual(['data_batch_2.bin']);
    expect(members.get('data_batch_2.bin')!.name).toBe('c.tar: a/data_batch_2.bin');
  });

  it('needs the test batch and a training batch, and a meta file of ten names', async () => {
    await expect(loadCifar10([named('data_batch_1.bin', cifarRecords(1))])).rejects.toThrow('CIFAR-10: test_batch.bin is missing (found: data_batch_1.bin).');
    await expect(loadCifar10([named('test_batch.bin', cifarRecords(1))])).rejects.toThrow('CIFAR-10: no training batch (data_batch_1..5.bin) (found: test_batch.bin).');
    await expect(loadCifar10([named('notes.bin', cifarRecords(1))])).rejects.toThrow('notes.bin: not a CIFAR-10 file');
    const meta = named('batches.meta.txt', new TextEncoder().encode('cat\ndog\n'));
    await expect(loadCifar10([named('test_batch.bin', cifarRecords(1)), named('data_batch_1.bin', cifarRecords(1)), meta])).rejects.toThrow('batches.meta.txt: 2 class names; CIFAR-10 has 10, one a line.');
  });
});

describe('IDX sets (Fashion-MNIST, KMNIST, any 28x28 set)', () => {
  it('tells the four files apart by their names', () => {
    expect(idxRoleOf('train-images-idx3-ubyte.gz')).toBe('trainImages');
    expect(idxRoleOf('/data/t10k-labels-idx1-ubyte')).toBe('testLabels');
    expect(idxRoleOf('kmnist-test-imgs-idx3-ubyte.gz')).toBe('testImages');
    expect(idxRoleOf('readme.txt')).toBeNull();
  });

  it('loads gzip and raw files alike, in any order', async () => {
    const files = idxFiles(30, 12);
    const set = await loadIdxDataset(
      [
        named(`${IDX_NAMES.testLabels}.gz`, await gzip(files.testLabels)),
        named(IDX_NAMES.trainImages, files.trainImages),
        named(`${IDX_NAMES.trainLabels}.gz`, await gzip(files.trainLabels)),
        named(IDX_NAMES.testImages, files.testImages),
      ],
      'fashion',
    );
    expect(set.train.count).toBe(30);
    expect(set.test.count).toBe(12);
    expect(set.train.shape).toEqual({ height: 28, width: 28, channels: 1 });
    expect(Array.from(set.test.labels.subarray(0, 11))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0]);
    expect(set.train.images[2 * 784 + 5]).toBe(7);
    expect(set.classNames[9]).toBe('Ankle boot');
    expect(set.notes).toEqual([
      'Fashion-MNIST: 30 training and 12 test images, 28x28, 10 classes (784 bytes an image).',
      'Fashion-MNIST has 60,000 training and 10,000 test images; these files are a subset or another set.',
    ]);
  });

  it('refuses a bad file, naming it, and returns nothing half-loaded', async () => {
    const files = idxFiles(20, 10, 4);
    const all = (over: Partial<Record<keyof typeof files, Uint8Array>>) =>
      (Object.keys(IDX_NAMES) as (keyof typeof files)[]).map((k) => named(`${IDX_NAMES[k]}.gz`, over[k] ?? files[k]));
    await expect(loadIdxDataset(all({ trainLabels: files.testLabels }))).rejects.toThrow('train-labels-idx1-ubyte.gz: 10 labels but train-images-idx3-ubyte.gz has 20 images.');
    await expect(loadIdxDataset(all({ testImages: files.trainImages.subarray(0, 5000) }))).rejects.toThrow(/^t10k-images-idx3-ubyte\.gz: truncated data/);
    const labels11 = files.testLabels.slice();
    labels11[8 + 3] = 11;
    await expect(loadIdxDataset(all({ testLabels: labels11 }))).rejects.toThrow('t10k-labels-idx1-ubyte.gz: label 11 at index 3; at most 10 classes (labels 0-9) are supported.');
    const gz = await gzip(files.trainImages);
    await expect(loadIdxDataset(all({ trainImages: gz.subarray(0, gz.length - 30) }))).rejects.toThrow(/^train-images-idx3-ubyte\.gz: not a valid gzip file/);
    await expect(loadIdxDataset(all({}).slice(1))).rejects.toThrow('IDX set: 1 of the four IDX files missing (trainImages); expected');
  });

  it.skipIf(!existsSync(join(FASHION_MNIST_DIR, 'train-images-idx3-ubyte.gz')))(
    "loads the real Fashion-MNIST files of Debian's dataset-fashion-mnist (skipped when the package is missing: apt-get install dataset-fashion-mnist)",
    async () => {
      const names = ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'];
      const set = await loadIdxDataset(
        names.map((name) => named(name, new Blob([readFileSync(join(FASHION_MNIST_DIR, name))]))),
        'fashion',
      );
      expect(set.train.count).toBe(60_000);
      expect(set.test.count).toBe(10_000);
      // Zalando's first training image is an ankle boot (9), the first test image too.
      expect(set.train.labels[0]).toBe(9);
      expect(set.test.labels[0]).toBe(9);
      const perClass = new Array(10).fill(0);
      for (const l of set.train.labels) perClass[l]++;
      expect(perClass).toEqual(new Array(10).fill(6000));
      expect(set.notes).toEqual(['Fashion-MNIST: 60,000 training and 10,000 test images, 28x28, 10 classes (784 bytes an image).']);
    },
  );
});
