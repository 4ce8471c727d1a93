/**
 * WGSL source for the quantized convolution and max-pool kernels, one shader per layer (sizes,
 * format and output stage baked in as constants; the batch size is not: it is
 * arrayLength(result) / output words per image, so the runner binds `result` with exactly
 * `batch` images, as for the dense kernels).
 *
 * Convolution thread mapping: a conv layer is a dense layer (fan-in K*K*inC, units = filters)
 * evaluated at every output pixel, so the dense mapping is reused with "rows" = output pixels of
 * the whole batch: global x walks groups of T consecutive filters, global y (and z past 65535
 * workgroups) walks the batch's output pixels, row = (b * OH + oy) * OW + ox.
 *
 * Accumulation walks the K kernel rows; each is K*inC contiguous NHWC inputs starting at
 * ((b*H + oy + kh)*W + ox)*inC. Weights are in the row-aligned layout (conv.ts,
 * convRowAlignedWeights), so every kernel row starts a fresh word row and only its last word row is
 * partial (fields unrolled per word, as in the dense kernel).
 * BinaryNet: the kernel row is a contiguous bit range of the image's packed sign bits at an
 * arbitrary bit offset; each 32-bit chunk is funnel-shifted out of two words, XORed with the weight
 * word and popcounted; the row's last chunk is masked to its valid bits.
 *
 * Bindings (group 0), conv: 0 row-aligned packed weights (u32), 1 bias (i32), 2 input (u32),
 * 3 result (i32 logits, u32 activations or atomic<u32> sign bits, packed per image).
 * Max-pool: 0 input (u32), 1 result (u32, or atomic<u32> for sign bits).
 *
 * The integer semantics are those of conv.ts; the shaders must match it bit for bit.
 */
import {
  convFanIn,
  convInputWordsPerImage,
  convOutputShape,
  convOutputWordsPerImage,
  convRowWords,
  poolInputWordsPerImage,
  poolOutputShape,
  poolOutputWordsPerImage,
  type QuantConv2dLayer,
  type QuantMaxPoolLayer,
} from './conv';
import { formatName, weightsPerWord } from './reference';
import {
  denseDispatch,
  fieldStatements,
  termFunction,
  resultType,
  thresholdFunctionWgsl,
  typesFor,
  u,
  type DenseShaderOptions,
  type OutputsPerThread,
  type Types,
  type WorkgroupShape,
} from './wgsl';

/** What a conv shader depends on: shapes, format and output stage, not the weight values. */
export type ConvShaderSpec = Pick<
  QuantConv2dLayer,
  'name' | 'inHeight' | 'inWidth' | 'inChannels' | 'kernel' | 'filters' | 'format' | 'inputBits' | 'output'
>;

export type PoolShaderSpec = Pick<QuantMaxPoolLayer, 'name' | 'inHeight' | 'inWidth' | 'channels' | 'size' | 'input'>;

/** Output pixels per image. */
export function convPixels(spec: Pick<ConvShaderSpec, 'inHeight' | 'inWidth' | 'kernel' | 'filters'>): number {
  const { height, width } = convOutputShape(spec);
  return height * width;
}

/** Workgroup counts covering `batch` images: x over filter groups, y (and z) over output pixels. */
export function convDispatch(
  spec: Pick<ConvShaderSpec, 'inHeight' | 'inWidth' | 'kernel' | 'filters'>,
  batch: number,
  options: DenseShaderOptions,
  maxPerDimension?: number,
): [number, number, number] {
  if (!(Number.isInteger(batch) && batch >= 1)) throw new Error(`batch must be a positive integer, got ${batch}`);
  return denseDispatch({ units: spec.filters }, batch * convPixels(spec), options, maxPerDimension);
}

/** Threads per output pixel of a max-pool: one per channel, or one per 32-channel chunk for sign bits. */
export function poolThreadsPerPixel(spec: Pick<PoolShaderSpec, 'channels' | 'input'>): number {
  return spec.input.kind === 'sign' ? Math.ceil(spec.channels / 32) : spec.channels;
}

export function poolDispatch(
  spec: PoolShaderSpec,
  batch: number,
  workgroup: WorkgroupShape,
  maxPerDimension?: number,
): [number, number, number] {
  if (!(Number.isInteger(batch) && batch >= 1)) throw new Error(`batch must be a positive integer, got ${batch}`);
  const { height, width } = poolOutputShape(spec);
  return denseDispatch(
    { units: poolThreadsPerPixel(spec) },
    batch * height * width,
    { outputsPerThread: 1, workgroup },
    maxPerDimension,
  );
}

