/**
 * MNIST as plain bytes. Images stay uint8 (one byte a pixel) until a batch is built, so the full
 * training set costs 47 MB, not 188 MB of float32.
 */
import { IdxError, MAX_IDX_HEADER_BYTES, parseIdx, readIdxHeader, type IdxHeader } from './idx';
import { IMAGE_SIZE, NUM_CLASSES } from './models';
import { MNIST_SHAPE, pixelsPerImage, type ImageShape } from './datasets/kinds';
import { bytesText, concat, messageOf, openMaybeGzip } from './datasets/bytes';

export interface ImageSet {
  /** count x pixels (MNIST: 784), 0..255, row-major, channels last (HWC) for colour. */
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
  /** One image's shape; absent means MNIST's 28x28x1. */
  shape?: ImageShape;
}

export function imageShapeOf(set: Pick<ImageSet, 'shape'>): ImageShape {
  return set.shape ?? MNIST_SHAPE;
}

/** Bytes of one image of the set (784 for MNIST, 3,072 for CIFAR-10). */
export function imageBytes(set: Pick<ImageSet, 'shape'>): number {
  return pixelsPerImage(imageShapeOf(set));
}

export interface MnistData {
  train: ImageSet;
  test: ImageSet;
}

/** Throws unless an IDX file's dimensions fit MNIST: images N x 28 x 28, labels one dimension. */
export function checkMnistDims(kind: 'images' | 'labels', dims: readonly number[], name: string): void {
  if (kind === 'images' && (dims.length !== 3 || dims[1] !== IMAGE_SIZE || dims[2] !== IMAGE_SIZE)) {
    throw new IdxError(`${name}: dimensions ${dims.join('x')}; expected N x ${IMAGE_SIZE} x ${IMAGE_SIZE}.`);
  }
  if (kind === 'labels' && dims.length !== 1) throw new IdxError(`${name}: dimensions ${dims.join('x')}; expected one dimension.`);
}

export function imageSetFromIdx(imagesIdx: Uint8Array, labelsIdx: Uint8Array, name: string): ImageSet {
  const images = parseIdx(imagesIdx, `${name} images`);
  const labels = parseIdx(labelsIdx, `${name} labels`);
  checkMnistDims('images', images.dims, `${name} images`);
  checkMnistDims('labels', labels.dims, `${name} labels`);
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
  const size = imageBytes(set);
  const images = new Uint8Array(n * size);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const src = indices[i];
    images.set(set.images.subarray(src * size, (src + 1) * size), i * size);
    labels[i] = set.labels[src];
  }
  return { images, labels, count: n, ...(set.shape ? { shape: set.shape } : {}) };
}

/** First n rows without copying. */
export function head(set: ImageSet, n: number): ImageSet {
  const count = Math.min(n, set.count);
  return { images: set.images.subarray(0, count * imageBytes(set)), labels: set.labels.subarray(0, count), count, ...(set.shape ? { shape: set.shape } : {}) };
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

const dimsText = (dims: readonly number[]) => dims.join(' x ');

/**
 * One IDX file's bytes as they stream in, checked as soon as its header has arrived (magic, type,
 * MNIST's dimensions, then `onHeader`'s own check) and stopped the moment they pass the size the
 * header claims, so a corrupt or hostile file costs little more than its claim. MNIST's assets
 * (fetchMnist) and a user's IDX files (datasets/idxSet.ts) are read through it.
 */
export class IdxCollector {
  private readonly chunks: Uint8Array[] = [];
  size = 0;
  header: IdxHeader | null = null;
  /** The header's total size; Infinity until the header has arrived. */
  claimed = Infinity;

  constructor(
    private readonly file: string,
    private readonly kind: 'images' | 'labels',
    private readonly onHeader?: (header: IdxHeader, claimed: number) => void,
  ) {}

  push(chunk: Uint8Array): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    if (!this.header) {
      this.header = readIdxHeader(concat(this.chunks, Math.min(this.size, MAX_IDX_HEADER_BYTES)), this.file);
      if (this.header) {
        checkMnistDims(this.kind, this.header.dims, this.file);
        this.claimed = this.header.headerBytes + this.header.dataBytes;
        this.onHeader?.(this.header, this.claimed);
      }
    }
    if (this.size > this.claimed) {
      throw new IdxError(`${this.file}: IDX header says ${dimsText(this.header!.dims)} (${bytesText(this.claimed)} bytes) but the file holds more (${bytesText(this.size)} bytes so far).`);
    }
  }

  /** Everything read so far, in one array. */
  bytes(): Uint8Array {
    return concat(this.chunks, this.size);
  }
}

