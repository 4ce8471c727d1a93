/**
 * Synthetic data-set files for the loader tests: CIFAR-10 binary records, tar archives (written by
 * modern-tar, the reader's own library, whose packer writes standard ustar), gzip, IDX files.
 */
import { packTar } from 'modern-tar';
import { encodeIdx } from '../../src/core/idx';
import { CIFAR_RECORD_BYTES } from '../../src/core/datasets';

/** The pixel byte of record r, channel c (0 red, 1 green, 2 blue), pixel p: a pattern the HWC order can be checked against. */
export function cifarPixel(r: number, c: number, p: number): number {
  return (r * 7 + c * 85 + p) & 0xff;
}

/** `count` CIFAR-10 records: label (labelOf(r), default r mod 10), then the red, green and blue planes (CHW). */
export function cifarRecords(count: number, labelOf: (r: number) => number = (r) => r % 10): Uint8Array {
  const out = new Uint8Array(count * CIFAR_RECORD_BYTES);
  for (let r = 0; r < count; r++) {
    const at = r * CIFAR_RECORD_BYTES;
    out[at] = labelOf(r);
    for (let c = 0; c < 3; c++) for (let p = 0; p < 1024; p++) out[at + 1 + c * 1024 + p] = cifarPixel(r, c, p);
  }
  return out;
}

export const CIFAR_META_TEXT = 'airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n\n';

/** A tar of the given members (name -> bytes or text), in order. */
export function tarOf(members: Record<string, Uint8Array | string>): Promise<Uint8Array> {
  return packTar(
    Object.entries(members).map(([name, body]) => {
      const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
      return { header: { name, size: bytes.length, type: 'file' as const }, body: bytes };
    }),
  );
}

export async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(new CompressionStream('gzip') as unknown as ReadableWritablePair<Uint8Array, Uint8Array>);
  return new Uint8Array(await new Response(stream as unknown as ReadableStream).arrayBuffer());
}

/**
 * CIFAR-10's archive as downloaded, in small: cifar-10-batches-bin/ with five training batches of
 * `perBatch` records, a test batch of `testCount`, batches.meta.txt and readme.html (an extra member).
 */
export async function cifarArchive(perBatch: number, testCount: number, options: { gzip?: boolean; extra?: Record<string, Uint8Array | string> } = {}): Promise<Uint8Array> {
  const members: Record<string, Uint8Array | string> = { 'cifar-10-batches-bin/readme.html': '<html>CIFAR-10</html>' };
  for (let b = 1; b <= 5; b++) members[`cifar-10-batches-bin/data_batch_${b}.bin`] = cifarRecords(perBatch, (r) => (r + b) % 10);
  members['cifar-10-batches-bin/test_batch.bin'] = cifarRecords(testCount);
  members['cifar-10-batches-bin/batches.meta.txt'] = CIFAR_META_TEXT;
  Object.assign(members, options.extra ?? {});
  const tar = await tarOf(members);
  return options.gzip === false ? tar : gzip(tar);
}

/** The four IDX files of a 28x28 set of `train` and `test` images (pixel i of image n: (n + i) mod 256; label n mod classes). */
export function idxFiles(train: number, test: number, classes = 10): Record<'trainImages' | 'trainLabels' | 'testImages' | 'testLabels', Uint8Array> {
  const images = (n: number) => encodeIdx([n, 28, 28], Uint8Array.from({ length: n * 784 }, (_, i) => (Math.floor(i / 784) + (i % 784)) & 0xff));
  const labels = (n: number) => encodeIdx([n], Uint8Array.from({ length: n }, (_, i) => i % classes));
  return { trainImages: images(train), trainLabels: labels(train), testImages: images(test), testLabels: labels(test) };
}

export const IDX_NAMES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

/** Where Debian's dataset-fashion-mnist package puts the four gzip files. */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';
