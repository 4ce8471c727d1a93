/**
 * CPU reference of the quantized conv, max-pool and LeNet layers (conv.ts) and their WGSL
 * generators (convWgsl.ts): packing round trips, hand-worked tiny convolutions per format,
 * im2col cross-checks against the dense reference, pooling, overflow refusal, chain validation.
 * Pure TypeScript, no GPU (the GPU runs are in kernels.conv.gpu.test.ts).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkConvNoOverflow,
  conv2dReference,
  convAsDense,
  convFanIn,
  convHeadroom,
  convInputWordsPerImage,
  convNetReference,
  convOutputShape,
  convOutputWordsPerImage,
  convPackedWeightWords,
  convRowAlignedWeights,
  convRowWords,
  convWeightValues,
  denseNetLayer,
  maxPoolReference,
  poolOutputShape,
  randomActivations,
  randomConvLayer,
  randomLenet,
  randomNetInput,
  validateLenet,
  validateNet,
  type QuantConv2dLayer,
  type QuantMaxPoolLayer,
  type QuantNetLayer,
} from '../../src/core/kernels/conv';
import {
  convDispatch,
  convPixels,
  convShaderWgsl,
  maxPoolShaderWgsl,
  poolDispatch,
} from '../../src/core/kernels/convWgsl';
import { randomDenseLayer } from '../../src/core/kernels/random';
import {
  denseReference,
  fieldBits,
  packBinaryWeights,
  packFixed,
  packLightNN,
  packSignBits,
  unpackSignBits,
  weightsPerWord,
  type OutputStage,
  type WeightFormat,
} from '../../src/core/kernels/reference';
import { chooseWorkgroupShape, denseShaderWgsl, type OutputsPerThread } from '../../src/core/kernels/wgsl';
import { architecture } from '../../src/core/models';
import { mulberry32 } from '../../src/core/rng';
import { maxOf } from '../../src/core/arrays';
import { ALL_KERNEL_FORMATS, LENET_CONV2 } from '../helpers/kernelCases';

const convShape = fc.record({
  kernel: fc.integer({ min: 1, max: 4 }),
  inChannels: fc.integer({ min: 1, max: 40 }),
  filters: fc.integer({ min: 1, max: 7 }),
});

// ---------------------------------------------------------------------------------------------

describe('packing round trips', () => {
  it('conv weights [kh][kw][inC][outC] pack like a dense fan-in x filters matrix and decode back', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ALL_KERNEL_FORMATS), convShape, fc.integer(), (format, shape, seed) => {
        const rng = mulberry32(seed);
        const n = convFanIn(shape) * shape.filters;
        const fanIn = convFanIn(shape);
        let weights: Uint32Array;
        let values: number[];
        const signs = Array.from({ length: n }, () => (rng() < 0.5 ? -1 : 1));
        if (format.kind === 'lightnn') {
          const exponents = Array.from({ length: n * format.k }, () => Math.floor(rng() * 8));
          weights = packLightNN(format.k, signs, exponents, fanIn, shape.filters);
          values = signs.map((s, w) => {
            let m = 0;
            for (let j = 0; j < format.k; j++) m += 2 ** (7 - exponents[w * format.k + j]);
            return s * m;
          });
        } else if (format.kind === 'fixed') {
          const limit = 2 ** (format.bits - 1) - 1;
          values = Array.from({ length: n }, () => Math.floor(rng() * (2 * limit + 1)) - limit);
          weights = packFixed(format.bits, values, fanIn, shape.filters);
        } else {
          values = signs;
          weights = packBinaryWeights(signs, fanIn, shape.filters);
        }
        expect(weights.length).toBe(convPackedWeightWords(format, shape));
        const layer: QuantConv2dLayer = {
          kind: 'conv2d',
          name: 'c',
          inHeight: shape.kernel,
          inWidth: shape.kernel + 1,
          ...shape,
          format,
          inputBits: format.kind === 'binarynet' ? 1 : 4,
          weights,
          bias: new Int32Array(shape.filters),
          output: { kind: 'logits' },
        };
        expect(Array.from(convWeightValues(layer))).toEqual(values);
      }),
    );
  });

  it('row-aligned GPU weights hold the same fields, each kernel row starting a word row', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ALL_KERNEL_FORMATS), convShape, fc.integer(), (format, shape, seed) => {
        const layer = randomConvLayer(mulberry32(seed), {
          name: 'c',
          inHeight: shape.kernel + 2,
          inWidth: shape.kernel,
          ...shape,
          format,
          inputBits: 2,
          output: 'logits',
        });
        const bits = fieldBits(format);
        const perWord = weightsPerWord(format);
        const mask = bits === 32 ? 0xffffffff : 2 ** bits - 1;
        const rowLength = shape.kernel * shape.inChannels;
        const rowWords = convRowWords(layer);
        const aligned = convRowAlignedWeights(layer);
        expect(aligned.length).toBe(shape.kernel * rowWords * shape.filters);
        const field = (words: Uint32Array, word: number, f: number): number => (words[word] >>> (f * bits)) & mask;
        for (let kh = 0; kh < shape.kernel; kh++) {
          for (let j = 0; j < rowWords * perWord; j++) {
            for (let o = 0; o < shape.filters; o++) {
              const got = field(aligned, (kh * rowWords + Math.floor(j / perWord)) * shape.filters + o, j % perWord);
              const r = kh * rowLength + j;
              const want = j < rowLength ? field(layer.weights, Math.floor(r / perWord) * shape.filters + o, r % perWord) : 0;
              expect(got).toBe(want);
            }
          }
        }
        if (rowLength % perWord === 0) expect(aligned).toEqual(layer.weights);
      }),
    );
  });

  it('sign activations pack each image flat in NHWC order: element (y*W + x)*C + c', () => {
    const [H, W, C, batch] = [3, 4, 5, 2];
    const values = Int8Array.from({ length: batch * H * W * C }, (_, i) => (i % 7 === 0 || i % 5 === 1 ? 1 : -1));
    const words = packSignBits(values, batch, H * W * C);
    expect(words.length).toBe(batch * Math.ceil((H * W * C) / 32));
    expect(unpackSignBits(words, batch, H * W * C)).toEqual(values);
    // image 1, y = 2, x = 1, c = 3: element 48 of the image, word 1 bit 16
    const element = (2 * W + 1) * C + 3;
    expect(element).toBe(48);
    const bit = (words[1 * 2 + 1] >>> 16) & 1;
    expect(bit === 1 ? 1 : -1).toBe(values[1 * H * W * C + element]);
  });
});

// ---------------------------------------------------------------------------------------------

/**
 * 3x3 input with 2 channels, 2x2 kernel, 2 filters -> 2x2x2 output.
 *   channel 0: 1 2 0 / 3 0 1 / 2 1 3      channel 1: 0 1 1 / 2 3 0 / 1 0 2
 * Weights in [kh][kw][inC][outC] order: the 8 (kh, kw, c) rows below, each (filter 0, filter 1).
 */
