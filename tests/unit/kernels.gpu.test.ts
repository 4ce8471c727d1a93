/**
 * The WGSL dense kernels against the CPU reference, bit for bit, on a real WebGPU device from
 * the `webgpu` npm package (Dawn in Node).
 *
 * The device comes from src/cli/webgpuNode.ts (Dawn on SwiftShader here, with no extra
 * environment once Debian chromium is installed). With no adapter at all the suite is skipped
 * and the reason printed.
 */
import { describe, expect, it } from 'vitest';
import { randomDenseLayer, randomLayerInput, type RandomLayerSpec } from '../../src/core/kernels/random';
import {
  denseReference,
  formatName,
  mlpReference,
  packedWeightWords,
  weightValues,
  weightsPerWord,
  type QuantDenseLayer,
  type WeightFormat,
} from '../../src/core/kernels/reference';
import { createDenseKernel, type DenseKernelOptions } from '../../src/gpu/kernels';
import { deriveSeed, mulberry32 } from '../../src/core/rng';
import { testDevice } from '../helpers/gpuDevice';
import { EXTRA_GPU_FORMATS, MATRIX_GPU_FORMATS, matrixCell } from '../helpers/kernelCases';
import { difference, distinctValues, runBatchesInOneSubmit, runOnce, withNetworkRunner } from '../helpers/kernelRuns';

const gpu = await testDevice('kernels.gpu');

async function runOnGpu(
  device: GPUDevice,
  layer: QuantDenseLayer,
  input: Uint32Array,
  batch: number,
  options: DenseKernelOptions,
): Promise<Uint32Array | Int32Array> {
  return runOnce(device, await createDenseKernel(device, layer, options), input, batch, layer.output.kind === 'logits');
}

/** (batch, inputs, units): single element, odd sizes, MNIST's first layer, over-a-workgroup widths. */
const SHAPES: [number, number, number][] = [
  [1, 1, 1],
  [7, 33, 10],
  [64, 784, 100],
  [3, 100, 10],
  [130, 300, 257],
  [2, 4096, 33],
];

/**
 * Layers aimed at what a shader does besides multiplying and adding, each run with every output
 * stage: fixed-point fields sign-extended out of packed words whose last word holds fewer inputs
 * than fields (9 inputs, 8 fields a word: 1 input in the last); the same for LightNN-2 and for
 * BinaryNet's sign bits (33 inputs: 1 of 4 fields, 1 of 32 bits); requantization with a rounding
 * shift and a clamp (>> 4, half up, to 2 bits); sign outputs, 45 units to a row: a full word and
 * 13 bits of the next, each word ORed together by several threads.
 */
const STAGE_CASES: { title: string; format: WeightFormat; inputs: number; inputBits: number }[] = [
  { title: 'fixed-3, 9 inputs', format: { kind: 'fixed', bits: 3 }, inputs: 9, inputBits: 4 },
  { title: 'LightNN-2, 33 inputs', format: { kind: 'lightnn', k: 2 }, inputs: 33, inputBits: 1 },
  { title: 'BinaryNet, 33 inputs', format: { kind: 'binarynet' }, inputs: 33, inputBits: 1 },
];
const STAGE_OUTPUTS: RandomLayerSpec['output'][] = ['logits', { kind: 'requant', bits: 2, rshift: 4 }, 'sign'];
const STAGE_UNITS = 45;
const STAGE_BATCH = 64;

function stageCase(caseIndex: number, outputIndex: number): { layer: QuantDenseLayer; input: Uint32Array } {
  const { title, format, inputs, inputBits } = STAGE_CASES[caseIndex];
  const rng = mulberry32(deriveSeed(2025, caseIndex, outputIndex));
  const layer = randomDenseLayer(rng, { name: title, inputs, units: STAGE_UNITS, format, inputBits, output: STAGE_OUTPUTS[outputIndex] });
  return { layer, input: randomLayerInput(rng, layer, STAGE_BATCH) };
}

const stageTitle = (output: RandomLayerSpec['output']): string =>
  typeof output === 'string' ? output : output.kind === 'threshold' ? `threshold, ${output.bits} bits` : `requant >> ${output.rshift} to ${output.bits} bits`;