// ---------------------------------------------------------------------------------------------


/** `act_bits(base, p)`: the 32 sign bits starting at bit p of the image whose first word is `base`. */
const ACT_BITS_FUNCTION = `// 32 consecutive activation bits starting at bit p of the image whose first word is base
// (funnel shift of two words; the second index is clamped to the buffer, its bits are masked
// or belong to this image).
fn act_bits(base : u32, p : u32) -> u32 {
  let i = base + (p >> 5u);
  let s = p & 31u;
  let next = act[min(i + 1u, arrayLength(&act) - 1u)];
  return (act[i] >> s) | ((next << 1u) << (31u - s));
}`;

function accumulateBody(spec: ConvShaderSpec, { W, A }: Types): string {
  const rowLength = spec.kernel * spec.inChannels;
  if (spec.format.kind === 'binarynet') {
    const full = Math.floor(rowLength / 32);
    const tail = rowLength % 32;
    const tailMask = tail === 0 ? 0 : (2 ** tail - 1) >>> 0;
    return `  // dot(a, w) over +-1 values = n - 2 * (number of positions where they differ).
  var differing = ${W}(0u);
  var w = 0u;                          // current weight word row (row-aligned layout)
  let base = b * IN_WORDS;             // this image's first activation word
  var p = (oy * IN_W + ox) * IN_C;     // bit of the current kernel row's first input in the image
  for (var kh = 0u; kh < K; kh++) {
    ${full > 0 ? 'var' : 'let'} q = p;
${
  full > 0
    ? `    for (var r = 0u; r < ${u(full)}; r++) {
      differing += countOneBits(${W}(act_bits(base, q)) ^ load_words(w, cols));
      w += UNITS;
      q += 32u;
    }`
    : ''
}
${
  tail > 0
    ? `    // Last chunk of the kernel row: only ${tail} of its 32 bits are inputs.
    differing += countOneBits((${W}(act_bits(base, q)) ^ load_words(w, cols)) & ${W}(${u(tailMask)}));
    w += UNITS;`
    : ''
}
    p += ROW_STRIDE;
  }
  let acc = load_bias(cols) + ${A}(i32(FAN_IN)) - (${A}(differing) << ${W}(1u));`;
  }
  const perWord = weightsPerWord(spec.format);
  const full = Math.floor(rowLength / perWord);
  const tail = rowLength % perWord;
  return `  var acc = load_bias(cols);
  var w = 0u;                                    // current weight word row (row-aligned layout)
  var a = ((b * IN_H + oy) * IN_W + ox) * IN_C;  // first input of the window's current kernel row
  for (var kh = 0u; kh < K; kh++) {
    ${full > 0 ? 'var' : 'let'} i = a;
${
  full > 0
    ? `    for (var r = 0u; r < ${u(full)}; r++) {
      let words = load_words(w, cols);
${fieldStatements(spec, W, perWord, '      ', 'i')}
      w += UNITS;
      i += ${u(perWord)};
    }`
    : ''
}
${
  tail > 0
    ? `    {
      // Last word row of the kernel row: only ${tail} of its ${perWord} fields are inputs.
      let words = load_words(w, cols);
${fieldStatements(spec, W, tail, '      ', 'i')}
      w += UNITS;
    }`
    : ''
}
    a += ROW_STRIDE;
  }`;
}

function outputStatements(spec: ConvShaderSpec, outputsPerThread: OutputsPerThread, { W, A }: Types): string {
  const out = spec.output;
  const lanes = outputsPerThread === 1 ? [''] : ['.x', '.y', '.z', '.w'];
  // Lanes past the last filter computed a clamped duplicate column: drop them.
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
    case 'threshold':
      return [
        '  // Per-filter staircase (batch normalisation folded in).',
        ...lanes.map((lane, j) => guarded(j, `result[row * UNITS + o0 + ${u(j)}] = threshold_level(acc${lane}, o0 + ${u(j)});`)),
      ].join('\n');
    case 'sign':
      // Bit pix * UNITS + o of the image: a thread's lanes span at most two words (T <= 32).
      // The runner clears the output first.
      return [
        '  // Sign bits, packed per image at bit pix * UNITS + o; lanes may straddle two words.',
        '  let p0 = pix * UNITS + o0;',
        '  var lo = 0u;',
        '  var hi = 0u;',
        ...lanes.map((lane, j) =>
          guarded(
            j,
            `if (acc${lane} >= 0) { let q = p0 + ${u(j)}; if ((q >> 5u) == (p0 >> 5u)) { lo |= 1u << (q & 31u); } else { hi |= 1u << (q & 31u); } }`,
          ),
        ),
        '  let word = b * OUT_WORDS + (p0 >> 5u);',
        '  if (lo != 0u) { atomicOr(&result[word], lo); }',
        '  if (hi != 0u) { atomicOr(&result[word + 1u], hi); }',
      ].join('\n');
  }
}