const HAND_INPUT = Uint32Array.of(
  1, 0, 2, 1, 0, 1, // y = 0: (x, c) pairs
  3, 2, 0, 3, 1, 0, // y = 1
  2, 1, 1, 0, 3, 2, // y = 2
);
/** +1 where the value above is odd: channel 0: + - - / + - + / - + +, channel 1: - + + / - + - / + - -. */
const HAND_SIGNS = Int8Array.from(HAND_INPUT, (v) => (v % 2 === 1 ? 1 : -1));

function handLayer(format: WeightFormat, weights: Uint32Array, partial: Partial<QuantConv2dLayer> = {}): QuantConv2dLayer {
  return {
    kind: 'conv2d',
    name: 'hand',
    inHeight: 3,
    inWidth: 3,
    inChannels: 2,
    kernel: 2,
    filters: 2,
    format,
    inputBits: 2,
    weights,
    bias: Int32Array.of(0, 0),
    output: { kind: 'logits' },
    ...partial,
  };
}

/** The fixed-4 example's weights, (filter 0, filter 1) per (kh, kw, c). */
const HAND_FIXED = [1, -3, -1, 2, 2, 0, 0, 1, 0, 1, 3, -1, -2, 0, 1, 7];
/** Signs of the LightNN and binary examples, (filter 0, filter 1) per (kh, kw, c). */
const HAND_SIGN_WEIGHTS = [1, -1, -1, 1, 1, 1, -1, -1, 1, -1, 1, 1, -1, 1, 1, -1];

/**
 * The expected outputs, written independently of conv.ts: the convolution as its definition,
 * out[oy][ox][o] = bias[o] + sum over (kh, kw, c) of x[oy + kh][ox + kw][c] * w[kh][kw][c][o],
 * on plain numbers (`x` the hand input's values, or its signs for BinaryNet).
 */
function handConv(weights: readonly number[], bias: readonly number[] = [0, 0], x: ArrayLike<number> = HAND_INPUT): number[] {
  const out: number[] = [];
  for (let oy = 0; oy < 2; oy++) {
    for (let ox = 0; ox < 2; ox++) {
      for (let o = 0; o < 2; o++) {
        let sum = bias[o];
        for (let kh = 0; kh < 2; kh++) {
          for (let kw = 0; kw < 2; kw++) {
            for (let c = 0; c < 2; c++) sum += x[((oy + kh) * 3 + ox + kw) * 2 + c] * weights[((kh * 2 + kw) * 2 + c) * 2 + o];
          }
        }
        out.push(sum);
      }
    }
  }
  return out;
}

/** LightNN weight values in units of 2^-7: s * sum_j 2^(7 - m_j), `k` exponents per weight. */
function lightnnValues(k: number, signs: readonly number[], m: readonly number[]): number[] {
  return signs.map((s, w) => s * m.slice(w * k, (w + 1) * k).reduce((sum, mj) => sum + 2 ** (7 - mj), 0));
}

