/**
 * MNIST as plain bytes. Images stay uint8 (one byte a pixel) until a batch is built, so the full
 * training set costs 47 MB, not 188 MB of float32.
 */
import { IdxError, parseIdx } from './idx';
import { IMAGE_SIZE, INPUT_SIZE, NUM_CLASSES } from './models';

export interface ImageSet {
  /** count x 784 pixels, 0..255, row-major. */
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
}

export interface MnistData {
  train: ImageSet;
  test: ImageSet;
}

export function imageSetFromIdx(imagesIdx: Uint8Array, labelsIdx: Uint8Array, name: string): ImageSet {
  const images = parseIdx(imagesIdx, `${name} images`);
  const labels = parseIdx(labelsIdx, `${name} labels`);
  if (images.dims.length !== 3 || images.dims[1] !== IMAGE_SIZE || images.dims[2] !== IMAGE_SIZE) {
    throw new IdxError(`${name} images: dimensions ${images.dims.join('x')}; expected N x ${IMAGE_SIZE} x ${IMAGE_SIZE}.`);
  }
  if (labels.dims.length !== 1) throw new IdxError(`${name} labels: dimensions ${labels.dims.join('x')}; expected one dimension.`);
  if (labels.dims[0] !== images.dims[0]) {
    throw new IdxError(`${name}: ${images.dims[0]} images but ${labels.dims[0]} labels.`);
  }
  for (let i = 0; i < labels.data.length; i++) {
    if (labels.data[i] >= NUM_CLASSES) throw new IdxError(`${name} labels: label ${labels.data[i]} at index ${i} is not a digit 0-9.`);
  }
  return { images: images.data, labels: labels.data, count: images.dims[0] };
}

/** A new set with the given rows (in the given order). */
export function subset(set: ImageSet, indices: ArrayLike<number>): ImageSet {
  const n = indices.length;
  const images = new Uint8Array(n * INPUT_SIZE);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const src = indices[i];
    images.set(set.images.subarray(src * INPUT_SIZE, (src + 1) * INPUT_SIZE), i * INPUT_SIZE);
    labels[i] = set.labels[src];
  }
  return { images, labels, count: n };
}

/** First n rows without copying. */
export function head(set: ImageSet, n: number): ImageSet {
  const count = Math.min(n, set.count);
  return { images: set.images.subarray(0, count * INPUT_SIZE), labels: set.labels.subarray(0, count), count };
}

export const MNIST_FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;
export type MnistFileKey = keyof typeof MNIST_FILES;

export interface LoadProgress {
  /** fraction x totalBytes, so loadedBytes <= totalBytes always. */
  loadedBytes: number;
  /** The four files' gzip sizes: what travels over the network. */
  totalBytes: number;
  /** 0..1, exactly 1 once every file is read. */
  fraction: number;
}

/** One file's entry in public/data/mnist/manifest.json (scripts/build-data.mjs). */
export interface MnistManifestEntry {
  gzipBytes: number;
  /** Uncompressed size; older manifests call it `bytes`. */
  rawBytes?: number;
  bytes?: number;
  sha256?: string;
}

/**
 * Fetches the four gzip-compressed IDX assets the build step made (scripts/build-data.mjs),
 * decompresses them with the platform's DecompressionStream and parses them. Uses only web
 * platform APIs, so it runs in the page, in a worker and in Node 20.
 *
 * Progress: a server that sends the .gz with Content-Encoding: gzip hands us the body already
 * decompressed, so the bytes we count are raw bytes, not gzip bytes. Each file's bytes are therefore
 * counted against its raw size or its gzip size, whichever the first byte says it is, and the files
 * are weighted by their gzip sizes (the download) into one fraction.
 */
export async function fetchMnist(
  baseUrl: string,
  onProgress?: (p: LoadProgress) => void,
  fetchFn: typeof fetch = fetch,
): Promise<MnistData> {
  const manifestResponse = await fetchFn(`${baseUrl}/manifest.json`);
  if (!manifestResponse.ok) throw new Error(`MNIST assets missing at ${baseUrl} (HTTP ${manifestResponse.status}); run \`npm run data\`.`);
  const manifest = (await manifestResponse.json()) as { files: Record<string, MnistManifestEntry> };
  const keys = Object.keys(MNIST_FILES) as MnistFileKey[];
  const entry = (k: MnistFileKey) => manifest.files[MNIST_FILES[k]];
  const totalBytes = keys.reduce((sum, k) => sum + (entry(k)?.gzipBytes ?? 0), 0);
  // Each file's share of the whole; equal shares if the manifest lacks sizes.
  const weights = keys.map((k) => (totalBytes > 0 ? (entry(k)?.gzipBytes ?? 0) / totalBytes : 1 / keys.length));
  const fileFraction = keys.map(() => 0);
  let lastLoaded = -1;
  const report = (final = false) => {
    if (!onProgress) return;
    const fraction = final ? 1 : Math.min(1, keys.reduce((sum, _, i) => sum + weights[i] * fileFraction[i], 0));
    // Floor: never more than what has arrived.
    const loadedBytes = final ? totalBytes : Math.min(totalBytes, Math.floor(fraction * totalBytes));
    if (!final && loadedBytes === lastLoaded) return;
    lastLoaded = loadedBytes;
    onProgress({ loadedBytes, totalBytes, fraction });
  };

  const fetchOne = async (key: MnistFileKey, i: number): Promise<Uint8Array> => {
    const name = MNIST_FILES[key];
    const response = await fetchFn(`${baseUrl}/${name}.gz`);
    if (!response.ok || !response.body) throw new Error(`Could not load ${name}.gz (HTTP ${response.status}).`);
    const sizes = entry(key);
    const rawBytes = sizes?.rawBytes ?? sizes?.bytes;
    let expected: number | undefined;
    let received = 0;
    const counter = new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        if (chunk.byteLength > 0) {
          // IDX starts with 0x00, gzip with 0x1f: the first byte tells which we are counting.
          if (received === 0) expected = chunk[0] === 0x1f ? sizes?.gzipBytes : rawBytes;
          received += chunk.byteLength;
          // Without a known size, creep towards (never reach) the end until the stream closes.
          fileFraction[i] = expected ? Math.min(1, received / expected) : Math.min(0.99, fileFraction[i] + 0.01);
          report();
        }
        controller.enqueue(chunk);
      },
    });
    const body = response.body.pipeThrough(counter);
    const bytes = new Uint8Array(await new Response(body).arrayBuffer());
    fileFraction[i] = 1;
    report();
    // A server may already have undone the gzip (Content-Encoding); only decompress real gzip.
    if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
      const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
      return new Uint8Array(await new Response(stream).arrayBuffer());
    }
    return bytes;
  };

  const [trainImages, trainLabels, testImages, testLabels] = await Promise.all(keys.map(fetchOne));
  report(true);
  return {
    train: imageSetFromIdx(trainImages, trainLabels, 'train'),
    test: imageSetFromIdx(testImages, testLabels, 'test'),
  };
}