/** Complete WGSL for one conv layer. */
export function convShaderWgsl(spec: ConvShaderSpec, options: DenseShaderOptions): string {
  const T = options.outputsPerThread;
  const types = typesFor(T);
  const { W, A } = types;
  const { height: OH, width: OW } = convOutputShape(spec);
  const columns = T === 1 ? 'o0' : 'min(vec4<u32>(o0) + vec4<u32>(0u, 1u, 2u, 3u), vec4<u32>(UNITS - 1u))';
  const loadWords =
    T === 1
      ? 'return weights[base + col];'
      : 'return vec4<u32>(weights[base + col.x], weights[base + col.y], weights[base + col.z], weights[base + col.w]);';
  const loadBias = T === 1 ? 'return bias[col];' : 'return vec4<i32>(bias[col.x], bias[col.y], bias[col.z], bias[col.w]);';
  return `// Conv layer "${spec.name}": ${spec.inHeight}x${spec.inWidth}x${spec.inChannels} -> ${OH}x${OW}x${spec.filters},
// ${spec.kernel}x${spec.kernel} kernel (valid, stride 1), ${formatName(spec.format)} weights, ${spec.output.kind} output,
// ${T} filter(s) per thread.
@group(0) @binding(0) var<storage, read> weights : array<u32>;
@group(0) @binding(1) var<storage, read> bias : array<i32>;
@group(0) @binding(2) var<storage, read> act : array<u32>;
@group(0) @binding(3) var<storage, read_write> result : array<${resultType(spec)}>;

const IN_H : u32 = ${u(spec.inHeight)};
const IN_W : u32 = ${u(spec.inWidth)};
const IN_C : u32 = ${u(spec.inChannels)};
const K : u32 = ${u(spec.kernel)};
const OUT_W : u32 = ${u(OW)};
const PIXELS : u32 = ${u(OH * OW)};
const UNITS : u32 = ${u(spec.filters)};
const FAN_IN : u32 = ${u(convFanIn(spec))};
// Inputs (or bits) from one kernel row to the next: one image row.
const ROW_STRIDE : u32 = ${u(spec.inWidth * spec.inChannels)};
// Words per image of the input and of the result.
const IN_WORDS : u32 = ${u(convInputWordsPerImage(spec))};
const OUT_WORDS : u32 = ${u(convOutputWordsPerImage(spec))};
// Weight word rows per kernel row (row-aligned layout): ${convRowWords(spec)}.

fn load_words(base : u32, col : ${W}) -> ${W} {
  ${loadWords}
}

fn load_bias(col : ${W}) -> ${A} {
  ${loadBias}
}
${thresholdFunctionWgsl(spec.output)}
${spec.format.kind === 'binarynet' ? ACT_BITS_FUNCTION : termFunction(spec, types)}

${pixelRowMain(
  options.workgroup,
  `let o0 = (wid.x * ${u(options.workgroup.x)} + lid.x) * ${u(T)}`,
  'o0 >= UNITS',
  `  // Weight columns of this thread's filters; past the last filter they repeat it (results dropped).
  let cols = ${columns};
${accumulateBody(spec, types)}
${outputStatements(spec, T, types)}`,
)}`;
}

/**
 * Entry point of the conv and pool kernels: one row per output pixel of each image in the batch,
 * row = (b * OUT_H + oy) * OUT_W + ox; `thread` declares the thread's place along x and `bound`
 * says when it is past the end. The batch is whatever the runner bound as the result: no uniform
 * buffer per run.
 */
