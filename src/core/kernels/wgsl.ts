/**
 * WGSL source for the quantized dense kernels, one shader per layer (sizes, format and output
 * stage are baked in as constants so loops have fixed trip counts; the batch size is not).
 *
 * Two kernels:
 *
 * - Tiled (LightNN, fixed point, BinaryConnect). A workgroup of workgroup.x threads (the runner
 *   uses y = 1) computes R = rowsPerThread batch rows for workgroup.x * T units, T =
 *   outputsPerThread; a thread's T units are strided by workgroup.x, so neighbouring invocations
 *   read neighbouring weight words. Inputs go in tiles of KC = tileInputs: the workgroup copies
 *   the R x KC activations of a tile into workgroup memory (one load per element for the whole
 *   workgroup), then every thread reads them back with compile-time indices (the tile loop is
 *   unrolled), decodes each weight word once and uses it for all R rows.
 * - Direct (BinaryNet): each thread loads its rows' sign words itself, XORs them with the weight
 *   words of its T units and popcounts, R rows per thread.
 *
 * Why this shape (SwiftShader, the CPU Vulkan behind headless Chromium and Node's Dawn, JITs with
 * Subzero): every SIMD op is a few x86 instructions with spills, a load with a run-time index is a
 * masked 4-lane gather (~40 instructions) while a compile-time index into workgroup memory is one
 * scalar load and a broadcast, and Subzero has no per-lane variable shift: every WGSL shift, even
 * by a constant, becomes four scalar shifts with extracts and inserts (~20 instructions). Integer
 * multiplies are single instructions. So the decode is done once per weight per thread and shared
 * by R rows (and for LightNN built from adds: exponentLayoutWords), loads are shared through the
 * tile, and the per-row work is kept to a few adds. Subzero's compile time and memory also grow
 * fast with the size of the unrolled body and with branches in it, so the tile copy has none and
 * the runner keeps R * KC moderate (a 784x100 kernel compiles in ~0.1-0.6 s, the old one in 20 ms).
 *
 * LightNN terms (lightnnTerms):
 * - 'exponent' (default): x * s * 2^(7 - m_j) is computed on the f32 bit pattern of x by adding
 *   (7 - m_j) << 23 to its exponent field and s << 31 to its sign bit: an integer add per term and
 *   row, no multiply and no per-lane shift. The terms of one tile are summed in f32 and converted
 *   back to i32 once per tile. This is exact: every term is an integer below 2^15 in magnitude
 *   (x < 2^8, 2^(7 - m) <= 2^7) and the partial sums between two conversions stay below 2^24
 *   (maxTileInputs), where f32 holds every integer exactly. x = 0 gives a tiny non-zero f32
 *   (2^(e - 127)) that vanishes when added to any non-zero integer and truncates to 0 otherwise.
 *   No multiply is involved, but the adds are f32 adds: the integer result is what is exact.
 * - 'shift': integer shifts, (s * x) << (7 - m_j), with the sign applied as x ^ -1 = -x - 1 and
 *   the resulting -|w| per negative weight added back into the bias on the CPU (denseBiasWords).
 *   About 3x slower on SwiftShader (scalarized shifts); kept as the literal shift-and-add form.
 * BinaryConnect uses the same XOR negation (+1 per negative weight folded into the bias).
 *
 * Bindings (group 0): 0 weights (u32, from denseWeightWords: the packed words of reference.ts,
 * re-laid out for LightNN's exponent form and padded to whole tiles), 1 bias (i32, from
 * denseBiasWords), 2 input activations (u32), 3 result (i32 logits, u32 activations, or
 * atomic<u32> sign bits). No uniform buffer: the batch size is arrayLength(result) / words per
 * output row, so the runner must bind `result` with exactly batch rows (src/gpu/kernels.ts does).
 *
 * The integer semantics are those of reference.ts; the shader must match it bit for bit.
 */
import { pushAll } from '../arrays';
import {
  fieldBits,
  formatName,
  inputWordsPerRow,
  outputWordsPerRow,
  weightValues,
  weightsPerWord,
  type OutputStage,
  type QuantDenseLayer,
  type WeightFormat,
} from './reference';

export type OutputsPerThread = 1 | 4;

/** What a shader depends on: shapes, format and output stage, not the weight values. */
export type DenseShaderSpec = Pick<QuantDenseLayer, 'name' | 'inputs' | 'units' | 'format' | 'output'>;

export interface WorkgroupShape {
  /** Invocations along output-unit groups. */
  x: number;
  /** Invocations along batch rows. */
  y: number;
}

/** How LightNN terms are formed: see the notes at the top of this file. */
export type LightNNTerms = 'exponent' | 'shift';

export interface DenseShaderOptions {
  outputsPerThread: OutputsPerThread;
  workgroup: WorkgroupShape;
  /** Batch rows per thread (default 1); a workgroup covers workgroup.y * rowsPerThread rows. */
  rowsPerThread?: number;
  /** Tiled kernels: inputs per workgroup-memory tile (default defaultTileInputs). */
  tileInputs?: number;
  /** LightNN terms (default 'exponent'). */
  lightnnTerms?: LightNNTerms;
  /**
   * Tiled kernels only: run a convolution (valid, stride 1) as this dense layer over its windows
   * ("implicit im2col"): rows are the batch's output pixels, row = (b * OH + oy) * OW + ox, and a
   * row's inputs are its K x K x C window, read from the NHWC image where the tile is filled. The
   * layer's inputs must be K * K * C, its weights in [kh][kw][c] order (convAsDense).
   */
  windows?: ConvWindows;
}