describe('hand-worked 3x3x2 input, 2x2 kernel, 2 filters (output [oy][ox][filter])', () => {
  it('fixed-4: integer MAC', () => {
    // Output (0, 0), filter 0: window (0,0) (0,1) (1,0) (1,1), channels 0 and 1:
    // 1*1 + 0*-1 + 2*2 + 1*0 + 3*0 + 2*3 + 0*-2 + 3*1 = 14; handConv does all eight.
    const want = [14, 20, 8, -6, 2, -1, -5, 21];
    expect(handConv(HAND_FIXED)).toEqual(want);
    const layer = handLayer({ kind: 'fixed', bits: 4 }, packFixed(4, HAND_FIXED, 8, 2));
    expect(Array.from(conv2dReference(layer, HAND_INPUT, 1))).toEqual(want);
  });

  it('fixed-8 (one weight per byte) gives the same sums', () => {
    const layer = handLayer({ kind: 'fixed', bits: 8 }, packFixed(8, HAND_FIXED, 8, 2));
    expect(Array.from(conv2dReference(layer, HAND_INPUT, 1))).toEqual(handConv(HAND_FIXED));
  });

  it('LightNN-1: shifts in units of 2^-7', () => {
    // m per (kh, kw, c) and filter; weights s * 2^(7 - m):
    //   filter 0: +128 -32 +1 -4 +64 +16 -2 +8;  filter 1: +1 +16 -64 +128 +2 -32 +8 +4
    const m = [0, 7, 2, 3, 7, 1, 5, 0, 1, 6, 3, 2, 6, 4, 4, 5];
    const signs = [1, 1, -1, 1, 1, -1, -1, 1, 1, 1, 1, -1, -1, 1, 1, 1];
    const weights = lightnnValues(1, signs, m);
    expect(weights).toEqual([128, 1, -32, 16, 1, -64, -4, 128, 64, 2, 16, -32, -2, 8, 8, 4]);
    const layer = handLayer({ kind: 'lightnn', k: 1 }, packLightNN(1, signs, m, 8, 2));
    // Output (0, 0), filter 0: 1*128 + 0*-32 + 2*1 + 1*-4 + 3*64 + 2*16 + 0*-2 + 3*8 = 374
    const want = [374, -45, 266, 58, 450, 399, -21, 18];
    expect(handConv(weights)).toEqual(want);
    expect(Array.from(conv2dReference(layer, HAND_INPUT, 1))).toEqual(want);
  });

  it('LightNN-2 with bias: two shifts per weight', () => {
    // (m1, m2) pairs; filter 0 weights +256 -96 +3 -64 +129 +24 -8 +72,
    // filter 1 weights +2 +32 -192 +12 +128 -33 +130 +33; bias -100, +50.
    const m = [0, 0, 7, 7, 1, 2, 3, 3, 7, 6, 0, 1, 2, 2, 4, 5, 0, 7, 1, 1, 3, 4, 2, 7, 5, 5, 6, 0, 4, 1, 7, 2];
    const signs = [1, 1, -1, 1, 1, -1, -1, 1, 1, 1, 1, -1, -1, 1, 1, 1];
    const weights = lightnnValues(2, signs, m);
    expect(weights).toEqual([256, 2, -96, 32, 3, -192, -64, 12, 129, 128, 24, -33, -8, 130, 72, 33]);
    const layer = handLayer({ kind: 'lightnn', k: 2 }, packLightNN(2, signs, m, 8, 2), { bias: Int32Array.of(-100, 50) });
    // Output (0, 0), filter 0: 256 + 0 + 6 - 64 + 387 + 48 - 0 + 216 - 100 = 749
    const want = [749, 97, 316, 129, 558, 509, -136, 538];
    expect(handConv(weights, [-100, 50])).toEqual(want);
    expect(Array.from(conv2dReference(layer, HAND_INPUT, 1))).toEqual(want);
  });

  it('BinaryConnect: add or subtract', () => {
    const layer = handLayer({ kind: 'binaryconnect' }, packBinaryWeights(HAND_SIGN_WEIGHTS, 8, 2));
    // Output (0, 0), filter 0: +1 - 0 + 2 - 1 + 3 + 2 - 0 + 3 = 10
    const want = [10, -4, 2, 2, 0, -4, -2, 4];
    expect(handConv(HAND_SIGN_WEIGHTS)).toEqual(want);
    expect(Array.from(conv2dReference(layer, HAND_INPUT, 1))).toEqual(want);
  });

  it('BinaryNet: XNOR-popcount on sign bits, with bias', () => {
    const layer = handLayer({ kind: 'binarynet' }, packBinaryWeights(HAND_SIGN_WEIGHTS, 8, 2), {
      inputBits: 1,
      bias: Int32Array.of(1, -2),
    });
    // Output (0, 0), filter 0: activations + + | - + | + - | - + against weights + - | + - | + + | - +:
    // +1 -1 -1 -1 +1 -1 +1 +1 = 0, plus bias 1. XNOR-popcount is the +1/-1 product sum: handConv on the signs.
    const want = [3, -10, -5, 2, -1, -2, -1, 2];
    expect(handConv(HAND_SIGN_WEIGHTS, [1, -2], HAND_SIGNS)).toEqual(want);
    const input = packSignBits(HAND_SIGNS, 1, 18);
    expect(input.length).toBe(1);
    expect(Array.from(conv2dReference(layer, input, 1))).toEqual(want);
  });

  it('requant and sign output stages', () => {
    const weights = packFixed(4, HAND_FIXED, 8, 2);
    const acc = handConv(HAND_FIXED); // 14 20 8 -6 2 -1 -5 21
    // ReLU, (x + 2) >> 2, clamp to 3: 16>>2 = 4 -> 3, 22>>2 = 5 -> 3, 10>>2 = 2, 0, 4>>2 = 1, 0, 0, 23>>2 = 5 -> 3
    const want = [3, 3, 2, 0, 1, 0, 0, 3];
    expect(acc.map((a) => Math.min(3, (Math.max(a, 0) + 2) >> 2))).toEqual(want);
    const requant = handLayer({ kind: 'fixed', bits: 4 }, weights, { output: { kind: 'requant', rshift: 2, bits: 2 } });
    expect(Array.from(conv2dReference(requant, HAND_INPUT, 1))).toEqual(want);
    // acc >= 0 at elements 0, 1, 2, 4, 7 of the output image: bit i of the image's one word
    expect(acc.reduce((word, a, i) => (a >= 0 ? word | (1 << i) : word), 0)).toBe(0b10010111);
    const sign = handLayer({ kind: 'fixed', bits: 4 }, weights, { output: { kind: 'sign' } });
    expect(Array.from(conv2dReference(sign, HAND_INPUT, 1))).toEqual([0b10010111]);
  });

  it('a batch is each image on its own', () => {
    const layer = handLayer({ kind: 'fixed', bits: 4 }, packFixed(4, HAND_FIXED, 8, 2));
    const zeros = new Uint32Array(18);
    const batch = Uint32Array.from([...zeros, ...HAND_INPUT]);
    expect(Array.from(conv2dReference(layer, batch, 2))).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 14, 20, 8, -6, 2, -1, -5, 21]);
  });

  it('refuses inputs of the wrong length or too many bits', () => {
    const layer = handLayer({ kind: 'fixed', bits: 4 }, packFixed(4, HAND_FIXED, 8, 2));
    expect(() => conv2dReference(layer, HAND_INPUT, 2)).toThrow(/expected 36 input words/);
    expect(() => conv2dReference({ ...layer, inputBits: 1 }, HAND_INPUT, 1)).toThrow(/exceeds 1 bits/);
    expect(() => conv2dReference({ ...layer, kernel: 4 }, HAND_INPUT, 1)).toThrow(/does not fit/);
  });
});