function pixelRowMain(workgroup: WorkgroupShape, thread: string, bound: string, body: string): string {
  return `@compute @workgroup_size(${workgroup.x}, ${workgroup.y}, 1)
fn main(@builtin(local_invocation_id) lid : vec3<u32>,
        @builtin(workgroup_id) wid : vec3<u32>,
        @builtin(num_workgroups) nwg : vec3<u32>) {
  let batch = arrayLength(&result) / OUT_WORDS;
  let row = (wid.z * nwg.y + wid.y) * ${u(workgroup.y)} + lid.y;
  ${thread};
  if (row >= batch * PIXELS || ${bound}) {
    return;
  }
  let b = row / PIXELS;
  let pix = row - b * PIXELS;
  let oy = pix / OUT_W;
  let ox = pix - oy * OUT_W;
${body}
}
`;
}

/** Complete WGSL for one max-pool layer. */
export function maxPoolShaderWgsl(spec: PoolShaderSpec, workgroup: WorkgroupShape): string {
  const { height: OH, width: OW } = poolOutputShape(spec);
  const S = spec.size;
  const C = spec.channels;
  const offsets: number[] = [];
  for (let dy = 0; dy < S; dy++) for (let dx = 0; dx < S; dx++) offsets.push((dy * spec.inWidth + dx) * C);
  const sign = spec.input.kind === 'sign';
  const header = `// Max-pool "${spec.name}": ${spec.inHeight}x${spec.inWidth}x${C} -> ${OH}x${OW}x${C}, ${S}x${S} windows, stride ${S},
// ${sign ? 'sign bits (max of +1/-1 = OR of the bits)' : `${spec.input.kind === 'unsigned' ? spec.input.bits : ''}-bit unsigned activations`}.
@group(0) @binding(0) var<storage, read> act : array<u32>;
@group(0) @binding(1) var<storage, read_write> result : array<${sign ? 'atomic<u32>' : 'u32'}>;

const IN_H : u32 = ${u(spec.inHeight)};
const IN_W : u32 = ${u(spec.inWidth)};
const C : u32 = ${u(C)};
const S : u32 = ${u(S)};
const OUT_W : u32 = ${u(OW)};
const PIXELS : u32 = ${u(OH * OW)};
const IN_WORDS : u32 = ${u(poolInputWordsPerImage(spec))};
const OUT_WORDS : u32 = ${u(poolOutputWordsPerImage(spec))};
const THREADS : u32 = ${u(poolThreadsPerPixel(spec))};
`;
  const main = (body: string): string => pixelRowMain(workgroup, `let t = wid.x * ${u(workgroup.x)} + lid.x`, 't >= THREADS', body);
  if (!sign) {
    return `${header}
${main(`  // Thread t = channel c.
  let a = ((b * IN_H + oy * S) * IN_W + ox * S) * C + t;
  var m = act[a];
${offsets
  .slice(1)
  .map((offset) => `  m = max(m, act[a + ${u(offset)}]);`)
  .join('\n')}
  result[row * C + t] = m;`)}`;
  }
  const tail = C % 32;
  const mask =
    tail === 0
      ? ''
      : `  // The last chunk holds only ${tail} channels.
  bits &= select(${u((2 ** tail - 1) >>> 0)}, 0xffffffffu, t + 1u < THREADS);
`;
  return `${header}
${ACT_BITS_FUNCTION}

${main(`  // Thread t = channels 32t .. 32t + 31 of this output pixel: OR the same channels of the window's pixels.
  let base = b * IN_WORDS;
  let p = ((oy * S) * IN_W + ox * S) * C + t * 32u;   // bit of the window's first pixel, channel 32t
  var bits = act_bits(base, p);
${offsets
  .slice(1)
  .map((offset) => `  bits |= act_bits(base, p + ${u(offset)});`)
  .join('\n')}
${mask}  // Write at bit pix * C + 32t of the output image: may straddle two words (output cleared first).
  let q = pix * C + t * 32u;
  let word = b * OUT_WORDS + (q >> 5u);
  let s = q & 31u;
  let lo = bits << s;
  let hi = (bits >> 1u) >> (31u - s);
  if (lo != 0u) { atomicOr(&result[word], lo); }
  if (hi != 0u) { atomicOr(&result[word + 1u], hi); }`)}`;
}

/** Sign outputs are written with atomicOr, so their buffer must start zeroed. */
export function convOutputNeedsClear(spec: Pick<ConvShaderSpec, 'output'>): boolean {
  return spec.output.kind === 'sign';
}

export function poolOutputNeedsClear(spec: Pick<PoolShaderSpec, 'input'>): boolean {
  return spec.input.kind === 'sign';
}