/**
 * Fetches the four gzip-compressed IDX assets the build step made (scripts/build-data.mjs),
 * decompresses them with the platform's DecompressionStream and parses them. Uses only web
 * platform APIs, so it runs in the page, in a worker and in Node 20.
 *
 * Each file is decompressed as a stream and its IDX header checked as soon as it arrives (magic,
 * type, MNIST dimensions, the manifest's raw size); decompression stops the moment the output
 * passes the size the header implies, so a corrupt or hostile asset costs little more than its claim.
 * Every error is an Error whose message starts with the file's name.
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
  const manifestUrl = `${baseUrl}/manifest.json`;
  let manifestResponse: Response;
  try {
    manifestResponse = await fetchFn(manifestUrl);
  } catch (error) {
    throw new Error(`manifest.json: could not download ${manifestUrl} (${messageOf(error)}).`, { cause: error });
  }
  if (!manifestResponse.ok) throw new Error(`manifest.json: MNIST assets missing at ${baseUrl} (HTTP ${manifestResponse.status}); run \`npm run data\`.`);
  let manifest: { files?: Record<string, MnistManifestEntry> };
  try {
    manifest = (await manifestResponse.json()) as typeof manifest;
  } catch (error) {
    throw new Error(`manifest.json: not valid JSON (${messageOf(error)}).`, { cause: error });
  }
  const keys = Object.keys(MNIST_FILES) as MnistFileKey[];
  const entry = (k: MnistFileKey): MnistManifestEntry | undefined => manifest?.files?.[MNIST_FILES[k]];
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
  // One failed file ends the load: the others stop downloading.
  const abort = new AbortController();

  const fetchOne = async (key: MnistFileKey, i: number): Promise<Uint8Array> => {
    const file = `${MNIST_FILES[key]}.gz`;
    let response: Response;
    try {
      response = await fetchFn(`${baseUrl}/${file}`, { signal: abort.signal });
    } catch (error) {
      throw new Error(`${file}: could not download (${messageOf(error)}).`, { cause: error });
    }
    if (!response.ok) throw new Error(`${file}: HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}; run \`npm run data\`.`);
    if (!response.body) throw new Error(`${file}: the server sent an empty body.`);
    const sizes = entry(key);
    const rawBytes = sizes?.rawBytes ?? sizes?.bytes;
    const body = response.body.getReader();
    let received = 0;
    /** The download's expected size, as the first byte says which kind of bytes arrive. */
    let expected: number | undefined;
    let downloadError = false;
    /** The body's next non-empty chunk, counted for the progress; null at its end. */
    const readBody = async (): Promise<Uint8Array | null> => {
      let r: ReadableStreamReadResult<Uint8Array>;
      try {
        do r = await body.read();
        while (!r.done && r.value.byteLength === 0);
      } catch (error) {
        downloadError = true;
        throw error;
      }
      if (r.done) {
        fileFraction[i] = 1;
        report();
        return null;
      }
      const chunk = r.value;
      // IDX starts with 0x00, gzip with 0x1f: the first byte tells which we are counting.
      if (received === 0) expected = chunk[0] === 0x1f ? sizes?.gzipBytes : rawBytes;
      received += chunk.byteLength;
      // Without a known size, creep towards (never reach) the end until the stream closes.
      fileFraction[i] = expected ? Math.min(1, received / expected) : Math.min(0.99, fileFraction[i] + 0.01);
      report();
      return chunk;
    };
    const downloaded = () => (expected !== undefined ? `${bytesText(received)} of ${bytesText(expected)} bytes` : `${bytesText(received)} bytes`);

    const collector = new IdxCollector(file, key.endsWith('Images') ? 'images' : 'labels', (header, claimed) => {
      if (rawBytes !== undefined && rawBytes !== claimed) {
        throw new IdxError(`${file}: IDX header says ${dimsText(header.dims)} (${bytesText(claimed)} bytes) but the manifest says ${bytesText(rawBytes)} bytes.`);
      }
    });
    let reader: ReadableStreamDefaultReader<Uint8Array> | null = null;
    let gzip = false;
    try {
      // A server may already have undone the gzip (Content-Encoding); only real gzip is inflated.
      const opened = await openMaybeGzip(
        new ReadableStream<Uint8Array>({ pull: async (controller) => {
          const chunk = await readBody();
          if (chunk) controller.enqueue(chunk);
          else controller.close();
        }, cancel: (reason) => body.cancel(reason) }, { highWaterMark: 0 }),
      );
      gzip = opened.gzip;
      reader = opened.stream.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        collector.push(value);
      }
    } catch (error) {
      // Stops the decompression and the download.
      await reader?.cancel(error).catch(() => undefined);
      if (!reader) await body.cancel(error).catch(() => undefined);
      if (error instanceof IdxError) throw error;
      if (downloadError) throw new Error(`${file}: the download broke off after ${downloaded()} (${messageOf(error)}).`, { cause: error });
      if (expected !== undefined && received < expected) throw new Error(`${file}: the download ended after ${downloaded()}.`, { cause: error });
      throw new Error(`${file}: ${gzip ? 'not a valid gzip file' : 'could not read it'} (${messageOf(error)}).`, { cause: error });
    }
    const { header, size, claimed } = collector;
    if (received === 0) throw new Error(`${file}: the server sent an empty file.`);
    if (size < claimed && expected !== undefined && received < expected) throw new Error(`${file}: the download ended after ${downloaded()}.`);
    // No header (too short): parseIdx words it.
    if (!header) parseIdx(collector.bytes(), file);
    if (size < claimed) throw new IdxError(`${file}: IDX header says ${dimsText(header!.dims)} (${bytesText(claimed)} bytes) but the file holds only ${bytesText(size)} bytes.`);
    return collector.bytes();
  };

  const [trainImages, trainLabels, testImages, testLabels] = await Promise.all(
    keys.map((key, i) =>
      fetchOne(key, i).catch((error: unknown) => {
        abort.abort();
        throw error;
      }),
    ),
  );
  report(true);
  return {
    train: imageSetFromIdx(trainImages, trainLabels, 'train'),
    test: imageSetFromIdx(testImages, testLabels, 'test'),
  };
}
