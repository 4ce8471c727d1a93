/**
 * WGSL source for the quantized dense kernels, one shader per layer (sizes and the output stage
 * are baked in as constants so loops have fixed trip counts; the batch size is not).
 *
 * Thread mapping: global x walks groups of T consecutive output units (T = outputsPerThread),
 * global y (and z, past 65535 workgroups) walks batch rows. With T = 4 each activation is loaded
 * once for four units and the accumulators are vec4<i32>. On SwiftShader (Node, busy 2-core
 * machine) that made LightNN-1 64x784x100 about 1.3x faster (44 -> 33 ms) and fixed-4 1.4x;
 * BinaryConnect and BinaryNet gained little.
 *
 * Bindings (group 0): 0 packed weights (u32), 1 bias (i32), 2 input activations (u32),
 * 3 result (i32 logits, u32 activations, or atomic<u32> sign bits). No uniform buffer: the batch
 * size is arrayLength(result) / words per output row, so the runner must bind `result` with
 * exactly batch rows (runner.ts does).
 *
 * The integer semantics are those of reference.ts; the shader must match it bit for bit.
 */
import {
  fieldBits,
  formatName,
  inputWordsPerRow,
  outputWordsPerRow,
  weightsPerWord,
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

export interface DenseShaderOptions {
  outputsPerThread: OutputsPerThread;
  workgroup: WorkgroupShape;
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

/**
 * Workgroup of `invocations` threads (a power of two): as wide along the units as the layer needs,
 * the rest along batch rows, so a 10-unit layer does not leave most of a 64-wide group idle.
 */
export function chooseWorkgroupShape(
  units: number,
  outputsPerThread: OutputsPerThread,
  invocations = 64,
  limits: WorkgroupLimits = DEFAULT_WORKGROUP_LIMITS,
): WorkgroupShape {
  const total = Math.min(invocations, limits.maxComputeInvocationsPerWorkgroup);
  if (!(total >= 1 && Number.isInteger(Math.log2(total)))) {
    throw new Error(`workgroup invocations must be a power of two, got ${total}`);
  }
  const x = Math.min(nextPowerOfTwo(groupsPerRow(units, outputsPerThread)), total, limits.maxComputeWorkgroupSizeX);
  const y = Math.min(total / x, limits.maxComputeWorkgroupSizeY);
  return { x, y };
}

/**
 * Workgroup counts covering `batch` rows: x over unit groups, rows over y and, when y would pass
 * the per-dimension limit, z (the shader rebuilds the row as (z * numY + y) * shape.y + local y).
 */
export function denseDispatch(
  spec: Pick<DenseShaderSpec, 'units'>,
  batch: number,
  options: DenseShaderOptions,
  maxPerDimension = DEFAULT_WORKGROUP_LIMITS.maxComputeWorkgroupsPerDimension,
): [number, number, number] {
  if (!(Number.isInteger(batch) && batch >= 1)) throw new Error(`batch must be a positive integer, got ${batch}`);
  const x = Math.ceil(groupsPerRow(spec.units, options.outputsPerThread) / options.workgroup.x);
  const rowBlocks = Math.ceil(batch / options.workgroup.y);
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

/** Accumulation over the input dimension, leaving the result in `acc`. */
function accumulateBody(spec: DenseShaderSpec, { W, A }: Types): string {
  const { inputs } = spec;
  if (spec.format.kind === 'binarynet') {
    // dot(a, w) over +-1 values = n - 2 * (number of positions where they differ).
    const full = Math.floor(inputs / 32);
    const tail = inputs % 32;
    const tailMask = tail === 0 ? 0 : (2 ** tail - 1) >>> 0;
    return `  var differing = ${W}(0u);
  var w = 0u;
  let a = row * IN_WORDS;
${
  full > 0
    ? `  for (var r = 0u; r < ${u(full)}; r++) {
    differing += countOneBits(${W}(act[a + r]) ^ load_words(w, cols));
    w += UNITS;
  }`
    : ''
}
${
  tail > 0
    ? `  // Last word: only ${tail} of its 32 bits are inputs.
  differing += countOneBits((${W}(act[a + ${u(full)}]) ^ load_words(w, cols)) & ${W}(${u(tailMask)}));`
    : ''
}
  let acc = load_bias(cols) + ${A}(i32(INPUTS)) - (${A}(differing) << ${W}(1u));`;
  }
  const perWord = weightsPerWord(spec.format);
  const full = Math.floor(inputs / perWord);
  const tail = inputs % perWord;
  return `  var acc = load_bias(cols);
  var w = 0u;              // first word of the current weight word row
  var a = row * INPUTS;    // activation of the current word row's first input
${
  full > 0
    ? `  for (var r = 0u; r < ${u(full)}; r++) {
    let words = load_words(w, cols);
${fieldStatements(spec, W, perWord, '    ')}
    w += UNITS;
    a += ${u(perWord)};
  }`
    : ''
}
${
  tail > 0
    ? `  {
    // Last word row: only ${tail} of its ${perWord} fields are inputs.
    let words = load_words(w, cols);
${fieldStatements(spec, W, tail, '    ')}
  }`
    : ''
}`;
}

function outputStatements(spec: DenseShaderSpec, outputsPerThread: OutputsPerThread, { W, A }: Types): string {
  const out = spec.output;
  const lanes = outputsPerThread === 1 ? [''] : ['.x', '.y', '.z', '.w'];
  // Lanes past the last unit computed a clamped duplicate column: drop them.
  const guarded = (j: number, statement: string): string =>
    j === 0 ? `  ${statement}` : `  if (o0 + ${u(j)} < UNITS) { ${statement} }`;
  switch (out.kind) {
    case 'logits':
      return lanes.map((lane, j) => guarded(j, `result[row * UNITS + o0 + ${u(j)}] = acc${lane};`)).join('\n');
    case 'requant': {
      const round = out.rshift > 0 ? 2 ** (out.rshift - 1) : 0;
      return [
        `  // ReLU, round half up, shift back to ${out.bits}-bit activations, clamp.`,
        `  let q = ${W}(min((max(acc, ${A}(0)) + ${A}(${round})) >> ${W}(${u(out.rshift)}), ${A}(${2 ** out.bits - 1})));`,
        ...lanes.map((lane, j) => guarded(j, `result[row * UNITS + o0 + ${u(j)}] = q${lane};`)),
      ].join('\n');
    }
    case 'sign':
      // Every lane of a thread lands in the same word (T divides 32), so one atomicOr per thread;
      // the runner clears the output first.
      return [
        '  var bits = 0u;',
        ...lanes.map((lane, j) => guarded(j, `if (acc${lane} >= 0) { bits |= 1u << ((o0 + ${u(j)}) & 31u); }`)),
        '  if (bits != 0u) { atomicOr(&result[row * OUT_WORDS + (o0 >> 5u)], bits); }',
      ].join('\n');
  }
}

/** Complete WGSL for one dense layer. */
export function denseShaderWgsl(spec: DenseShaderSpec, options: DenseShaderOptions): string {
  const T = options.outputsPerThread;
  const types = typesFor(T);
  const { W, A } = types;
  const resultType = spec.output.kind === 'logits' ? 'i32' : spec.output.kind === 'sign' ? 'atomic<u32>' : 'u32';
  const columns =
    T === 1 ? 'o0' : 'min(vec4<u32>(o0) + vec4<u32>(0u, 1u, 2u, 3u), vec4<u32>(UNITS - 1u))';
  const loadWords =
    T === 1
      ? 'return weights[base + col];'
      : 'return vec4<u32>(weights[base + col.x], weights[base + col.y], weights[base + col.z], weights[base + col.w]);';
  const loadBias =
    T === 1 ? 'return bias[col];' : 'return vec4<i32>(bias[col.x], bias[col.y], bias[col.z], bias[col.w]);';
  return `// Dense layer "${spec.name}": ${spec.inputs} -> ${spec.units}, ${formatName(spec.format)} weights,
// ${spec.output.kind} output, ${T} output(s) per thread.
@group(0) @binding(0) var<storage, read> weights : array<u32>;
@group(0) @binding(1) var<storage, read> bias : array<i32>;
@group(0) @binding(2) var<storage, read> act : array<u32>;
@group(0) @binding(3) var<storage, read_write> result : array<${resultType}>;

const INPUTS : u32 = ${u(spec.inputs)};
const UNITS : u32 = ${u(spec.units)};
const IN_WORDS : u32 = ${u(inputWordsPerRow(spec))};
const OUT_WORDS : u32 = ${u(outputWordsPerRow(spec))};

fn load_words(base : u32, col : ${W}) -> ${W} {
  ${loadWords}
}

fn load_bias(col : ${W}) -> ${A} {
  ${loadBias}
}

${termFunction(spec, types)}

@compute @workgroup_size(${options.workgroup.x}, ${options.workgroup.y}, 1)
fn main(@builtin(local_invocation_id) lid : vec3<u32>,
        @builtin(workgroup_id) wid : vec3<u32>,
        @builtin(num_workgroups) nwg : vec3<u32>) {
  // The batch is whatever the runner bound as the result: no uniform buffer per run.
  let batch = arrayLength(&result) / OUT_WORDS;
  let row = (wid.z * nwg.y + wid.y) * ${u(options.workgroup.y)} + lid.y;
  let o0 = (wid.x * ${u(options.workgroup.x)} + lid.x) * ${u(T)};
  if (row >= batch || o0 >= UNITS) {
    return;
  }
  // Weight columns of this thread's units; past the last unit they repeat it (results dropped).
  let cols = ${columns};
${accumulateBody(spec, types)}
${outputStatements(spec, T, types)}
}
`;
}

/** Sign outputs are written with atomicOr, so their buffer must start zeroed. */
export function outputNeedsClear(spec: Pick<DenseShaderSpec, 'output'>): boolean {
  return spec.output.kind === 'sign';
}