/** The image and kernel of a convolution run by the tiled dense kernel (DenseShaderOptions.windows). */
export interface ConvWindows {
  inHeight: number;
  inWidth: number;
  inChannels: number;
  kernel: number;
}

export interface WorkgroupLimits {
  maxComputeInvocationsPerWorkgroup: number;
  maxComputeWorkgroupSizeX: number;
  maxComputeWorkgroupSizeY: number;
  maxComputeWorkgroupsPerDimension: number;
}

/** WebGPU's guaranteed minimums: safe on any adapter (SwiftShader allows 256 invocations). */
export const DEFAULT_WORKGROUP_LIMITS: WorkgroupLimits = {
  maxComputeInvocationsPerWorkgroup: 256,
  maxComputeWorkgroupSizeX: 256,
  maxComputeWorkgroupSizeY: 256,
  maxComputeWorkgroupsPerDimension: 65535,
};

function nextPowerOfTwo(n: number): number {
  return 2 ** Math.ceil(Math.log2(Math.max(1, n)));
}

/** Output-unit groups per batch row. */
export function groupsPerRow(units: number, outputsPerThread: OutputsPerThread): number {
  return Math.ceil(units / outputsPerThread);
}

/** Picks a workgroup of at most `invocations` threads (default 64) for a layer of `units` outputs. */
export type WorkgroupChooser = (
  units: number,
  outputsPerThread: OutputsPerThread,
  invocations?: number,
  limits?: WorkgroupLimits,
) => WorkgroupShape;

/**
 * Workgroup of `invocations` threads (a power of two): as wide along the units as the layer needs,
 * the rest along batch rows, so a 10-unit layer does not leave most of a 64-wide group idle.
 */
export const chooseWorkgroupShape: WorkgroupChooser = (units, outputsPerThread, invocations = 64, limits = DEFAULT_WORKGROUP_LIMITS) => {
  const total = Math.min(invocations, limits.maxComputeInvocationsPerWorkgroup);
  if (!(total >= 1 && Number.isInteger(Math.log2(total)))) {
    throw new Error(`workgroup invocations must be a power of two, got ${total}`);
  }
  const x = Math.min(nextPowerOfTwo(groupsPerRow(units, outputsPerThread)), total, limits.maxComputeWorkgroupSizeX);
  const y = Math.min(total / x, limits.maxComputeWorkgroupSizeY);
  return { x, y };
};

/**
 * Workgroup counts covering `batch` rows: x over unit groups, blocks of workgroup.y *
 * rowsPerThread rows over y and, when y would pass the per-dimension limit, z (the shader rebuilds
 * the block as z * numY + y).
 */
export function denseDispatch(
  spec: Pick<DenseShaderSpec, 'units'>,
  batch: number,
  options: DenseShaderOptions,
  maxPerDimension = DEFAULT_WORKGROUP_LIMITS.maxComputeWorkgroupsPerDimension,
): [number, number, number] {
  if (!(Number.isInteger(batch) && batch >= 1)) throw new Error(`batch must be a positive integer, got ${batch}`);
  const x = Math.ceil(groupsPerRow(spec.units, options.outputsPerThread) / options.workgroup.x);
  const rowBlocks = Math.ceil(batch / (options.workgroup.y * rowsPerThread(options)));
  const y = Math.min(rowBlocks, maxPerDimension);
  const z = Math.ceil(rowBlocks / y);
  if (x > maxPerDimension || z > maxPerDimension) {
    throw new Error(`dense layer of ${spec.units} units x batch ${batch} needs more workgroups than the device allows`);
  }
  return [x, y, z];
}

// ---------------------------------------------------------------------------------------------

/** A WGSL u32 literal. */
export const u = (n: number): string => `${n >>> 0}u`;

/** Scalar or vec4 type names, so one generator writes both the T = 1 and the T = 4 kernels. */
export interface Types {
  /** Words / unsigned lanes: u32 or vec4<u32>. */
  W: string;
  /** Accumulators: i32 or vec4<i32>. */
  A: string;
}

export function typesFor(outputsPerThread: OutputsPerThread): Types {
  return outputsPerThread === 1 ? { W: 'u32', A: 'i32' } : { W: 'vec4<u32>', A: 'vec4<i32>' };
}

/**
 * WGSL helper `term(x, field)`: x times one weight per lane, the weight in the low bits of `field`.
 * Shared by the dense and the convolution kernels (a conv is a dense layer over its windows).
 */
