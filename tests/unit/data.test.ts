import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fetchMnist, MNIST_FILES, type LoadProgress } from '../../src/core/data';
import { encodeIdx, IdxError } from '../../src/core/idx';

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

/** One file served differently: its bytes, status, manifest entry, or a body that breaks. */
interface Fault {
  name: string;
  body?: Uint8Array;
  status?: number;
  manifestEntry?: object;
  chunkSize?: number;
  /** The body errors after this many bytes (a dropped connection). */
  breakAfter?: number;
}

/** Like fakeFetch (gzip bodies), with one file replaced; counts what the replaced body handed out and whether it was cancelled. */
function faultyFetch(fault: Fault) {
  const stats = { pulled: 0, cancelled: false, signals: [] as AbortSignal[] };
  const fetchFn = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input);
    if (init?.signal) stats.signals.push(init.signal);
    if (url.endsWith('/manifest.json')) {
      const files = Object.fromEntries(
        Object.keys(RAW).map((name) => [name, name === fault.name && fault.manifestEntry ? fault.manifestEntry : { gzipBytes: GZ[name].length, rawBytes: RAW[name].length }]),
      );
      return new Response(JSON.stringify({ files }));
    }
    const name = url.slice(url.lastIndexOf('/') + 1).replace(/\.gz$/, '');
    if (name !== fault.name) return new Response(chunked(GZ[name]));
    if (fault.status) return new Response('not found', { status: fault.status });
    const bytes = fault.body!;
    const size = fault.chunkSize ?? 997;
    let offset = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (fault.breakAfter !== undefined && offset >= fault.breakAfter) return controller.error(new TypeError('network connection lost'));
        if (offset >= bytes.length) return controller.close();
        const chunk = bytes.slice(offset, offset + size);
        offset += chunk.length;
        stats.pulled += chunk.length;
        controller.enqueue(chunk);
      },
      cancel() {
        stats.cancelled = true;
      },
    });
    return new Response(body);
  }) as typeof fetch;
  return { fetchFn, stats };
}

async function loadError(fetchFn: typeof fetch): Promise<Error> {
  try {
    await fetchMnist('/data/mnist', undefined, fetchFn);
  } catch (error) {
    expect(error).toBeInstanceOf(Error);
    return error as Error;
  }
  throw new Error('expected fetchMnist to fail');
}

/** Counts the bytes every DecompressionStream hands out (what was inflated), while stubbed in. */
function countInflatedBytes() {
  const counter = { bytes: 0 };
  const Real = globalThis.DecompressionStream;
  class Counting {
    readonly writable: WritableStream;
    readonly readable: ReadableStream<Uint8Array>;
    constructor(format: CompressionFormat) {
      const inner = new Real(format);
      this.writable = inner.writable;
      this.readable = inner.readable.pipeThrough(
        new TransformStream<Uint8Array, Uint8Array>({
          transform(chunk, controller) {
            counter.bytes += chunk.byteLength;
            controller.enqueue(chunk);
          },
        }),
      );
    }
  }
  vi.stubGlobal('DecompressionStream', Counting);
  return counter;
}

const bytes = (n: number) => n.toLocaleString('en-US');