describe('the output-stage cases are not vacuous', () => {
  it('fixed-3: negative weights in the partial last word; requant meets rounding ties, zeros and the clamp', () => {
    const { layer, input } = stageCase(0, 1);
    expect(layer.inputs % weightsPerWord(layer.format)).toBe(1);
    const lastRow = weightValues(layer).subarray((layer.inputs - 1) * layer.units);
    expect(lastRow.some((w) => w < 0)).toBe(true);
    const acc = denseReference({ ...layer, output: { kind: 'logits' } }, input);
    // (acc + 8) >> 4: ties at 8, 24, 40 (below the clamp at 3, i.e. acc >= 56).
    expect(Array.from(acc).filter((a) => a > 0 && a < 56 && a % 16 === 8).length).toBeGreaterThan(0);
    expect(new Set(denseReference(layer, input))).toEqual(new Set([0, 1, 2, 3]));
  });

  it('sign outputs set and clear bits in both words of a row', () => {
    for (let caseIndex = 0; caseIndex < STAGE_CASES.length; caseIndex++) {
      const { layer, input } = stageCase(caseIndex, 2);
      const words = denseReference(layer, input);
      expect(words.length).toBe(STAGE_BATCH * 2);
      expect(distinctValues(words.filter((_, i) => i % 2 === 0))).toBeGreaterThan(1);
      expect(distinctValues(words.filter((_, i) => i % 2 === 1))).toBeGreaterThan(1);
    }
  });
});

