/**
 * CIFAR-10's binary version: each record is 1 label byte (0-9) and 3,072 pixel bytes, the red,
 * green and blue 32x32 planes in turn (CHW); data_batch_1..5.bin hold 10,000 records each (the
 * 50,000 training images), test_batch.bin the 10,000 test images, batches.meta.txt the class names.
 * Taken as the .tar.gz as downloaded (cifar-10-batches-bin/...), a plain .tar, or the loose files.
 *
 * The tar is read by modern-tar (zero dependencies, web streams only, so the same code runs in the
 * page's worker and in Node); gzip by the platform's DecompressionStream.
 */
import { createTarDecoder } from 'modern-tar';
import type { ImageSet } from '../data';
import { NUM_CLASSES } from '../models';
import { baseName, bytesText, fileError, isGzip, messageOf, openMaybeGzip, readAll, type ByteSource, type NamedSource } from './bytes';
import { CIFAR10_SHAPE, DATASETS, pixelsPerImage } from './kinds';
import type { LoadedDataset } from './loaded';

export const CIFAR_PIXELS = pixelsPerImage(CIFAR10_SHAPE);
/** One record: the label byte and the image. */
export const CIFAR_RECORD_BYTES = 1 + CIFAR_PIXELS;
export const CIFAR_BATCH_RECORDS = 10_000;
export const CIFAR_TRAIN_BATCHES = ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin'] as const;
export const CIFAR_TEST_BATCH = 'test_batch.bin';
export const CIFAR_META = 'batches.meta.txt';
const KNOWN = new Set<string>([...CIFAR_TRAIN_BATCHES, CIFAR_TEST_BATCH, CIFAR_META]);
/** A batch file larger than a full one is refused before it is read further. */
const MAX_BATCH_BYTES = CIFAR_BATCH_RECORDS * CIFAR_RECORD_BYTES;
const MAX_META_BYTES = 4096;

/**
 * Parses one batch file's records into an image set, HWC (channels last, as TF.js's conv2d takes
 * them). Throws an Error naming the file on a partial record or a label outside 0-9.
 */
export function parseCifarBatch(bytes: Uint8Array, name: string): ImageSet {
  if (bytes.length === 0) throw fileError(name, 'empty; a CIFAR-10 batch holds 3,073-byte records.');
  if (bytes.length % CIFAR_RECORD_BYTES !== 0) {
    const whole = Math.floor(bytes.length / CIFAR_RECORD_BYTES);
    // CIFAR-100's binary records carry a coarse and a fine label: 3,074 bytes.
    const hint = bytes.length % (CIFAR_RECORD_BYTES + 1) === 0 ? ' Records of 3,074 bytes are CIFAR-100, not CIFAR-10.' : ' The file is truncated or not a CIFAR-10 binary batch.';
    throw fileError(
      name,
      `${bytesText(bytes.length)} bytes is not a whole number of ${bytesText(CIFAR_RECORD_BYTES)}-byte records (label + 32x32x3 pixels): ${bytesText(whole)} records and ${bytesText(bytes.length - whole * CIFAR_RECORD_BYTES)} bytes over.${hint}`,
    );
  }
  const count = bytes.length / CIFAR_RECORD_BYTES;
  const images = new Uint8Array(count * CIFAR_PIXELS);
  const labels = new Uint8Array(count);
  const plane = CIFAR10_SHAPE.height * CIFAR10_SHAPE.width;
  for (let r = 0; r < count; r++) {
    const at = r * CIFAR_RECORD_BYTES;
    const label = bytes[at];
    if (label >= NUM_CLASSES) throw fileError(name, `record ${bytesText(r)} (byte ${bytesText(at)}) has label ${label}; CIFAR-10 labels are 0-9.`);
    labels[r] = label;
    const src = at + 1;
    const dst = r * CIFAR_PIXELS;
    // CHW (three planes) -> HWC (r, g, b per pixel).
    for (let p = 0; p < plane; p++) {
      images[dst + 3 * p] = bytes[src + p];
      images[dst + 3 * p + 1] = bytes[src + plane + p];
      images[dst + 3 * p + 2] = bytes[src + 2 * plane + p];
    }
  }
  return { images, labels, count, shape: CIFAR10_SHAPE };
}