describe('fetchMnist failures name the file', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('a truncated gzip download: how far it got, of how much', async () => {
    const name = MNIST_FILES.trainImages;
    const half = Math.floor(GZ[name].length / 2);
    const { fetchFn } = faultyFetch({ name, body: GZ[name].subarray(0, half) });
    const error = await loadError(fetchFn);
    expect(error.message).toBe(`${name}.gz: the download ended after ${bytes(half)} of ${bytes(GZ[name].length)} bytes.`);
    // Without sizes in the manifest, the gzip stream itself says what is wrong.
    const unsized = faultyFetch({ name, body: GZ[name].subarray(0, half), manifestEntry: {} });
    expect((await loadError(unsized.fetchFn)).message).toMatch(new RegExp(`^${name}\\.gz: not a valid gzip file \\(.+\\)\\.$`));
  });

  it('a connection that drops mid-file', async () => {
    const name = MNIST_FILES.testImages;
    const { fetchFn, stats } = faultyFetch({ name, body: GZ[name], breakAfter: 997 * 3 });
    const error = await loadError(fetchFn);
    expect(error.message).toBe(`${name}.gz: the download broke off after ${bytes(997 * 3)} of ${bytes(GZ[name].length)} bytes (network connection lost).`);
    // The other three downloads are told to stop.
    expect(stats.signals).toHaveLength(4);
    expect(stats.signals.every((s) => s.aborted)).toBe(true);
  });

  it('a wrong magic number', async () => {
    const name = MNIST_FILES.trainLabels;
    const raw = RAW[name].slice();
    raw[0] = 1;
    const error = await loadError(faultyFetch({ name, body: new Uint8Array(gzipSync(raw)) }).fetchFn);
    expect(error).toBeInstanceOf(IdxError);
    expect(error.message).toBe(`${name}.gz: bad magic number (first two bytes must be 0).`);
  });

  it('a gzip bomb: stops inflating as soon as the output passes what the header claims', async () => {
    const name = MNIST_FILES.trainImages;
    const claimed = 16 + 10 * 784;
    const bomb = new Uint8Array(claimed + 64 * 1024 * 1024);
    bomb.set(encodeIdx([10, 28, 28], new Uint8Array(10 * 784)));
    const gz = new Uint8Array(gzipSync(bomb));
    const inflated = countInflatedBytes();
    // The manifest agrees with the header: only the file's real length betrays it.
    const { fetchFn } = faultyFetch({ name, body: gz, manifestEntry: { gzipBytes: gz.length, rawBytes: claimed } });
    const error = await loadError(fetchFn);
    expect(error).toBeInstanceOf(IdxError);
    expect(error.message).toMatch(new RegExp(`^${name}\\.gz: IDX header says 10 x 28 x 28 \\(7,856 bytes\\) but the file holds more \\([\\d,]+ bytes so far\\)\\.$`));
    // Node's DecompressionStream takes in all 64 KB of gzip at once but inflates only as its output
    // is read: what was inflated is the measure. 16 KiB (one output chunk) when written.
    expect(inflated.bytes).toBeGreaterThan(claimed);
    expect(inflated.bytes).toBeLessThanOrEqual(256 * 1024);
  });

  it('a bomb the server already decompressed: stops reading the body', async () => {
    const name = MNIST_FILES.testImages;
    const claimed = 16 + 10 * 784;
    const bomb = new Uint8Array(claimed + 64 * 1024 * 1024);
    bomb.set(encodeIdx([10, 28, 28], new Uint8Array(10 * 784)));
    const { fetchFn, stats } = faultyFetch({ name, body: bomb, manifestEntry: { gzipBytes: 1000 }, chunkSize: 64 * 1024 });
    const error = await loadError(fetchFn);
    expect(error.message).toMatch(/^t10k-images-idx3-ubyte\.gz: IDX header says 10 x 28 x 28 \(7,856 bytes\) but the file holds more/);
    // Two 64 KiB chunks when written: the one holding the header, and one read ahead.
    expect(stats.pulled).toBeLessThanOrEqual(4 * 64 * 1024);
    expect(stats.cancelled).toBe(true);
  });

  it('an image file that is not N x 28 x 28 is refused at its header', async () => {
    const name = MNIST_FILES.trainImages;
    const big = new Uint8Array(8 * 1024 * 1024);
    big.set(encodeIdx([100_000, 27, 28], new Uint8Array(0)));
    const inflated = countInflatedBytes();
    const error = await loadError(faultyFetch({ name, body: new Uint8Array(gzipSync(big)), manifestEntry: {} }).fetchFn);
    expect(error.message).toBe(`${name}.gz: dimensions 100000x27x28; expected N x 28 x 28.`);
    expect(inflated.bytes).toBeLessThan(1024 * 1024);
  });

  it('a file longer than its header says', async () => {
    const name = MNIST_FILES.testImages;
    const long = new Uint8Array(RAW[name].length + 10);
    long.set(RAW[name]);
    const gz = new Uint8Array(gzipSync(long));
    const claimed = bytes(RAW[name].length);
    // A manifest built from the long file disagrees with the header at once...
    const withSize = faultyFetch({ name, body: gz, manifestEntry: { gzipBytes: gz.length, rawBytes: long.length } });
    expect((await loadError(withSize.fetchFn)).message).toBe(`${name}.gz: IDX header says 12 x 28 x 28 (${claimed} bytes) but the manifest says ${bytes(long.length)} bytes.`);
    // ...and without a raw size, the extra bytes are caught as they arrive.
    const noSize = faultyFetch({ name, body: gz, manifestEntry: { gzipBytes: gz.length } });
    expect((await loadError(noSize.fetchFn)).message).toBe(`${name}.gz: IDX header says 12 x 28 x 28 (${claimed} bytes) but the file holds more (${bytes(long.length)} bytes so far).`);
  });

  it('a file shorter than its header says (complete download)', async () => {
    const name = MNIST_FILES.trainLabels;
    const short = RAW[name].subarray(0, RAW[name].length - 3);
    const gz = new Uint8Array(gzipSync(short));
    const error = await loadError(faultyFetch({ name, body: gz, manifestEntry: { gzipBytes: gz.length } }).fetchFn);
    expect(error.message).toBe(`${name}.gz: IDX header says 40 (48 bytes) but the file holds only 45 bytes.`);
  });

  it('HTTP 404, for a data file and for the manifest', async () => {
    const error = await loadError(faultyFetch({ name: MNIST_FILES.testLabels, status: 404 }).fetchFn);
    expect(error.message).toBe('t10k-labels-idx1-ubyte.gz: HTTP 404; run `npm run data`.');
    const noManifest = (async () => new Response('not found', { status: 404 })) as typeof fetch;
    expect((await loadError(noManifest)).message).toMatch(/^manifest\.json: MNIST assets missing at \/data\/mnist \(HTTP 404\)/);
  });

  it('still parses a small valid set, gzip or already decompressed', async () => {
    expectParsed(await fetchMnist('/data/mnist', undefined, fakeFetch(() => 'gzip')));
    expectParsed(await fetchMnist('/data/mnist', undefined, fakeFetch(() => 'decompressed')));
  });
});
