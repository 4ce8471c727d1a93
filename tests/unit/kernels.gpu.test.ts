/**
 * The WGSL dense kernels against the CPU reference, bit for bit, on a real WebGPU device from
 * the `webgpu` npm package (Dawn in Node).
 *
 * The device comes from tests/helpers/webgpuNode.ts (Dawn on SwiftShader here, with no extra
 * environment once Debian chromium is installed). With no adapter at all the suite is skipped
 * and the reason printed.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { randomDenseLayer, randomLayerInput, type RandomLayerSpec } from '../../src/core/kernels/random';
import {
  denseReference,
  formatName,
  mlpReference,
  packedWeightWords,
  type QuantDenseLayer,
  type WeightFormat,
} from '../../src/core/kernels/reference';
import { readBuffer, uploadWords } from '../../src/gpu/buffers';
import { createDenseKernel, type DenseKernelOptions } from '../../src/gpu/kernels';
import { createNetworkRunner } from '../../src/gpu/network';
import { deriveSeed, mulberry32 } from '../../src/core/rng';
import { acquireDevice } from '../helpers/webgpuNode';


const gpu = await acquireDevice('kernels.gpu');
if (gpu.device) console.info(`[kernels.gpu] adapter: ${gpu.description}`);
else console.warn(`[kernels.gpu] SKIPPED: ${gpu.description}`);

afterAll(() => gpu.device?.destroy());

/** '' when equal, else where and how the arrays first differ. */
function difference(got: ArrayLike<number>, want: ArrayLike<number>): string {
  if (got.length !== want.length) return `length ${got.length} != ${want.length}`;
  let count = 0;
  let first = -1;
  for (let i = 0; i < want.length; i++) {
    if (got[i] !== want[i]) {
      count++;
      if (first < 0) first = i;
    }
  }
  return count === 0 ? '' : `${count} of ${want.length} differ, first at ${first}: got ${got[first]}, want ${want[first]}`;
}

async function runOnGpu(
  device: GPUDevice,
  layer: QuantDenseLayer,
  input: Uint32Array,
  batch: number,
  options: DenseKernelOptions,
): Promise<Uint32Array | Int32Array> {
  const kernel = await createDenseKernel(device, layer, options);
  const inputBuffer = uploadWords(device, input);
  const output = kernel.run(inputBuffer, batch);
  const bytes = await readBuffer(device, output, kernel.outputBytes(batch));
  inputBuffer.destroy();
  output.destroy();
  kernel.destroy();
  return layer.output.kind === 'logits' ? new Int32Array(bytes) : new Uint32Array(bytes);
}

const FORMATS: WeightFormat[] = [
  { kind: 'lightnn', k: 1 },
  { kind: 'lightnn', k: 2 },
  { kind: 'lightnn', k: 3 },
  { kind: 'fixed', bits: 2 },
  { kind: 'fixed', bits: 4 },
  { kind: 'fixed', bits: 8 },
  { kind: 'binaryconnect' },
  { kind: 'binarynet' },
];

/** (batch, inputs, units): single element, odd sizes, MNIST's first layer, over-a-workgroup widths. */
const SHAPES: [number, number, number][] = [
  [1, 1, 1],
  [7, 33, 10],
  [64, 784, 100],
  [3, 100, 10],
  [130, 300, 257],
  [2, 4096, 33],
];

const OUTPUTS = ['logits', 'requant', 'sign'] as const;

describe.skipIf(!gpu.device)('dense kernels on WebGPU match the CPU reference bit for bit', () => {
  const device = gpu.device as GPUDevice;

  FORMATS.forEach((format, formatIndex) => {
    describe(formatName(format), () => {
      SHAPES.forEach(([batch, inputs, units], shapeIndex) => {
        for (const outputsPerThread of [1, 4] as const) {
          // Cycle output stages and activation bits so each format meets all of them.
          const outputKind = OUTPUTS[(formatIndex + shapeIndex + outputsPerThread) % 3];
          const inputBits = 1 + ((formatIndex * 3 + shapeIndex) % 8);
          const outBits = 1 + ((formatIndex + shapeIndex * 5) % 8);
          const title = `${batch}x${inputs}x${units}, ${outputKind}, ${inputBits}-bit inputs, ${outputsPerThread} per thread`;
          it(title, async () => {
            const rng = mulberry32(deriveSeed(2024, formatIndex, shapeIndex, outputsPerThread));
            const spec: RandomLayerSpec = {
              name: `${formatName(format)} ${title}`,
              inputs,
              units,
              format,
              inputBits,
              output: outputKind === 'requant' ? { kind: 'requant', bits: outBits } : outputKind,
            };
            const layer = randomDenseLayer(rng, spec);
            const input = randomLayerInput(rng, layer, batch);
            const got = await runOnGpu(device, layer, input, batch, { outputsPerThread });
            expect(difference(got, denseReference(layer, input))).toBe('');
          });
        }
      });
    });
  });

  it('LightNN-4 and fixed-3/6 (formats outside the main matrix)', async () => {
    const rng = mulberry32(99);
    for (const format of [{ kind: 'lightnn', k: 4 }, { kind: 'fixed', bits: 3 }, { kind: 'fixed', bits: 6 }] as WeightFormat[]) {
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
    const kernel = await createDenseKernel(device, layer);
    const batches = [5, 1, 17];
    const inputs = batches.map((batch) => randomLayerInput(rng, layer, batch));
    const encoder = device.createCommandEncoder();
    const buffers = batches.map((batch, i) => {
      const input = uploadWords(device, inputs[i]);
      const output = kernel.createOutputBuffer(batch);
      kernel.encode(encoder, input, batch, output);
      return { input, output };
    });
    device.queue.submit([encoder.finish()]);
    for (let i = 0; i < batches.length; i++) {
      const got = new Uint32Array(await readBuffer(device, buffers[i].output, kernel.outputBytes(batches[i])));
      expect(difference(got, denseReference(layer, inputs[i])), `batch ${batches[i]}`).toBe('');
      buffers[i].input.destroy();
      buffers[i].output.destroy();
    }
    kernel.destroy();
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
        const runner = await createNetworkRunner(device, layers, options);
        try {
          const logits = await runner.run(input, batch);
          expect(logits.length).toBe(batch * 10);
          expect(difference(logits, mlpReference(layers, input))).toBe('');
        } finally {
          runner.destroy();
        }
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
    const input = uploadWords(device, new Uint32Array(10));
    expect(() => kernel.run(input, 2)).toThrow(/batch 2 needs 80/);
    input.destroy();
    kernel.destroy();
  });
});