// ---------------------------------------------------------------------------------------------

/** im2col: each output pixel's window in (kh, kw, c) order, one dense row per output pixel. */
function im2col(layer: QuantConv2dLayer, values: ArrayLike<number>, batch: number): number[] {
  const { inHeight: H, inWidth: W, inChannels: C, kernel: K } = layer;
  const { height: OH, width: OW } = convOutputShape(layer);
  const rows: number[] = [];
  for (let b = 0; b < batch; b++) {
    for (let oy = 0; oy < OH; oy++) {
      for (let ox = 0; ox < OW; ox++) {
        for (let kh = 0; kh < K; kh++) {
          for (let kw = 0; kw < K; kw++) {
            for (let c = 0; c < C; c++) rows.push(values[((b * H + oy + kh) * W + ox + kw) * C + c]);
          }
        }
      }
    }
  }
  return rows;
}

describe('conv = dense on im2col rows', () => {
  it('every format and output stage, random shapes', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ALL_KERNEL_FORMATS),
        fc.constantFrom<OutputStage['kind']>('logits', 'requant', 'sign', 'threshold'),
        fc.record({
          kernel: fc.integer({ min: 1, max: 4 }),
          extraH: fc.integer({ min: 0, max: 3 }),
          extraW: fc.integer({ min: 0, max: 3 }),
          inChannels: fc.integer({ min: 1, max: 12 }),
          filters: fc.integer({ min: 1, max: 6 }),
          batch: fc.integer({ min: 1, max: 3 }),
        }),
        fc.integer(),
        (format, outputKind, s, seed) => {
          const rng = mulberry32(seed);
          const layer = randomConvLayer(rng, {
            name: 'c',
            inHeight: s.kernel + s.extraH,
            inWidth: s.kernel + s.extraW,
            inChannels: s.inChannels,
            kernel: s.kernel,
            filters: s.filters,
            format,
            inputBits: 1 + Math.floor(rng() * 8),
            output: outputKind === 'requant' || outputKind === 'threshold' ? { kind: outputKind, bits: 1 + Math.floor(rng() * 8) } : outputKind,
          });
          const input = randomNetInput(rng, layer, s.batch);
          const got = conv2dReference(layer, input, s.batch);
          const { height: OH, width: OW } = convOutputShape(layer);
          const rows = s.batch * OH * OW;
          const dense = convAsDense(layer);
          const elements = layer.inHeight * layer.inWidth * layer.inChannels;
          const values = format.kind === 'binarynet' ? unpackSignBits(input, s.batch, elements) : input;
          const cols = im2col(layer, values, s.batch);
          const denseInput = format.kind === 'binarynet' ? packSignBits(cols, rows, dense.inputs) : Uint32Array.from(cols);
          if (outputKind !== 'sign') {
            // [b][oy][ox][filter] is the dense [row][unit] layout.
            expect(got).toEqual(denseReference(dense, denseInput));
          } else {
            // Dense packs sign bits per row; conv packs them per image.
            const acc = denseReference({ ...dense, output: { kind: 'logits' } }, denseInput);
            expect(got).toEqual(packSignBits(Array.from(acc, (a) => (a >= 0 ? 1 : -1)), s.batch, OH * OW * layer.filters));
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('kernel = input size: one output pixel is exactly a dense layer', () => {
    const rng = mulberry32(17);
    for (const format of ALL_KERNEL_FORMATS) {
      const layer = randomConvLayer(rng, {
        name: 'whole',
        inHeight: 5,
        inWidth: 5,
        inChannels: 3,
        kernel: 5,
        filters: 9,
        format,
        inputBits: 5,
        output: 'sign',
      });
      const input = randomNetInput(rng, layer, 4);
      expect(convInputWordsPerImage(layer)).toBe(format.kind === 'binarynet' ? 3 : 75);
      expect(conv2dReference(layer, input, 4)).toEqual(denseReference(convAsDense(layer), input));
    }
  });
});

// ---------------------------------------------------------------------------------------------

describe('max-pool', () => {
  const pool = (partial: Partial<QuantMaxPoolLayer>): QuantMaxPoolLayer => ({
    kind: 'maxpool',
    name: 'p',
    inHeight: 4,
    inWidth: 4,
    channels: 1,
    size: 2,
    input: { kind: 'unsigned', bits: 4 },
    ...partial,
  });

  it('unsigned 4x4 -> 2x2: max of each window', () => {
    const input = Uint32Array.of(1, 5, 2, 0, 3, 4, 7, 1, 0, 0, 9, 8, 6, 2, 3, 3);
    expect(Array.from(maxPoolReference(pool({}), input, 1))).toEqual([5, 7, 6, 9]);
  });

  it('odd sizes drop the last row and column; channels pool separately', () => {
    // 3x3x2: channel 0 = 1 0 9 / 2 3 9 / 9 9 9, channel 1 = 4 0 9 / 0 0 9 / 9 9 9
    const c0 = [1, 0, 9, 2, 3, 9, 9, 9, 9];
    const c1 = [4, 0, 9, 0, 0, 9, 9, 9, 9];
    const input = Uint32Array.from(c0.flatMap((v, i) => [v, c1[i]]));
    const layer = pool({ inHeight: 3, inWidth: 3, channels: 2 });
    expect(poolOutputShape(layer)).toEqual({ height: 1, width: 1, channels: 2 });
    expect(Array.from(maxPoolReference(layer, input, 1))).toEqual([3, 4]);
  });

  it('sign bits: max of +1/-1, i.e. the OR of the window', () => {
    // 2x2x2: channel 0 all -1 -> -1; channel 1 one +1 -> +1
    const values = [-1, -1, -1, 1, -1, -1, -1, -1];
    const layer = pool({ inHeight: 2, inWidth: 2, channels: 2, input: { kind: 'sign' } });
    expect(Array.from(maxPoolReference(layer, packSignBits(values, 1, 8), 1))).toEqual([0b10]);
  });

  it('sign pool equals the unsigned pool of the bits', () => {
    fc.assert(
      fc.property(
        fc.record({ inHeight: fc.integer({ min: 1, max: 9 }), inWidth: fc.integer({ min: 1, max: 9 }), channels: fc.integer({ min: 1, max: 70 }), size: fc.integer({ min: 1, max: 3 }) }),
        fc.integer(),
        (shape, seed) => {
          fc.pre(shape.size <= shape.inHeight && shape.size <= shape.inWidth);
          const rng = mulberry32(seed);
          const n = shape.inHeight * shape.inWidth * shape.channels;
          const signs = randomActivations(rng, { kind: 'sign' }, n, 2);
          const bits = Uint32Array.from(unpackSignBits(signs, 2, n), (v) => (v > 0 ? 1 : 0));
          const unsigned = maxPoolReference(pool({ ...shape, input: { kind: 'unsigned', bits: 1 } }), bits, 2);
          const signed = maxPoolReference(pool({ ...shape, input: { kind: 'sign' } }), signs, 2);
          const out = poolOutputShape(shape);
          expect(signed).toEqual(packSignBits(Array.from(unsigned, (b) => (b ? 1 : -1)), 2, out.height * out.width * shape.channels));
        },
      ),
    );
  });

  it('refuses bad shapes and wide activations', () => {
    expect(() => maxPoolReference(pool({ size: 5 }), new Uint32Array(16), 1)).toThrow(/does not fit/);
    expect(() => maxPoolReference(pool({}), new Uint32Array(16).fill(16), 1)).toThrow(/exceeds 4 bits/);
    expect(() => maxPoolReference(pool({}), new Uint32Array(15), 1)).toThrow(/expected 16/);
  });
});

// ---------------------------------------------------------------------------------------------

describe('overflow (fan-in = k * k * inC)', () => {
  const lightnn4: WeightFormat = { kind: 'lightnn', k: 4 };
  const make = (inChannels: number): QuantConv2dLayer => ({
    kind: 'conv2d',
    name: 'deep',
    inHeight: 4,
    inWidth: 4,
    inChannels,
    kernel: 4,
    filters: 1,
    format: lightnn4,
    inputBits: 8,
    weights: new Uint32Array(convPackedWeightWords(lightnn4, { kernel: 4, inChannels, filters: 1 })),
    bias: Int32Array.of(0),
    output: { kind: 'logits' },
  });

  it('bound = fan-in x max|a| x max|w| + |bias| (+ rounding)', () => {
    const layer = randomConvLayer(mulberry32(1), {
      name: 'conv2',
      ...LENET_CONV2,
      format: { kind: 'fixed', bits: 8 },
      inputBits: 8,
      output: { kind: 'requant', bits: 8, rshift: 6 },
    });
    const maxBias = maxOf(Array.from(layer.bias, Math.abs));
    expect(convHeadroom(layer).bound).toBe(500 * 255 * 127 + maxBias + 32);
  });

  it('the largest fan-in that fits passes; one more channel is refused with the layer and fan-in named', () => {
    // 16448 = floor((2^31 - 1) / (255 * 512)) = 4 * 4 * 1028
    expect(() => checkConvNoOverflow(make(1028))).not.toThrow();
    expect(() => checkConvNoOverflow(make(1029))).toThrow(/Conv layer "deep".*fan-in 4x4x1029 = 16464.*33 bits/);
    expect(() => conv2dReference(make(1029), new Uint32Array(16 * 1029), 1)).toThrow(/overflow/);
  });
});

// ---------------------------------------------------------------------------------------------

describe('LeNet chains', () => {
  const lenetSpec = {
    formats: [{ kind: 'lightnn', k: 2 }, { kind: 'fixed', bits: 4 }, { kind: 'binaryconnect' }, { kind: 'lightnn', k: 1 }],
    inputBits: 8,
    activations: 3,
  } as const;

  it('randomLenet has the shapes of models.ts lenet', () => {
    const layers = randomLenet(mulberry32(2), lenetSpec);
    const arch = architecture({ model: 'lenet' });
    expect(layers.map((l) => `${l.kind} ${l.name}`)).toEqual(arch.map((l) => `${l.kind} ${l.name}`));
    const states = validateNet(layers);
    expect(states.map((s) => ('flat' in s.shape ? s.shape.flat : `${s.shape.height}x${s.shape.width}x${s.shape.channels}`))).toEqual([
      '24x24x20',
      '12x12x20',
      '8x8x50',
      '4x4x50',
      800,
      500,
      10,
    ]);
    const conv2 = layers[2] as QuantConv2dLayer;
    expect(convFanIn(conv2)).toBe(500);
    expect(convOutputWordsPerImage(conv2)).toBe(8 * 8 * 50);
  });

  it('convNetReference composes the layers (flatten is a no-op)', () => {
    const rng = mulberry32(3);
    const layers = randomLenet(rng, { ...lenetSpec, inputBits: 4 });
    const batch = 2;
    const input = randomNetInput(rng, layers[0], batch);
    let x: Uint32Array | Int32Array = input;
    x = conv2dReference(layers[0] as QuantConv2dLayer, x as Uint32Array, batch);
    x = maxPoolReference(layers[1] as QuantMaxPoolLayer, x as Uint32Array, batch);
    x = conv2dReference(layers[2] as QuantConv2dLayer, x as Uint32Array, batch);
    x = maxPoolReference(layers[3] as QuantMaxPoolLayer, x as Uint32Array, batch);
    expect(x.length).toBe(batch * 800);
    x = denseReference(layers[5] as QuantNetLayer & { kind: 'dense' }, x as Uint32Array);
    x = denseReference(layers[6] as QuantNetLayer & { kind: 'dense' }, x as Uint32Array);
    expect(convNetReference(layers, input, batch)).toEqual(x);
    const withoutFlatten = layers.filter((l) => l.kind !== 'flatten');
    expect(convNetReference(withoutFlatten, input, batch)).toEqual(x);
  });

  it('sign activations: BinaryNet after the first layer, sign-bit pools', () => {
    const rng = mulberry32(4);
    const layers = randomLenet(rng, {
      formats: [{ kind: 'fixed', bits: 2 }, { kind: 'binarynet' }, { kind: 'binarynet' }, { kind: 'binarynet' }],
      inputBits: 8,
      activations: 'sign',
    });
    expect((layers[1] as QuantMaxPoolLayer).input).toEqual({ kind: 'sign' });
    const input = randomNetInput(rng, layers[0], 3);
    const logits = convNetReference(layers, input, 3);
    expect(logits.length).toBe(30);
    expect(() =>
      randomLenet(rng, { formats: [{ kind: 'fixed', bits: 2 }, { kind: 'fixed', bits: 2 }, { kind: 'binarynet' }, { kind: 'binarynet' }], inputBits: 8, activations: 'sign' }),
    ).toThrow(/gives sign bits but conv2d layer "conv2" \(fixed-2\) reads 1-bit unsigned/);
  });

  it('validation names the mismatch', () => {
    const layers = randomLenet(mulberry32(5), lenetSpec);
    const [conv1, pool1, conv2, pool2, flatten, fc1, output] = layers;
    expect(() => validateLenet(layers)).not.toThrow();
    expect(() => validateNet([conv1, { ...pool1, channels: 21 } as QuantMaxPoolLayer])).toThrow(/reads 24x24x21 but "conv1" gives 24x24x20/);
    expect(() => validateNet([conv1, { ...pool1, input: { kind: 'unsigned', bits: 8 } } as QuantMaxPoolLayer, conv2])).toThrow(
      /"conv1" gives 3-bit unsigned activations but maxpool layer "pool1" reads 8-bit/,
    );
    expect(() => validateNet([conv1, pool1, conv2, pool2, { ...flatten, size: 801 } as QuantNetLayer, fc1, output])).toThrow(
      /flatten layer "flatten" has size 801 but "pool2" gives 4x4x50/,
    );
    expect(() => validateNet([conv1, pool1])).toThrow(/last layer must return logits/);
    expect(() => validateLenet([conv1, pool1, conv2, fc1, output])).toThrow(/LeNet needs conv2d, maxpool/);
    const logitsConv = { ...(conv1 as QuantConv2dLayer), output: { kind: 'logits' } as const };
    expect(() => validateNet([logitsConv, pool1])).toThrow(/only the last layer returns logits/);
    expect(() => validateNet([logitsConv])).not.toThrow();
    const dense = denseNetLayer(randomDenseLayer(mulberry32(6), { name: 'fc', inputs: 799, units: 10, format: { kind: 'binaryconnect' }, inputBits: 3, output: 'logits' }));
    expect(() => validateNet([conv1, pool1, conv2, pool2, dense])).toThrow(/dense layer "fc" reads 799 values but "pool2" gives 4x4x50/);
  });
});

// ---------------------------------------------------------------------------------------------

describe('generated WGSL and dispatch', () => {
  const conv2 = (format: WeightFormat, output: OutputStage = { kind: 'requant', rshift: 4, bits: 2 }) => ({
    name: 'conv2',
    ...LENET_CONV2,
    format,
    inputBits: format.kind === 'binarynet' ? 1 : 4,
    output,
  });
  const options = { outputsPerThread: 4 as const, workgroup: { x: 16, y: 4 } };

  /** Term function and the kernel-row loop without comments: the per-product work. */
  function innerCode(wgsl: string): string {
    const term = wgsl.includes('fn term') ? wgsl.slice(wgsl.indexOf('fn term'), wgsl.indexOf('@compute')) : '';
    const loop = wgsl.slice(wgsl.indexOf('for (var kh'), wgsl.indexOf('ROW_STRIDE;\n  }'));
    return (term + loop).replace(/\/\/.*$/gm, '');
  }

  it.each<WeightFormat>([{ kind: 'lightnn', k: 1 }, { kind: 'lightnn', k: 4 }, { kind: 'binaryconnect' }])(
    '%o: shifts and adds only',
    (format) => {
      const code = innerCode(convShaderWgsl(conv2(format), options));
      expect(code).toContain('acc += term(');
      expect(code).not.toContain('*');
    },
  );

  it('row-aligned loops: 100 inputs per kernel row = 12 full words of 8 fields + a tail of 4 (LightNN-1)', () => {
    const wgsl = convShaderWgsl(conv2({ kind: 'lightnn', k: 1 }), options);
    expect(wgsl).toContain('for (var r = 0u; r < 12u; r++)');
    expect(wgsl).toContain('only 4 of its 8 fields are inputs');
    expect(wgsl).toContain('const ROW_STRIDE : u32 = 240u;');
  });

  it('BinaryNet: XOR and countOneBits on funnel-shifted activation bits, row tails masked', () => {
    const wgsl = convShaderWgsl(conv2({ kind: 'binarynet' }, { kind: 'sign' }), options);
    expect(wgsl).toContain('fn act_bits');
    expect(wgsl).toContain('countOneBits');
    // 100 bits per kernel row: 3 full words and 4 bits
    expect(wgsl).toContain('for (var r = 0u; r < 3u; r++)');
    expect(wgsl).toContain('& vec4<u32>(15u)');
    expect(wgsl).toContain('atomicOr');
    expect(innerCode(wgsl)).not.toContain('*');
  });

  describe('the tiled dense kernel over conv windows (what createConvKernel uses for every format but BinaryNet)', () => {
    const dense = (format: WeightFormat, output?: OutputStage) => ({ ...conv2(format, output), inputs: 500, units: 50 });
    const tiled = (format: WeightFormat, output?: OutputStage) =>
      denseShaderWgsl(dense(format, output), { outputsPerThread: 4, workgroup: { x: 16, y: 1 }, rowsPerThread: 4, tileInputs: 32, windows: conv2(format) });

    it.each<WeightFormat>([{ kind: 'lightnn', k: 1 }, { kind: 'lightnn', k: 2 }, { kind: 'binaryconnect' }])('%o: shifts and adds only', (format) => {
      const wgsl = tiled(format);
      // Rows are pixels: an image row is 12 * 20 inputs, a window row 5 * 20; 8 x 8 pixels per image.
      expect(wgsl).toContain('const ROW_STRIDE : u32 = 240u;');
      expect(wgsl).toContain('const WINDOW_ROW : u32 = 100u;');
      expect(wgsl).toContain('const PIXELS : u32 = 64u;');
      // The product work: the unrolled tile loop, without its comments and the window indexing.
      const loop = wgsl.slice(wgsl.indexOf('for (var c = 0u'), wgsl.indexOf('// Barriers are behind us'));
      const code = loop.replace(/\/\/.*$/gm, '').replace(/\(kk\d+ \/ WINDOW_ROW\) \* ROW_STRIDE/g, '');
      expect(code).toContain('kk0 += 32u;');
      expect(code).not.toContain('*');
    });

    it('refuses windows that do not match the layer, sign outputs and BinaryNet', () => {
      const options = { outputsPerThread: 4 as const, workgroup: { x: 16, y: 1 }, windows: conv2({ kind: 'lightnn', k: 1 }) };
      expect(() => denseShaderWgsl({ ...dense({ kind: 'lightnn', k: 1 }), inputs: 499 }, options)).toThrow(/conv windows of 500 inputs, but the layer has 499/);
      expect(() => denseShaderWgsl(dense({ kind: 'lightnn', k: 1 }, { kind: 'sign' }), options)).toThrow(/pack per image/);
      expect(() => denseShaderWgsl(dense({ kind: 'binarynet' }), options)).toThrow(/BinaryNet has no tiled kernel/);
    });
  });

  it('fixed-point multiplies and sign-extends', () => {
    const wgsl = convShaderWgsl(conv2({ kind: 'fixed', bits: 3 }), { ...options, outputsPerThread: 1 });
    expect(wgsl).toContain('>> u32(28u)');
    expect(wgsl).toContain('words << u32(24u)');
    expect(innerCode(wgsl)).toContain('*');
  });

  it('max-pool: max of S*S reads, or OR of funnel-shifted sign bits with a channel mask', () => {
    const unsigned = maxPoolShaderWgsl({ name: 'p', inHeight: 8, inWidth: 8, channels: 50, size: 2, input: { kind: 'unsigned', bits: 4 } }, { x: 64, y: 1 });
    expect(unsigned.match(/m = max\(m, act\[a \+ \d+u\]\);/g)).toHaveLength(3);
    expect(unsigned).toContain('act[a + 400u]'); // (dy = 1) * 8 * 50
    const sign = maxPoolShaderWgsl({ name: 'p', inHeight: 8, inWidth: 8, channels: 50, size: 2, input: { kind: 'sign' } }, { x: 2, y: 32 });
    expect(sign.match(/bits \|= act_bits/g)).toHaveLength(3);
    expect(sign).toContain('select(262143u, 0xffffffffu'); // 50 = 32 + 18 channels
    expect(sign).toContain('array<atomic<u32>>');
  });

  it('dispatch covers every (output pixel, filter group) of the batch', () => {
    fc.assert(
      fc.property(
        fc.record({
          batch: fc.integer({ min: 1, max: 200 }),
          side: fc.integer({ min: 1, max: 12 }),
          filters: fc.integer({ min: 1, max: 70 }),
          outputsPerThread: fc.constantFrom<OutputsPerThread>(1, 4),
          maxPerDimension: fc.integer({ min: 2, max: 70 }),
        }),
        ({ batch, side, filters, outputsPerThread, maxPerDimension }) => {
          const spec = { inHeight: side + 2, inWidth: side, kernel: 1, filters };
          const workgroup = chooseWorkgroupShape(filters, outputsPerThread);
          const rows = batch * convPixels(spec);
          const rowBlocks = Math.ceil(rows / workgroup.y);
          fc.pre(rowBlocks <= maxPerDimension ** 2 && Math.ceil(Math.ceil(filters / outputsPerThread) / workgroup.x) <= maxPerDimension);
          const [x, y, z] = convDispatch(spec, batch, { outputsPerThread, workgroup }, maxPerDimension);
          expect(x * workgroup.x * outputsPerThread).toBeGreaterThanOrEqual(filters);
          expect(y * z * workgroup.y).toBeGreaterThanOrEqual(rows);
          expect((z - 1) * y).toBeLessThan(rowBlocks);
        },
      ),
    );
    const [x, y, z] = poolDispatch({ name: 'p', inHeight: 24, inWidth: 24, channels: 20, size: 2, input: { kind: 'sign' } }, 64, { x: 1, y: 64 });
    expect([x, y, z]).toEqual([1, 144, 1]); // one 32-channel chunk per pixel, 64 * 144 pixels
    expect(() => convDispatch({ inHeight: 3, inWidth: 3, kernel: 1, filters: 1 }, 0, options)).toThrow(/batch/);
  });
});
