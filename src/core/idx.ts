/**
 * IDX files (LeCun's MNIST format): 2 zero bytes, a type code, the number of dimensions,
 * then one big-endian u32 per dimension, then the data. We accept unsigned bytes only, which is
 * what MNIST and Fashion-MNIST use, and check every length so a truncated download is caught.
 */

export class IdxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IdxError';
  }
}

export interface IdxTensor {
  dims: number[];
  data: Uint8Array;
}

const TYPE_UBYTE = 0x08;
const TYPE_NAMES: Record<number, string> = {
  0x08: 'unsigned byte',
  0x09: 'signed byte',
  0x0b: 'short',
  0x0c: 'int',
  0x0d: 'float',
  0x0e: 'double',
};

export interface IdxHeader {
  dims: number[];
  /** 4 + 4 x rank. */
  headerBytes: number;
  /** The product of the dimensions: one byte an element. */
  dataBytes: number;
}

/**
 * Reads and checks an IDX header (magic, type, rank, dimensions) from the first bytes of a file.
 * Throws IdxError on the first bad field it can see; returns null while `bytes` is too short to hold
 * the whole header, so that a stream can check a header as soon as its bytes arrive.
 */
export function readIdxHeader(bytes: Uint8Array, name = 'IDX file'): IdxHeader | null {
  if (bytes.length >= 2 && (bytes[0] !== 0 || bytes[1] !== 0)) {
    const gz = bytes[0] === 0x1f && bytes[1] === 0x8b;
    throw new IdxError(`${name}: bad magic number (first two bytes must be 0)${gz ? '; this looks gzip-compressed, decompress it first' : ''}.`);
  }
  if (bytes.length >= 3 && bytes[2] !== TYPE_UBYTE) {
    const type = bytes[2];
    const known = TYPE_NAMES[type];
    throw new IdxError(`${name}: data type 0x${type.toString(16).padStart(2, '0')}${known ? ` (${known})` : ''} is not supported; only unsigned bytes (0x08).`);
  }
  if (bytes.length < 4) return null;
  const rank = bytes[3];
  if (rank < 1 || rank > 4) throw new IdxError(`${name}: ${rank} dimensions; expected 1 to 4.`);
  const headerBytes = 4 + 4 * rank;
  if (bytes.length < headerBytes) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  let dataBytes = 1;
  for (let i = 0; i < rank; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    dims.push(d);
    dataBytes *= d;
  }
  return { dims, headerBytes, dataBytes };
}

/** The longest IDX header (rank 4). */
export const MAX_IDX_HEADER_BYTES = 4 + 4 * 4;

export function parseIdx(bytes: Uint8Array, name = 'IDX file'): IdxTensor {
  if (bytes.length < 4) throw new IdxError(`${name}: ${bytes.length} bytes is too short for an IDX header (needs at least 4).`);
  const header = readIdxHeader(bytes, name);
  if (!header) throw new IdxError(`${name}: truncated header (${bytes.length} of ${4 + 4 * bytes[3]} bytes).`);
  const { dims, headerBytes: headerLength, dataBytes: count } = header;
  const actual = bytes.length - headerLength;
  if (actual < count) {
    throw new IdxError(`${name}: truncated data: header says ${dims.join('x')} = ${count} bytes, file has ${actual}.`);
  }
  if (actual > count) {
    throw new IdxError(`${name}: ${actual - count} unexpected bytes after the ${dims.join('x')} data.`);
  }
  return { dims, data: bytes.subarray(headerLength, headerLength + count) };
}

/** Builds an IDX file (used by tests and by anyone exporting a subset). */
export function encodeIdx(dims: number[], data: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  const view = new DataView(out.buffer);
  out[2] = TYPE_UBYTE;
  out[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(data, 4 + 4 * dims.length);
  return out;
}