export function termFunction(spec: { format: WeightFormat }, { W, A }: Types): string {
  const format = spec.format;
  switch (format.kind) {
    case 'lightnn': {
      const shifts: string[] = [];
      for (let j = 0; j < format.k; j++) {
        const exponent = `(field >> ${W}(${u(1 + 3 * j)})) & ${W}(7u)`;
        shifts.push(`(signed << (${W}(7u) - (${exponent})))`);
      }
      return `// ${formatName(format)}: x * s * sum_j 2^-m_j in units of 2^-7 = sum_j ((s * x) << (7 - m_j)).
// Field: bit 0 sign (1 = negative), bits 1+3j..3+3j the exponent m_j. No multiply: the sign
// picks x or -x (one negation per activation, shared by all lanes), then shifts and adds.
fn term(x : u32, field : ${W}) -> ${A} {
  let xi = i32(x);
  let signed = select(${A}(xi), ${A}(-xi), (field & ${W}(1u)) != ${W}(0u));
  return ${shifts.join('\n       + ')};
}`;
    }
    case 'fixed': {
      const width = fieldBits(format);
      return `// ${formatName(format)}: integer multiply by q, a ${width}-bit two's complement field that the caller
// has shifted to the top of the word; the arithmetic right shift sign-extends it.
fn term(x : u32, fieldAtTop : ${W}) -> ${A} {
  let q = bitcast<${A}>(fieldAtTop) >> ${W}(${u(32 - width)});
  return ${A}(i32(x)) * q;
}`;
    }
    case 'binaryconnect':
      return `// BinaryConnect: bit 1 = +1, bit 0 = -1, so add or subtract x.
fn term(x : u32, field : ${W}) -> ${A} {
  let xs = ${A}(i32(x));
  return select(-xs, xs, (field & ${W}(1u)) != ${W}(0u));
}`;
    case 'binarynet':
      return '';
  }
}

/** Expression putting field f of `words` where term() expects it. */
export function fieldExpression(spec: { format: WeightFormat }, W: string, f: number): string {
  const width = fieldBits(spec.format);
  if (spec.format.kind === 'fixed') {
    const lshift = 32 - width * (f + 1);
    return lshift === 0 ? 'words' : `words << ${W}(${u(lshift)})`;
  }
  return f === 0 ? 'words' : `words >> ${W}(${u(f * width)})`;
}