/** Class names from batches.meta.txt: ten non-empty lines. */
export function parseCifarMeta(bytes: Uint8Array, name: string): string[] {
  const names = new TextDecoder().decode(bytes).split(/\r?\n/).map((line) => line.trim()).filter((line) => line !== '');
  if (names.length !== NUM_CLASSES) throw fileError(name, `${names.length} class names; CIFAR-10 has ${NUM_CLASSES}, one a line.`);
  return names;
}

/** A CIFAR-10 member as it arrives: its file name (for messages) and bytes. */
interface Member {
  name: string;
  bytes: Uint8Array;
}

/**
 * Reads a tar archive (gzip or not) and returns its CIFAR-10 members (by base name; anything else,
 * such as readme.html or directories, is skipped without being kept). A member larger than a full
 * batch, a truncated archive and a duplicate member are errors naming the archive and the member.
 */
export async function readCifarTar(archive: NamedSource): Promise<Map<string, Member>> {
  const { stream, gzip } = await openMaybeGzip(archive.source);
  const members = new Map<string, Member>();
  const decoder = createTarDecoder({ strict: true });
  // Fed by hand, not pipeThrough: through a pipe, a tar cut inside a member left that member's body
  // waiting for bytes forever (the pipe held back the close that tells the decoder it is truncated).
  const feeding = feed(stream, decoder.writable);
  const reader = decoder.readable.getReader();
  let entries = 0;
  try {
    for (;;) {
      const { done, value: entry } = await reader.read();
      if (done) break;
      entries++;
      const base = baseName(entry.header.name);
      const type = entry.header.type ?? 'file';
      if (type !== 'file' || !KNOWN.has(base)) {
        // Drained, not cancelled: modern-tar 0.8.6 stalls the next member's body after a cancel()
        // when the archive arrives in several chunks (as every Blob and gzip stream does).
        const drain = entry.body.getReader();
        while (!(await drain.read()).done);
        continue;
      }
      const label = `${archive.name}: ${entry.header.name}`;
      if (members.has(base)) throw fileError(label, `a second ${base} in the archive.`);
      const limit = base === CIFAR_META ? MAX_META_BYTES : MAX_BATCH_BYTES;
      if (entry.header.size > limit) {
        throw fileError(label, `${bytesText(entry.header.size)} bytes; a CIFAR-10 ${base === CIFAR_META ? 'meta file holds a few lines' : `batch holds at most ${bytesText(MAX_BATCH_BYTES)}`}.`);
      }
      const bytes = await readAll(entry.body, label, limit, 'a CIFAR-10 member', gzip);
      if (bytes.length !== entry.header.size) {
        throw fileError(label, `the archive ends inside this member (${bytesText(bytes.length)} of ${bytesText(entry.header.size)} bytes).`);
      }
      members.set(base, { name: label, bytes });
    }
  } catch (error) {
    await reader.cancel(error).catch(() => undefined);
    await stream.cancel(error).catch(() => undefined);
    if (error instanceof Error && error.message.startsWith(`${archive.name}: `)) throw error;
    throw fileError(archive.name, `${gzip ? 'not a valid .tar.gz' : 'not a valid tar archive'} (${messageOf(error)}).`, error);
  }
  await feeding;
  if (entries === 0) throw fileError(archive.name, `no files in it; expected CIFAR-10's binary version (cifar-10-binary.tar.gz).`);
  return members;
}

/** Writes a stream into a writable, closing it at the end (or aborting it on a read error). */
async function feed(stream: ReadableStream<Uint8Array>, writable: WritableStream<Uint8Array>): Promise<void> {
  const writer = writable.getWriter();
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      await writer.ready;
      // Not awaited: a write resolves only once the decoder has passed the bytes on; `ready` is the backpressure.
      writer.write(value).catch(() => undefined);
    }
    await writer.close();
  } catch (error) {
    await writer.abort(error).catch(() => undefined);
  }
}

function concatSets(sets: readonly ImageSet[]): ImageSet {
  const count = sets.reduce((n, s) => n + s.count, 0);
  const images = new Uint8Array(count * CIFAR_PIXELS);
  const labels = new Uint8Array(count);
  let at = 0;
  for (const s of sets) {
    images.set(s.images, at * CIFAR_PIXELS);
    labels.set(s.labels, at);
    at += s.count;
  }
  return { images, labels, count, shape: CIFAR10_SHAPE };
}

