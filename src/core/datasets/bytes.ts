/**
 * Bytes in, as web streams: a user's file arrives as a File (a Blob) in the page and its worker, as
 * bytes or a stream in Node. Gzip is recognised by its magic number, not by the name, and inflated
 * with the platform's DecompressionStream (browsers, Node 20), in slices so that a hostile file
 * cannot inflate far past the limit before we see it. MNIST's own assets (data.ts) come through here too.
 */

/**
 * Input is handed to the decompressor in slices of at most this many bytes: a browser's
 * DecompressionStream inflates a whole written chunk at once, and deflate inflates up to ~1000x,
 * so a 256 KB network chunk of a gzip bomb could become 256 MB before we see any of it; a slice
 * inflates to 16 MB at most. Each slice is one more write through the stream, so smaller ones cost
 * load time (16 KB: about +0.1 s on the full set in Node, 4 KB: about +0.4 s).
 */
export const INFLATE_SLICE_BYTES = 16 * 1024;

/** What a loader accepts: bytes, a Blob or File, or a stream of bytes. */
export type ByteSource = Uint8Array | Blob | ReadableStream<Uint8Array>;

/** A file by name (what error messages say) and its bytes. */
export interface NamedSource {
  name: string;
  source: ByteSource;
}

export const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));
export const bytesText = (n: number): string => n.toLocaleString('en-US');

export function streamOf(source: ByteSource): ReadableStream<Uint8Array> {
  if (source instanceof Uint8Array) {
    return new ReadableStream<Uint8Array>({
      start(controller) {
        if (source.length > 0) controller.enqueue(source);
        controller.close();
      },
    });
  }
  if (typeof Blob !== 'undefined' && source instanceof Blob) return source.stream() as ReadableStream<Uint8Array>;
  return source as ReadableStream<Uint8Array>;
}

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

export interface OpenedStream {
  /** The file's bytes, inflated when it was gzip. */
  stream: ReadableStream<Uint8Array>;
  gzip: boolean;
}

/**
 * Opens a source, inflating it when its first two bytes are gzip's magic (1f 8b). Errors of the
 * inflation (a corrupt or truncated .gz) surface while the stream is read; wrapInflateError words them.
 */
export async function openMaybeGzip(source: ByteSource): Promise<OpenedStream> {
  const reader = streamOf(source).getReader();
  let first: Uint8Array | null = null;
  // The first non-empty chunk decides; a gzip header split over one-byte chunks is not a real case.
  for (;;) {
    const r = await reader.read();
    if (r.done) break;
    if (r.value.length > 0) {
      first = r.value;
      break;
    }
  }
  const gzip = first !== null && isGzip(first);
  let pending: Uint8Array | null = first;
  const raw = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        let chunk = pending;
        pending = null;
        if (!chunk) {
          const r = await reader.read();
          if (r.done) return controller.close();
          chunk = r.value;
        }
        if (!gzip) return controller.enqueue(chunk);
        for (let offset = 0; offset < chunk.length; offset += INFLATE_SLICE_BYTES) controller.enqueue(chunk.subarray(offset, offset + INFLATE_SLICE_BYTES));
      },
      cancel: (reason) => reader.cancel(reason),
    },
    { highWaterMark: 0 },
  );
  if (!gzip) return { stream: raw, gzip };
  // The DOM types take BufferSource in; our slices are Uint8Array views, which it accepts.
  const gunzip = new DecompressionStream('gzip') as unknown as ReadableWritablePair<Uint8Array, Uint8Array>;
  return { stream: raw.pipeThrough(gunzip), gzip };
}

/** An Error whose message starts with the file's name. */
export function fileError(name: string, what: string, cause?: unknown): Error {
  return new Error(`${name}: ${what}`, cause === undefined ? undefined : { cause });
}

/**
 * Reads a whole stream into one array, stopping with an error (and cancelling the source) as soon
 * as it passes `maxBytes`. `what` words the limit ("a CIFAR-10 batch holds 30,730,000 bytes").
 */
export async function readAll(stream: ReadableStream<Uint8Array>, name: string, maxBytes: number, what: string, gzip = false): Promise<Uint8Array> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.length;
      if (size > maxBytes) throw fileError(name, `more than ${bytesText(maxBytes)} bytes (${what}).`);
      chunks.push(value);
    }
  } catch (error) {
    await reader.cancel(error).catch(() => undefined);
    if (error instanceof Error && error.message.startsWith(`${name}: `)) throw error;
    throw fileError(name, `${gzip ? 'not a valid gzip file' : 'could not be read'} (${messageOf(error)}).`, error);
  }
  return concat(chunks, size);
}

/** The first `size` bytes of `chunks`, as one array (the chunks themselves when there is one of that size). */
export function concat(chunks: readonly Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1 && chunks[0].length === size) return chunks[0];
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    if (offset >= size) break;
    const part = chunk.subarray(0, size - offset);
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** The last part of a path (tar members and Node paths alike). */
export function baseName(path: string): string {
  const parts = path.split(/[\\/]/);
  return parts[parts.length - 1] ?? path;
}