/** `acc += term(act[index + f], field f)` for the first `count` fields of `words`. */
export function fieldStatements(spec: { format: WeightFormat }, W: string, count: number, indent: string, index = 'a'): string {
  const lines: string[] = [];
  for (let f = 0; f < count; f++) {
    lines.push(`${indent}acc += term(act[${index} + ${u(f)}], ${fieldExpression(spec, W, f)});`);
  }
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Dense kernel choices

/** Rows per thread of these options (default 1). */
export function rowsPerThread(options: Pick<DenseShaderOptions, 'rowsPerThread'>): number {
  return options.rowsPerThread ?? 1;
}

/** LightNN term form of these options (default 'exponent'). */
export function lightnnTerms(options: Pick<DenseShaderOptions, 'lightnnTerms'>): LightNNTerms {
  return options.lightnnTerms ?? 'exponent';
}

/** BinaryNet uses the direct kernel; every other format the tiled one. */
export function usesTiles(format: WeightFormat): boolean {
  return format.kind !== 'binarynet';
}

/**
 * Largest tile for the exponent form of LightNN-K: a tile's f32 partial sums must stay exact,
 * KC * K * 255 * 2^7 <= 2^24 (8-bit activations at most, 2^7 the largest power in a term).
 * Infinity where no f32 is involved.
 */
export function maxTileInputs(format: WeightFormat, terms: LightNNTerms = 'exponent'): number {
  if (format.kind !== 'lightnn' || terms !== 'exponent') return Infinity;
  const perWord = weightsPerWord(format);
  return Math.floor(2 ** 24 / (format.k * 255 * 128) / perWord) * perWord;
}

/**
 * Inputs per tile: 32, or 16 for LightNN-3/4 (three or four terms per weight). Tiles are
 * unrolled, so this trades code size (and SwiftShader compile time) for fewer barriers; on
 * SwiftShader 784x100 batch 256, 32 beat 16 by 10-25% for LightNN-1/2 and lost by 15% for LightNN-3.
 */
export function defaultTileInputs(format: WeightFormat): number {
  return Math.max(format.kind === 'lightnn' && format.k >= 3 ? 16 : 32, weightsPerWord(format));
}

/**
 * Workgroup of the tiled kernel: one row of threads (y = 1, so tile reads have compile-time
 * indices), wide enough for the layer's unit groups rounded up to a multiple of 4 (SwiftShader
 * runs 4 invocations per SIMD group), at most `invocations` and the device's x limit.
 */
export const chooseTiledWorkgroup: WorkgroupChooser = (units, outputsPerThread, invocations = 64, limits = DEFAULT_WORKGROUP_LIMITS) => {
  const cap = Math.min(invocations, limits.maxComputeInvocationsPerWorkgroup, limits.maxComputeWorkgroupSizeX);
  if (!(Number.isInteger(cap) && cap >= 1)) throw new Error(`workgroup invocations must be a positive integer, got ${cap}`);
  const groups = groupsPerRow(units, outputsPerThread);
  return { x: Math.min(cap, 4 * Math.ceil(groups / 4)), y: 1 };
};

/**
 * Bias words the dense kernel expects (binding 1). Where a kernel negates with an XOR
 * (x ^ -1 = -x - 1: BinaryConnect, and LightNN in the 'shift' form) instead of a select or a
 * subtraction per batch row, every negative weight leaves an extra -|w| in the sum (LightNN:
 * -sum_j 2^(7 - m_j); BinaryConnect: -1); that constant per unit is added back here, once, on the
 * CPU. Other formats use the bias as is.
 */
export function denseBiasWords(
  layer: Pick<QuantDenseLayer, 'format' | 'inputs' | 'units' | 'weights' | 'bias'>,
  options: Pick<DenseShaderOptions, 'lightnnTerms'> = {},
): Int32Array {
  const { format, inputs, units } = layer;
  const xor = format.kind === 'binaryconnect' || (format.kind === 'lightnn' && lightnnTerms(options) === 'shift');
  if (!xor) return layer.bias;
  const bias = Int32Array.from(layer.bias);
  if (format.kind === 'binaryconnect') {
    // +1 per 0 bit (weight -1) among the inputs of each unit's column of words.
    for (let r = 0; r * 32 < inputs; r++) {
      const valid = Math.min(32, inputs - r * 32);
      const mask = valid === 32 ? 0xffffffff : 2 ** valid - 1;
      for (let o = 0; o < units; o++) {
        let ones = (layer.weights[r * units + o] & mask) >>> 0;
        let count = 0;
        while (ones) {
          ones &= ones - 1;
          count++;
        }
        bias[o] = (bias[o] + valid - count) | 0;
      }
    }
    return bias;
  }
  const values = weightValues(layer);
  for (let i = 0; i < inputs; i++) {
    for (let o = 0; o < units; o++) {
      const w = values[i * units + o];
      if (w < 0) bias[o] = (bias[o] - w) | 0;
    }
  }
  return bias;
}

/**
 * LightNN bit layout of the exponent form, inside each packed word (same words, same P weights
 * per word): term j of field f (group g = f * K + j) holds 7 - m_j at bits 21 - 3g .. 23 - 3g, and
 * the sign of field f is bit 31 - f. The kernel then needs only left shifts by 2 + 3g and f to
 * bring them to bits 23..25 and 31, and makes those by doubling the word (w + w), since SwiftShader
 * has no cheap per-lane shift. (Padding fields past the last input, never read, come out as m = 0.)
 */
export function exponentLayoutWords(layer: Pick<QuantDenseLayer, 'format' | 'weights'>): Uint32Array {
  const format = layer.format;
  if (format.kind !== 'lightnn') throw new Error('the exponent layout is for LightNN weights');
  const width = fieldBits(format);
  const P = weightsPerWord(format);
  const mask = 2 ** width - 1;
  const out = new Uint32Array(layer.weights.length);
  for (let w = 0; w < out.length; w++) {
    const word = layer.weights[w];
    let v = 0;
    for (let f = 0; f < P; f++) {
      const field = (word >>> (f * width)) & mask;
      v |= (field & 1) << (31 - f);
      for (let j = 0; j < format.k; j++) {
        const g = f * format.k + j;
        v |= (7 - ((field >>> (1 + 3 * j)) & 7)) << (21 - 3 * g);
      }
    }
    out[w] = v >>> 0;
  }
  return out;
}

/**
 * Weight words the dense kernel expects (binding 0): the packed layer weights (LightNN's re-laid
 * out for the exponent form), and for the tiled kernel padded with word rows up to the end of the
 * last tile. Padding must add nothing where the kernel reads a 0 activation: zero words, except
 * BinaryConnect, whose XOR form turns a -1 weight into -1 even for x = 0, so its padding (and the
 * unused bits of its last real word row) are +1 bits.
 */
export function denseWeightWords(
  layer: Pick<QuantDenseLayer, 'format' | 'inputs' | 'units' | 'weights'>,
  options: Pick<DenseShaderOptions, 'lightnnTerms' | 'tileInputs'> = {},
): Uint32Array {
  const { format, inputs, units } = layer;
  const words = format.kind === 'lightnn' && lightnnTerms(options) === 'exponent' ? exponentLayoutWords(layer) : layer.weights;
  if (!usesTiles(format)) return words;
  const P = weightsPerWord(format);
  const KC = options.tileInputs ?? defaultTileInputs(format);
  const rows = (Math.ceil(inputs / KC) * KC) / P;
  const padded = new Uint32Array(rows * units);
  padded.set(words);
  if (format.kind === 'binaryconnect') {
    const realRows = Math.ceil(inputs / P);
    const used = inputs - (realRows - 1) * P;
    if (used < 32) {
      const unused = ~(2 ** used - 1) >>> 0;
      for (let o = 0; o < units; o++) padded[(realRows - 1) * units + o] |= unused;
    }
    padded.fill(0xffffffff, realRows * units);
  }
  return padded;
}

// ---------------------------------------------------------------------------------------------
// Generator pieces shared by both kernels

interface Layout {
  /** Batch rows per thread. */
  R: number;
  /** Unit stride between a thread's lanes (the workgroup's x size). */
  X: number;
  /** Component suffixes of a thread's T units. */
  lanes: string[];
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

function indentLines(lines: string[], indent: string): string {
  return lines.map((line) => `${indent}${line}`).join('\n');
}

export function resultType(spec: Pick<DenseShaderSpec, 'output'>): string {
  return spec.output.kind === 'logits' ? 'i32' : spec.output.kind === 'sign' ? 'atomic<u32>' : 'u32';
}

/**
 * The threshold stage (batch normalisation folded in): a binary search over the unit's sorted
 * thresholds, stored after the UNITS biases at binding 1 (biasBindingWords), the same steps as
 * thresholdLevel in reference.ts. Empty for the other stages.
 */
export function thresholdFunctionWgsl(output: OutputStage): string {
  if (output.kind !== 'threshold') return '';
  const levels = 2 ** output.bits - 1;
  const steps: string[] = [];
  for (let step = 2 ** (output.bits - 1); step >= 1; step >>= 1) {
    steps.push(`  if (acc >= bias[base + q + ${u(step - 1)}]) { q = q + ${u(step)}; }`);
  }
  return `
// Staircase of ${levels} thresholds per unit, after the biases.
fn threshold_level(acc : i32, unit : u32) -> u32 {
  let base = UNITS + unit * ${u(levels)};
  var q = 0u;
${steps.join('\n')}
  return q;
}`;
}

/** Weight columns of a thread's T units, past the last unit clamped to it (results dropped). */
function columnsExpression(T: OutputsPerThread, X: number): string {
  return T === 1
    ? 'min(o0, UNITS - 1u)'
    : `min(vec4<u32>(o0) + vec4<u32>(0u, ${u(X)}, ${u(2 * X)}, ${u(3 * X)}), vec4<u32>(UNITS - 1u))`;
}

function loadFunctions({ W, A }: Types, T: OutputsPerThread): string {
  const words =
    T === 1
      ? 'return weights[base + col];'
      : 'return vec4<u32>(weights[base + col.x], weights[base + col.y], weights[base + col.z], weights[base + col.w]);';
  const bias = T === 1 ? 'return bias[col];' : 'return vec4<i32>(bias[col.x], bias[col.y], bias[col.z], bias[col.w]);';
  return `fn load_words(base : u32, col : ${W}) -> ${W} {
  ${words}
}

fn load_bias(col : ${W}) -> ${A} {
  ${bias}
}`;
}

function header(spec: DenseShaderSpec, T: OutputsPerThread, R: number, what: string): string {
  return `// Dense layer "${spec.name}": ${spec.inputs} -> ${spec.units}, ${formatName(spec.format)} weights,
// ${spec.output.kind} output, ${T} unit(s) x ${R} row(s) per thread${what}.
@group(0) @binding(0) var<storage, read> weights : array<u32>;
@group(0) @binding(1) var<storage, read> bias : array<i32>;
@group(0) @binding(2) var<storage, read> act : array<u32>;
@group(0) @binding(3) var<storage, read_write> result : array<${resultType(spec)}>;

const INPUTS : u32 = ${u(spec.inputs)};
const UNITS : u32 = ${u(spec.units)};
const IN_WORDS : u32 = ${u(inputWordsPerRow(spec))};
const OUT_WORDS : u32 = ${u(outputWordsPerRow(spec))};`;
}

/** Output row offsets `out${r}` (before the accumulation: the test of it forbids products). */
function outputOffsets(spec: DenseShaderSpec, R: number): string {
  const words = spec.output.kind === 'sign' ? 'OUT_WORDS' : 'UNITS';
  return range(R)
    .map((r) => `  let out${r} = ${r ? `(row0 + ${u(r)})` : 'row0'} * ${words};`)
    .join('\n');
}

/** Stores row r's `acc${r}` for rows inside the batch and units inside the layer. */
function outputStatements(spec: DenseShaderSpec, { W, A }: Types, { R, X, lanes }: Layout): string {
  const out = spec.output;
  const unit = (j: number) => (j === 0 ? 'o0' : `o0 + ${u(j * X)}`);
  // Lanes past the last unit computed a clamped duplicate column, rows past the batch a clamped
  // duplicate row: drop both.
  const guardUnit = (j: number, statement: string): string => (j === 0 ? statement : `if (${unit(j)} < UNITS) { ${statement} }`);
  const perRow = (r: number, statements: string[]): string => {
    const body = indentLines(statements, '    ');
    return r === 0 ? `  {\n${body}\n  }` : `  if (row0 + ${u(r)} < batch) {\n${body}\n  }`;
  };
  switch (out.kind) {
    case 'logits':
      return range(R)
        .map((r) => perRow(r, lanes.map((lane, j) => guardUnit(j, `result[out${r} + ${unit(j)}] = acc${r}${lane};`))))
        .join('\n');
    case 'requant': {
      const round = out.rshift > 0 ? 2 ** (out.rshift - 1) : 0;
      return [
        `  // ReLU, round half up, shift back to ${out.bits}-bit activations, clamp.`,
        ...range(R).map((r) =>
          perRow(r, [
            `let q = ${W}(min((max(acc${r}, ${A}(0)) + ${A}(${round})) >> ${W}(${u(out.rshift)}), ${A}(${2 ** out.bits - 1})));`,
            ...lanes.map((lane, j) => guardUnit(j, `result[out${r} + ${unit(j)}] = q${lane};`)),
          ]),
        ),
      ].join('\n');
    }
    case 'threshold':
      return [
        `  // Per-unit staircase (batch normalisation folded in).`,
        ...range(R).map((r) => perRow(r, lanes.map((lane, j) => guardUnit(j, `result[out${r} + ${unit(j)}] = threshold_level(acc${r}${lane}, ${unit(j)});`)))),
      ].join('\n');
    case 'sign':
      // One bit per unit, set with atomicOr (the runner clears the output first).
      return range(R)
        .map((r) =>
          perRow(
            r,
            lanes.map((lane, j) =>
              guardUnit(j, `if (acc${r}${lane} >= 0) { atomicOr(&result[out${r} + ((${unit(j)}) >> 5u)], 1u << ((${unit(j)}) & 31u)); }`),
            ),
          ),
        )
        .join('\n');
  }
}

// ---------------------------------------------------------------------------------------------
// Tiled kernel (LightNN, fixed point, BinaryConnect)

/**
 * Statements for field f of the thread's weight words (`words`, and `nwords` = ~words or the
 * doubling chain `dk` where the format needs them), then one accumulation per batch row; `x(r)` is
 * row r's activation.
 */
function fieldBlock(spec: DenseShaderSpec, { W, A }: Types, F: string, terms: LightNNTerms, R: number, f: number, x: (r: number) => string): string[] {
  const format = spec.format;
  const width = fieldBits(format);
  const bit = f * width;
  const lines: string[] = [];
  const rows = range(R);
  switch (format.kind) {
    case 'lightnn': {
      if (terms === 'exponent') {
        // Exponent layout (exponentLayoutWords): dk = words << k from the doubling chain; the
        // sign goes to bit 31, the complemented exponent 7 - m_j to bits 23..25 (the f32 exponent's low bits).
        lines.push(`let sg = d${f} & ${W}(0x80000000u);`);
        for (let j = 0; j < format.k; j++) {
          lines.push(`let c${j} = (d${2 + 3 * (f * format.k + j)} & ${W}(0x03800000u)) | sg;`);
        }
        for (const r of rows) {
          const sum = range(format.k).map((j) => `bitcast<${F}>(x${r} + c${j})`);
          lines.push(`let x${r} = ${W}(${x(r)});`, `f${r} += ${sum.join(' + ')};`);
        }
      } else {
        // All ones for a negative weight; shift amounts 7 - m_j = the complemented exponents.
        const top = 31 - bit;
        lines.push(`let m = bitcast<${A}>(${top === 0 ? 'words' : `words << ${W}(${u(top)})`}) >> ${W}(31u);`);
        for (let j = 0; j < format.k; j++) {
          const at = bit + 1 + 3 * j;
          const shifted = `nwords >> ${W}(${u(at)})`;
          lines.push(`let s${j} = ${at + 3 >= 32 ? shifted : `(${shifted}) & ${W}(7u)`};`);
        }
        for (const r of rows) {
          const sum = range(format.k).map((j) => `(t${r} << s${j})`);
          lines.push(`let t${r} = ${A}(i32(${x(r)})) ^ m;`, `acc${r} += ${sum.join(' + ')};`);
        }
      }
      break;
    }
    case 'fixed':
      lines.push(`let q = bitcast<${A}>(${fieldExpression(spec, W, f)}) >> ${W}(${u(32 - width)});`);
      for (const r of rows) lines.push(`acc${r} += ${A}(i32(${x(r)})) * q;`);
      break;
    case 'binaryconnect':
      // All ones where the weight bit is 0 (weight -1): x ^ m is x or -x - 1.
      lines.push(`let m = select(${A}(0), ${A}(-1), (words & ${W}(${u(2 ** f)})) == ${W}(0u));`);
      for (const r of rows) lines.push(`acc${r} += ${A}(i32(${x(r)})) ^ m;`);
      break;
    case 'binarynet':
      throw new Error('BinaryNet has no tiled kernel');
  }
  return ['{', ...lines.map((line) => `  ${line}`), '}'];
}

function tiledShader(spec: DenseShaderSpec, options: DenseShaderOptions): string {
  const T = options.outputsPerThread;
  const R = rowsPerThread(options);
  const { x: X, y: Y } = options.workgroup;
  const format = spec.format;
  const P = weightsPerWord(format);
  const KC = options.tileInputs ?? defaultTileInputs(format);
  const terms = lightnnTerms(options);
  const float = format.kind === 'lightnn' && terms === 'exponent';
  const win = options.windows;
  if (win) {
    const fanIn = win.kernel * win.kernel * win.inChannels;
    if (spec.inputs !== fanIn) throw new Error(`conv windows of ${fanIn} inputs, but the layer has ${spec.inputs}`);
    if (spec.output.kind === 'sign') throw new Error('sign outputs of a convolution pack per image: the direct conv kernel writes them');
  }
  if (!(Number.isInteger(KC) && KC >= P && KC % P === 0)) {
    throw new Error(`tile of ${KC} inputs: must be a positive multiple of ${P} (weights per word)`);
  }
  const maxKC = maxTileInputs(format, terms);
  if (KC > maxKC) throw new Error(`tile of ${KC} inputs: over ${maxKC}, where f32 tile sums stop being exact`);
  const tileSize = Y * R * KC;
  if (Math.ceil(tileSize / (X * Y)) * X * Y * 4 > 16384) {
    throw new Error(`tile of ${Y * R} rows x ${KC} inputs: over 16 KiB of workgroup memory`);
  }
  const types = typesFor(T);
  const { A } = types;
  const F = T === 1 ? 'f32' : 'vec4<f32>';
  const layout: Layout = { R, X, lanes: T === 1 ? [''] : ['.x', '.y', '.z', '.w'] };
  const rows = range(R);
  // Tile slots each thread fills: slot s = row r * KC + input k of the tile. The array is rounded
  // up to a whole number of slots per thread (the extra ones load a clamped row, never read), so no
  // load needs a branch: SwiftShader's compile time and memory grow fast with branches in this body.
  const slots = Math.ceil(tileSize / (X * Y));
  const tiles = Math.ceil(spec.inputs / KC);
  const ragged = spec.inputs % KC !== 0;
  // f32 sums stay exact for maxKC inputs: add them to the i32 accumulators every `perFlush` tiles
  // (when there are more) and at the end.
  const perFlush = float ? Math.floor(maxKC / KC) : Infinity;
  const tile = (r: number, k: number) => `tile[${Y === 1 ? '' : 'tb + '}${u(r * KC + k)}]`;
  // Per weight word: ~words for the shift form; the doubling chain d1 = words << 1, d2, ... up to
  // the largest shift the word's fields need for the exponent form.
  const prelude = (): string[] => {
    if (format.kind !== 'lightnn') return [];
    if (!float) return ['let nwords = ~words;'];
    const top = Math.max(2 + 3 * (P * format.k - 1), P - 1);
    return ['let d0 = words;', ...range(top).map((k) => `let d${k + 1} = d${k} + d${k};`)];
  };
  // Unrolled accumulation over the tile's KC inputs.
  const compute: string[] = [];
  for (let q = 0; q < KC / P; q++) {
    compute.push('{', `  let words = load_words(w${q ? ` + ${u(q * spec.units)}` : ''}, cols);`);
    pushAll(compute, prelude().map((l) => `  ${l}`));
    for (let f = 0; f < P; f++) {
      pushAll(compute, fieldBlock(spec, types, F, terms, R, f, (r) => tile(r, q * P + f)).map((l) => `  ${l}`));
    }
    compute.push('}');
  }
  // The last tile's inputs past INPUTS read as 0 (their weights are padding, see denseWeightWords).
  // (The read itself may run past the row, or the buffer, where WebGPU clamps it.)
  // Where slot j's activation is: src_j walks a dense row; with windows, kk_j walks the window
  // (kernel row kk / WINDOW_ROW, then kk % WINDOW_ROW contiguous NHWC inputs) from the row's first pixel.
  const slotStart = (j: number): string => {
    if (!win) return `  var src${j} = min(block + s${j} / ${u(KC)}, batch - 1u) * INPUTS + k${j};`;
    return [
      `  let r${j} = min(block + s${j} / ${u(KC)}, batch - 1u);`,
      `  let p${j} = r${j} % PIXELS;`,
      `  let base${j} = ((r${j} / PIXELS) * IN_H + p${j} / OUT_W) * ROW_STRIDE + (p${j} % OUT_W) * IN_C;`,
      `  var kk${j} = k${j};`,
    ].join('\n');
  };
  const address = (j: number): string => (win ? `base${j} + (kk${j} / WINDOW_ROW) * ROW_STRIDE + kk${j} % WINDOW_ROW` : `src${j}`);
  const load = range(slots).map((j) => {
    const value = float ? `bitcast<u32>(f32(i32(act[${address(j)}])))` : `act[${address(j)}]`;
    return `tile[s${j}] = ${ragged ? `select(0u, ${value}, k${j} < left)` : value};`;
  });
  const flush = rows.map((r) => `acc${r} += ${A}(f${r});`);
  const reset = rows.map((r) => `f${r} = ${F}(0.0);`);
  const loop = [
    `for (var c = 0u; c < ${u(tiles)}; c++) {`,
    ...['workgroupBarrier();', ...load, 'workgroupBarrier();', ...compute].map((l) => `  ${l}`),
    `  w += ${u((KC / P) * spec.units)};`,
    ...range(slots).map((j) => `  ${win ? `kk${j}` : `src${j}`} += ${u(KC)};`),
    ...(ragged ? [`  left -= ${u(KC)};`] : []),
    ...(float && perFlush < tiles
      ? [`  if (c % ${u(perFlush)} == ${u(perFlush - 1)}) {`, ...[...flush, ...reset].map((l) => `    ${l}`), '  }']
      : []),
    '}',
  ];
  const lastWord = spec.inputs % P;
  return `${header(spec, T, R, `, tiles of ${KC} inputs${float ? ', LightNN terms on f32 exponents' : ''}`)}${win ? windowConstants(win) : ''}
${
  lastWord
    ? `// Last word row: only ${lastWord} of its ${P} fields are inputs. Its other fields and the word rows up to
// the end of the last tile are padding that adds nothing (denseWeightWords).`
    : ''
}
var<workgroup> tile : array<u32, ${slots * X * Y}>;

${loadFunctions(types, T)}${thresholdFunctionWgsl(spec.output)}

@compute @workgroup_size(${X}, ${Y}, 1)
fn main(@builtin(local_invocation_id) lid : vec3<u32>,
        @builtin(local_invocation_index) li : u32,
        @builtin(workgroup_id) wid : vec3<u32>,
        @builtin(num_workgroups) nwg : vec3<u32>) {
  // The batch is whatever the runner bound as the result: no uniform buffer per run.
  let batch = arrayLength(&result) / OUT_WORDS;
  let block = (wid.z * nwg.y + wid.y) * ${u(Y * R)};
  let row0 = block + lid.y * ${u(R)};
  let o0 = wid.x * ${u(X * T)} + lid.x;
${Y === 1 ? '' : `  let tb = lid.y * ${u(R * KC)};\n`}  // Tile slots this thread fills, and where their first activation is (rows past the batch
  // read the last row; their results are dropped).
${range(slots)
  .map((j) => `  let s${j} = li + ${u(j * X * Y)};\n  let k${j} = s${j} % ${u(KC)};\n${slotStart(j)}`)
  .join('\n')}
${outputOffsets(spec, R)}
  // Weight columns of this thread's units; past the last unit they repeat it (results dropped).
  let cols = ${columnsExpression(T, X)};
  let start = load_bias(cols);
${rows.map((r) => `  var acc${r} = start;`).join('\n')}
${float ? rows.map((r) => `  var f${r} = ${F}(0.0);`).join('\n') + '\n' : ''}  var w = 0u;   // first word of the tile's first weight word row
${ragged ? '  var left = INPUTS;   // inputs from the current tile on\n' : ''}${indentLines([...loop, ...(float ? flush : [])], '  ')}
  // Barriers are behind us: threads outside the batch or the layer can leave.
  if (row0 >= batch || o0 >= UNITS) {
    return;
  }
${outputStatements(spec, types, layout)}
}
`;
}

/** Constants of a convolution run through the tiled kernel (the rows are output pixels). */
function windowConstants(win: ConvWindows): string {
  const outWidth = win.inWidth - win.kernel + 1;
  const outHeight = win.inHeight - win.kernel + 1;
  return `
// Convolution over ${win.inHeight}x${win.inWidth}x${win.inChannels} images, ${win.kernel}x${win.kernel} kernel (valid, stride 1):
// rows are output pixels (b * OH + oy) * OW + ox, a row's inputs its window in [kh][kw][c] order.
const IN_H : u32 = ${u(win.inHeight)};
const IN_C : u32 = ${u(win.inChannels)};
const OUT_W : u32 = ${u(outWidth)};
const PIXELS : u32 = ${u(outHeight * outWidth)};
// Inputs from one image row to the next, and per kernel row of a window.
const ROW_STRIDE : u32 = ${u(win.inWidth * win.inChannels)};
const WINDOW_ROW : u32 = ${u(win.kernel * win.inChannels)};`;
}

// ---------------------------------------------------------------------------------------------
// Direct kernel (BinaryNet)

function directShader(spec: DenseShaderSpec, options: DenseShaderOptions): string {
  const T = options.outputsPerThread;
  const R = rowsPerThread(options);
  const { x: X, y: Y } = options.workgroup;
  const types = typesFor(T);
  const { W, A } = types;
  const layout: Layout = { R, X, lanes: T === 1 ? [''] : ['.x', '.y', '.z', '.w'] };
  const rows = range(R);
  // dot(a, w) over +-1 values = n - 2 * (number of positions where they differ).
  const full = Math.floor(spec.inputs / 32);
  const tail = spec.inputs % 32;
  const tailMask = tail === 0 ? 0 : (2 ** tail - 1) >>> 0;
  const count = (r: number, word: string, mask: number) =>
    mask
      ? `differing${r} += countOneBits((${W}(act[a${r} + ${word}]) ^ words) & ${W}(${u(mask)}));`
      : `differing${r} += countOneBits(${W}(act[a${r} + ${word}]) ^ words);`;
  const body = [
    ...rows.map((r) => `var differing${r} = ${W}(0u);`),
    'var w = 0u;',
    ...(full > 0
      ? [
          `for (var i = 0u; i < ${u(full)}; i++) {`,
          '  let words = load_words(w, cols);',
          ...rows.map((r) => `  ${count(r, 'i', 0)}`),
          '  w += UNITS;',
          '}',
        ]
      : []),
    ...(tail > 0
      ? [
          '{',
          `  // Last word: only ${tail} of its 32 bits are inputs.`,
          '  let words = load_words(w, cols);',
          ...rows.map((r) => `  ${count(r, u(full), tailMask)}`),
          '}',
        ]
      : []),
    `let start = load_bias(cols) + ${A}(i32(INPUTS));`,
    ...rows.map((r) => `let acc${r} = start - (${A}(differing${r}) << ${W}(1u));`),
  ];
  return `${header(spec, T, R, '')}

${loadFunctions(types, T)}${thresholdFunctionWgsl(spec.output)}

@compute @workgroup_size(${X}, ${Y}, 1)
fn main(@builtin(local_invocation_id) lid : vec3<u32>,
        @builtin(workgroup_id) wid : vec3<u32>,
        @builtin(num_workgroups) nwg : vec3<u32>) {
  // The batch is whatever the runner bound as the result: no uniform buffer per run.
  let batch = arrayLength(&result) / OUT_WORDS;
  let row0 = ((wid.z * nwg.y + wid.y) * ${u(Y)} + lid.y) * ${u(R)};
  let o0 = wid.x * ${u(X * T)} + lid.x;
  if (row0 >= batch || o0 >= UNITS) {
    return;
  }
  // First sign word of each of this thread's rows (rows past the batch read the last row).
${rows.map((r) => `  let a${r} = min(row0${r ? ` + ${u(r)}` : ''}, batch - 1u) * IN_WORDS;`).join('\n')}
${outputOffsets(spec, R)}
  // Weight columns of this thread's units; past the last unit they repeat it (results dropped).
  let cols = ${columnsExpression(T, X)};
${indentLines(body, '  ')}
${outputStatements(spec, types, layout)}
}
`;
}

/**
 * Complete WGSL for one dense layer: the tiled kernel, or the direct one for BinaryNet (see the
 * notes at the top of this file). Dispatch with denseDispatch and the same options.
 */
export function denseShaderWgsl(spec: DenseShaderSpec, options: DenseShaderOptions): string {
  const R = rowsPerThread(options);
  if (!(Number.isInteger(R) && R >= 1 && R <= 32)) throw new Error(`rowsPerThread must be an integer in 1..32, got ${R}`);
  if (options.windows && !usesTiles(spec.format)) throw new Error(`${formatName(spec.format)} has no tiled kernel to run conv windows`);
  return usesTiles(spec.format) ? tiledShader(spec, options) : directShader(spec, options);
}

/** Sign outputs are written with atomicOr, so their buffer must start zeroed. */
export function outputNeedsClear(spec: Pick<DenseShaderSpec, 'output'>): boolean {
  return spec.output.kind === 'sign';
}