/** True when the bytes look like a tar (ustar magic at 257) or gzip (an archive to open). */
async function isArchive(file: NamedSource): Promise<boolean> {
  if (/\.(tar|tgz|tar\.gz)$/i.test(file.name)) return true;
  if (/\.(bin|txt)(\.gz)?$/i.test(file.name)) return false;
  const head = await firstBytes(file.source, 512);
  return isGzip(head) || new TextDecoder().decode(head.subarray(257, 262)) === 'ustar';
}

async function firstBytes(source: ByteSource, n: number): Promise<Uint8Array> {
  if (source instanceof Uint8Array) return source.subarray(0, n);
  if (typeof Blob !== 'undefined' && source instanceof Blob) return new Uint8Array(await source.slice(0, n).arrayBuffer());
  // A one-shot stream cannot be peeked without being consumed: go by the name alone.
  return new Uint8Array(0);
}

/**
 * Loads CIFAR-10 from the archive as downloaded (.tar.gz or .tar) or from its loose files
 * (data_batch_1..5.bin, test_batch.bin, optionally batches.meta.txt), gzip-compressed or not.
 * Needs test_batch.bin and at least one training batch; fewer than five, or batches of fewer than
 * 10,000 records, are loaded and said in `notes`. Nothing is returned unless every file is valid.
 */
export async function loadCifar10(files: readonly NamedSource[]): Promise<LoadedDataset> {
  if (files.length === 0) throw new Error('CIFAR-10: no files given; expected cifar-10-binary.tar.gz or data_batch_1..5.bin and test_batch.bin.');
  const members = new Map<string, Member>();
  const add = (base: string, member: Member) => {
    const other = members.get(base);
    if (other) throw fileError(member.name, `${other.name} is also ${base}; give each file once.`);
    members.set(base, member);
  };
  for (const file of files) {
    if (await isArchive(file)) {
      for (const [base, member] of await readCifarTar(file)) add(base, member);
      continue;
    }
    const base = baseName(file.name).replace(/\.gz$/i, '');
    if (!KNOWN.has(base)) throw fileError(file.name, `not a CIFAR-10 file; expected cifar-10-binary.tar.gz, ${CIFAR_TRAIN_BATCHES[0]}..5.bin, ${CIFAR_TEST_BATCH} or ${CIFAR_META}.`);
    const { stream, gzip } = await openMaybeGzip(file.source);
    const limit = base === CIFAR_META ? MAX_META_BYTES : MAX_BATCH_BYTES;
    add(base, { name: file.name, bytes: await readAll(stream, file.name, limit, base === CIFAR_META ? 'a meta file of ten lines' : `a full CIFAR-10 batch is ${bytesText(MAX_BATCH_BYTES)} bytes`, gzip) });
  }
  const test = members.get(CIFAR_TEST_BATCH);
  const trainFiles = CIFAR_TRAIN_BATCHES.filter((b) => members.has(b));
  const found = [...members.keys()].join(', ') || 'none';
  if (!test) throw new Error(`CIFAR-10: ${CIFAR_TEST_BATCH} is missing (found: ${found}).`);
  if (trainFiles.length === 0) throw new Error(`CIFAR-10: no training batch (data_batch_1..5.bin) (found: ${found}).`);

  const notes: string[] = [];
  const batches = trainFiles.map((b) => parseCifarBatch(members.get(b)!.bytes, members.get(b)!.name));
  const testSet = parseCifarBatch(test.bytes, test.name);
  const meta = members.get(CIFAR_META);
  const classNames = meta ? parseCifarMeta(meta.bytes, meta.name) : [...DATASETS.cifar10.classNames];
  // The raw batches can go before the training set is joined (peak memory).
  members.clear();
  const train = concatSets(batches);
  const info = DATASETS.cifar10;
  notes.push(`CIFAR-10: ${bytesText(train.count)} training images (${trainFiles.join(', ')}) and ${bytesText(testSet.count)} test images, 32x32x3.`);
  if (trainFiles.length < CIFAR_TRAIN_BATCHES.length) notes.push(`Subset: ${trainFiles.length} of the 5 training batches.`);
  if (train.count !== info.trainCount) notes.push(`Subset: ${bytesText(train.count)} of the ${bytesText(info.trainCount)} training images.`);
  if (testSet.count !== info.testCount) notes.push(`Subset: ${bytesText(testSet.count)} of the ${bytesText(info.testCount)} test images.`);
  return { data: 'cifar10', train, test: testSet, shape: CIFAR10_SHAPE, classNames, notes };
}