describe.skipIf(!gpu.device)('dense kernels on WebGPU match the CPU reference bit for bit', () => {
  const device = gpu.device as GPUDevice;

  MATRIX_GPU_FORMATS.forEach((format, formatIndex) => {
    describe(formatName(format), () => {
      SHAPES.forEach(([batch, inputs, units], shapeIndex) => {
        for (const outputsPerThread of [1, 4] as const) {
          const { outputKind, inputBits, output } = matrixCell(formatIndex, shapeIndex, formatIndex + shapeIndex + outputsPerThread);
          const title = `${batch}x${inputs}x${units}, ${outputKind}, ${inputBits}-bit inputs, ${outputsPerThread} per thread`;
          it(title, async () => {
            const rng = mulberry32(deriveSeed(2024, formatIndex, shapeIndex, outputsPerThread));
            const layer = randomDenseLayer(rng, { name: `${formatName(format)} ${title}`, inputs, units, format, inputBits, output });
            const input = randomLayerInput(rng, layer, batch);
            const got = await runOnGpu(device, layer, input, batch, { outputsPerThread });
            expect(difference(got, denseReference(layer, input))).toBe('');
          });
        }
      });
    });
  });

  describe('partial last words, requant rounding and clamp, sign bits shared by threads', () => {
    STAGE_CASES.forEach(({ title }, caseIndex) => {
      STAGE_OUTPUTS.forEach((output, outputIndex) => {
        for (const outputsPerThread of [1, 4] as const) {
          it(`${title}, ${stageTitle(output)}, ${outputsPerThread} per thread`, async () => {
            const { layer, input } = stageCase(caseIndex, outputIndex);
            const want = denseReference(layer, input);
            expect(distinctValues(want)).toBeGreaterThan(1);
            expect(difference(await runOnGpu(device, layer, input, STAGE_BATCH, { outputsPerThread }), want)).toBe('');
          });
        }
      });
    });
  });

  it('BinaryNet ignores the bits past its last input in each row of sign words, as the reference does', async () => {
    const rng = mulberry32(33);
    const layer = randomDenseLayer(rng, { name: 'tail', inputs: 33, units: STAGE_UNITS, format: { kind: 'binarynet' }, inputBits: 1, output: 'logits' });
    const clean = randomLayerInput(rng, layer, STAGE_BATCH);
    // 33 inputs: 2 words a row, the second holding 1 input and 31 unused bits, here set at random.
    const dirty = clean.map((word, i) => (i % 2 === 1 ? (word | (Math.floor(rng() * 2 ** 32) & ~1)) >>> 0 : word));
    const want = denseReference(layer, clean);
    expect(denseReference(layer, dirty)).toEqual(want);
    for (const outputsPerThread of [1, 4] as const) {
      expect(difference(await runOnGpu(device, layer, dirty, STAGE_BATCH, { outputsPerThread }), want), `${outputsPerThread} per thread`).toBe('');
    }
  });

  it('LightNN-4 and fixed-3/6 (formats outside the main matrix)', async () => {
    const rng = mulberry32(99);
    for (const format of EXTRA_GPU_FORMATS) {
      const layer = randomDenseLayer(rng, { name: formatName(format), inputs: 301, units: 67, format, inputBits: 8, output: 'logits' });
      const input = randomLayerInput(rng, layer, 5);
      expect(difference(await runOnGpu(device, layer, input, 5, {}), denseReference(layer, input)), formatName(format)).toBe('');
    }
  });

  it('workgroup sizes 32 and 256, and rows spilling into the z dimension', async () => {
    const rng = mulberry32(5);
    const layer = randomDenseLayer(rng, { name: 'wg', inputs: 50, units: 10, format: { kind: 'lightnn', k: 1 }, inputBits: 4, output: { kind: 'requant', bits: 4 } });
    const input = randomLayerInput(rng, layer, 130);
    const want = denseReference(layer, input);
    for (const options of [
      { invocationsPerWorkgroup: 32 },
      { invocationsPerWorkgroup: 256 },
      { invocationsPerWorkgroup: 32, outputsPerThread: 1, maxWorkgroupsPerDimension: 9 },
    ] satisfies DenseKernelOptions[]) {
      expect(difference(await runOnGpu(device, layer, input, 130, options), want), JSON.stringify(options)).toBe('');
    }
  });

  it('one kernel, several batch sizes in one command buffer (batch comes from the bound output)', async () => {
    const rng = mulberry32(11);
    const layer = randomDenseLayer(rng, { name: 'multi', inputs: 70, units: 45, format: { kind: 'binaryconnect' }, inputBits: 3, output: 'sign' });
    const batches = [5, 1, 17];
    const inputs = batches.map((batch) => randomLayerInput(rng, layer, batch));
    const outputs = await runBatchesInOneSubmit(device, await createDenseKernel(device, layer), inputs, batches);
    outputs.forEach((got, i) => expect(difference(got, denseReference(layer, inputs[i])), `batch ${batches[i]}`).toBe(''));
  });

  describe('whole MLPs stay on the GPU and return logits', () => {
    const cases: { title: string; batch: number; layers: RandomLayerSpec[] }[] = [
      {
        title: 'LightNN-2 784-100-10, 2-bit activations',
        batch: 64,
        layers: [
          { name: 'hidden1', inputs: 784, units: 100, format: { kind: 'lightnn', k: 2 }, inputBits: 8, output: { kind: 'requant', bits: 2 } },
          { name: 'output', inputs: 100, units: 10, format: { kind: 'lightnn', k: 2 }, inputBits: 2, output: 'logits' },
        ],
      },
      {
        title: 'BinaryNet 784-100-33-10 (BinaryConnect first layer, sign activations)',
        batch: 37,
        layers: [
          { name: 'hidden1', inputs: 784, units: 100, format: { kind: 'binaryconnect' }, inputBits: 8, output: 'sign' },
          { name: 'hidden2', inputs: 100, units: 33, format: { kind: 'binarynet' }, inputBits: 1, output: 'sign' },
          { name: 'output', inputs: 33, units: 10, format: { kind: 'binarynet' }, inputBits: 1, output: 'logits' },
        ],
      },
      {
        title: 'fixed-4 300-257-33-10, 8/3-bit activations',
        batch: 130,
        layers: [
          { name: 'hidden1', inputs: 300, units: 257, format: { kind: 'fixed', bits: 4 }, inputBits: 8, output: { kind: 'requant', bits: 8 } },
          { name: 'hidden2', inputs: 257, units: 33, format: { kind: 'fixed', bits: 4 }, inputBits: 8, output: { kind: 'requant', bits: 3 } },
          { name: 'output', inputs: 33, units: 10, format: { kind: 'fixed', bits: 4 }, inputBits: 3, output: 'logits' },
        ],
      },
    ];
    cases.forEach(({ title, batch, layers: specs }, caseIndex) => {
      // The BinaryNet case also runs in chunks of 16 rows, as batches too big for one binding do.
      const options: DenseKernelOptions = caseIndex === 1 ? { maxBatch: 16 } : {};
      it(`${title}${options.maxBatch ? ', in chunks of 16 rows' : ''}`, async () => {
        const rng = mulberry32(deriveSeed(77, caseIndex));
        const layers = specs.map((spec) => randomDenseLayer(rng, spec));
        const input = randomLayerInput(rng, layers[0], batch);
        const logits = await withNetworkRunner(device, layers, options, (runner) => runner.run(input, batch));
        expect(logits.length).toBe(batch * 10);
        expect(difference(logits, mlpReference(layers, input))).toBe('');
      });
    });
  });

  it('refuses a layer whose accumulator could overflow, naming it', async () => {
    const format: WeightFormat = { kind: 'lightnn', k: 4 };
    const layer: QuantDenseLayer = {
      name: 'too-wide',
      inputs: 20000,
      units: 1,
      format,
      inputBits: 8,
      weights: new Uint32Array(packedWeightWords(format, 20000, 1)),
      bias: Int32Array.of(0),
      output: { kind: 'logits' },
    };
    await expect(createDenseKernel(device, layer)).rejects.toThrow(/Layer "too-wide".*bits/);
  });

  it('refuses an input buffer smaller than the batch', async () => {
    const layer = randomDenseLayer(mulberry32(3), { name: 'small', inputs: 10, units: 3, format: { kind: 'fixed', bits: 8 }, inputBits: 8, output: 'logits' });
    const kernel = await createDenseKernel(device, layer);
    await expect(runOnce(device, kernel, new Uint32Array(10), 2, true)).rejects.toThrow(/batch 2 needs 80/);
  });
});
