import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { fetchMnist, MNIST_FILES, type LoadProgress } from '../../src/core/data';
import { encodeIdx } from '../../src/core/idx';

/** Small but valid MNIST-shaped IDX files: `count` 28x28 images and their labels. */
function syntheticIdx(count: number, seed: number): { images: Uint8Array; labels: Uint8Array } {
  let s = seed;
  const next = () => (s = (s * 1103515245 + 12345) >>> 0);
  // Noisy pixels, so gzip has something to chew on and the two sizes differ.
  const pixels = new Uint8Array(count * 28 * 28).map(() => (next() >>> 24) & 0xff);
  const labels = new Uint8Array(count).map((_, i) => i % 10);
  return { images: encodeIdx([count, 28, 28], pixels), labels: encodeIdx([count], labels) };
}

const train = syntheticIdx(40, 1);
const test = syntheticIdx(12, 2);
const RAW: Record<string, Uint8Array> = {
  [MNIST_FILES.trainImages]: train.images,
  [MNIST_FILES.trainLabels]: train.labels,
  [MNIST_FILES.testImages]: test.images,
  [MNIST_FILES.testLabels]: test.labels,
};
const GZ: Record<string, Uint8Array> = Object.fromEntries(Object.entries(RAW).map(([name, raw]) => [name, new Uint8Array(gzipSync(raw))]));

/** A body streamed in small chunks, as a network delivers it. */
function chunked(bytes: Uint8Array, size = 997): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(offset, offset + size));
      offset += size;
    },
  });
}

type Delivery = 'gzip' | 'decompressed';

/** A fetch for manifest.json and the four .gz files; `deliver` says how each body arrives. */
function fakeFetch(deliver: (name: string) => Delivery, manifestEntry: (name: string) => object = (name) => ({ gzipBytes: GZ[name].length, rawBytes: RAW[name].length })) {
  return (async (input: RequestInfo | URL) => {
    const url = String(input);
    if (url.endsWith('/manifest.json')) {
      const files = Object.fromEntries(Object.keys(RAW).map((name) => [name, manifestEntry(name)]));
      return new Response(JSON.stringify({ files }), { headers: { 'content-type': 'application/json' } });
    }
    const name = url.slice(url.lastIndexOf('/') + 1).replace(/\.gz$/, '');
    if (!(name in RAW)) return new Response('not found', { status: 404 });
    // 'decompressed' is what a server sending Content-Encoding: gzip looks like after fetch undoes it.
    return new Response(chunked(deliver(name) === 'gzip' ? GZ[name] : RAW[name]));
  }) as typeof fetch;
}

async function load(fetchFn: typeof fetch) {
  const events: LoadProgress[] = [];
  const data = await fetchMnist('/data/mnist', (p) => events.push(p), fetchFn);
  return { data, events };
}

function expectHonestProgress(events: LoadProgress[]) {
  expect(events.length).toBeGreaterThan(4);
  const totalBytes = Object.values(GZ).reduce((s, b) => s + b.length, 0);
  let previous = 0;
  for (const e of events) {
    expect(e.totalBytes).toBe(totalBytes);
    expect(e.loadedBytes).toBeLessThanOrEqual(e.totalBytes);
    expect(e.fraction).toBeGreaterThanOrEqual(0);
    expect(e.fraction).toBeLessThanOrEqual(1);
    // What the page prints.
    expect(Math.round((100 * e.loadedBytes) / e.totalBytes)).toBeLessThanOrEqual(100);
    expect(e.loadedBytes).toBeGreaterThanOrEqual(previous);
    previous = e.loadedBytes;
  }
  const last = events[events.length - 1];
  expect(last.fraction).toBe(1);
  expect(last.loadedBytes).toBe(last.totalBytes);
}

function expectParsed(data: Awaited<ReturnType<typeof fetchMnist>>) {
  expect(data.train.count).toBe(40);
  expect(data.test.count).toBe(12);
  expect(data.train.images).toEqual(RAW[MNIST_FILES.trainImages].subarray(16));
  expect(Array.from(data.test.labels)).toEqual(Array.from({ length: 12 }, (_, i) => i % 10));
}

describe('fetchMnist progress', () => {
  it('gzip bodies: never over 100%, ends at exactly 100%', async () => {
    const { data, events } = await load(fakeFetch(() => 'gzip'));
    expectHonestProgress(events);
    expectParsed(data);
  });

  it('bodies the server already decompressed (Content-Encoding): never over 100%, ends at exactly 100%', async () => {
    // The raw files are several times their gzip size; counted against gzip sizes this read 400%+.
    expect(RAW[MNIST_FILES.trainImages].length).toBeGreaterThan(GZ[MNIST_FILES.trainImages].length);
    const { data, events } = await load(fakeFetch(() => 'decompressed'));
    expectHonestProgress(events);
    expectParsed(data);
  });

  it('a mix of both, with an old manifest that calls the raw size `bytes`', async () => {
    const { data, events } = await load(
      fakeFetch(
        (name) => (name.includes('images') ? 'decompressed' : 'gzip'),
        (name) => ({ gzipBytes: GZ[name].length, bytes: RAW[name].length }),
      ),
    );
    expectHonestProgress(events);
    expectParsed(data);
  });

  it('a manifest without raw sizes still stays within 100% on decompressed bodies', async () => {
    const { events } = await load(fakeFetch(() => 'decompressed', (name) => ({ gzipBytes: GZ[name].length })));
    expectHonestProgress(events);
  });
});
