/**
 * The WGSL conv, max-pool and LeNet kernels against the CPU reference (conv.ts), bit for bit, on
 * a real WebGPU device from the `webgpu` npm package (Dawn in Node). Device lookup as in
 * kernels.gpu.test.ts (SwiftShader from Debian's chromium when there is no other Vulkan driver);
 * with no adapter at all the suite is skipped and the reason printed.
 *
 * CONV_BENCH=1 adds a timing of LeNet's conv2 (12x12x20 -> 8x8x50) per format at batch 64.
 */
import { describe, expect, it } from 'vitest';
import {
  conv2dReference,
  convNetReference,
  convOutputWordsPerImage,
  maxPoolReference,
  convPackedWeightWords,
  poolOutputWordsPerImage,
  randomActivations,
  randomConvLayer,
  randomLenet,
  randomNetInput,
  type ConvShape,
  type QuantConv2dLayer,
  type QuantMaxPoolLayer,
  type RandomLenetSpec,
} from '../../src/core/kernels/conv';
import { convUsesTiles, createConvKernel, createMaxPoolKernel, type ConvKernelOptions } from '../../src/gpu/kernels';
import { formatName, type WeightFormat } from '../../src/core/kernels/reference';
import { readBuffer, uploadWords } from '../../src/gpu/buffers';
import { deriveSeed, mulberry32 } from '../../src/core/rng';
import { testDevice } from '../helpers/gpuDevice';
import { EXTRA_GPU_FORMATS, LENET_CONV1, LENET_CONV2, MATRIX_GPU_FORMATS, matrixCell } from '../helpers/kernelCases';
import { difference, distinctValues, runBatchesInOneSubmit, runOnce, withNetworkRunner } from '../helpers/kernelRuns';

const gpu = await testDevice('kernels.conv.gpu');

/** Formats each conv kernel ran in (through runConv), checked by the last test. */
const convKernelsRun = { tiled: new Set<string>(), direct: new Set<string>() };

async function runConv(
  device: GPUDevice,
  layer: QuantConv2dLayer,
  input: Uint32Array,
  batch: number,
  options: ConvKernelOptions,
): Promise<Uint32Array | Int32Array> {
  const kernel = await createConvKernel(device, layer, options);
  expect(kernel.outputWordsPerRow).toBe(convOutputWordsPerImage(layer));
  // Which kernel ran: the tiled one over the windows or the direct one (both are checked here).
  expect(kernel.wgsl.includes('WINDOW_ROW')).toBe(convUsesTiles(layer));
  convKernelsRun[convUsesTiles(layer) ? 'tiled' : 'direct'].add(formatName(layer.format));
  return runOnce(device, kernel, input, batch, layer.output.kind === 'logits');
}

async function runPool(device: GPUDevice, layer: QuantMaxPoolLayer, input: Uint32Array, batch: number): Promise<Uint32Array> {
  const kernel = await createMaxPoolKernel(device, layer);
  expect(kernel.outputWordsPerRow).toBe(poolOutputWordsPerImage(layer));
  return (await runOnce(device, kernel, input, batch, false)) as Uint32Array;
}

const SHAPES: (Omit<ConvShape, 'name'> & { title: string; batch: number })[] = [
  { title: 'LeNet conv1', batch: 1, ...LENET_CONV1 },
  { title: 'LeNet conv1', batch: 7, ...LENET_CONV1 },
  { title: 'LeNet conv2', batch: 1, ...LENET_CONV2 },
  { title: 'LeNet conv2', batch: 7, ...LENET_CONV2 },
  { title: 'odd sizes', batch: 3, inHeight: 9, inWidth: 7, inChannels: 5, kernel: 3, filters: 3 },
  { title: 'tiny', batch: 2, inHeight: 3, inWidth: 3, inChannels: 2, kernel: 2, filters: 2 },
  { title: '1x1 kernel', batch: 2, inHeight: 4, inWidth: 5, inChannels: 33, kernel: 1, filters: 37 },
  { title: 'kernel = input, wide', batch: 70, inHeight: 5, inWidth: 5, inChannels: 3, kernel: 5, filters: 70 },
  { title: 'rows of 120 inputs', batch: 2, inHeight: 6, inWidth: 7, inChannels: 40, kernel: 3, filters: 9 },
  // A CIFAR-10 image (32x32, 3 colour channels) into cifar3conv's first width (its 'same' padding is not on the kernels).
  { title: 'colour input, 32x32x3', batch: 2, inHeight: 32, inWidth: 32, inChannels: 3, kernel: 3, filters: 21 },
];

describe.skipIf(!gpu.device)('conv, max-pool and LeNet kernels on WebGPU match the CPU reference bit for bit', () => {
  const device = gpu.device as GPUDevice;

  MATRIX_GPU_FORMATS.forEach((format, formatIndex) => {
    describe(`conv ${formatName(format)}`, () => {
      SHAPES.forEach((shape, shapeIndex) => {
        const outputsPerThread = (formatIndex + shapeIndex) % 2 === 0 ? 4 : 1;
        const { outputKind, inputBits, output } = matrixCell(formatIndex, shapeIndex, formatIndex + shapeIndex);
        const { title: shapeTitle, batch, ...convShape } = shape;
        const { inHeight, inWidth, inChannels, kernel, filters } = convShape;
        const title =
          `${shapeTitle}: ${batch}x${inHeight}x${inWidth}x${inChannels}, ${kernel}x${kernel} -> ${filters}, ` +
          `${outputKind}, ${inputBits}-bit inputs, ${outputsPerThread} per thread`;
        it(title, async () => {
          const rng = mulberry32(deriveSeed(4242, formatIndex, shapeIndex));
          const layer = randomConvLayer(rng, { name: `${formatName(format)} ${shapeTitle}`, ...convShape, format, inputBits, output });
          const input = randomNetInput(rng, layer, batch);
          const want = conv2dReference(layer, input, batch);
          if (want.length > 2) expect(distinctValues(want)).toBeGreaterThan(1);
          const got = await runConv(device, layer, input, batch, { outputsPerThread });
          expect(difference(got, want)).toBe('');
        });
      });
    });
  });

  it('LightNN-4 and fixed-3/6 on LeNet conv2 shapes (formats outside the main matrix)', async () => {
    const rng = mulberry32(98);
    for (const format of EXTRA_GPU_FORMATS) {
      const layer = randomConvLayer(rng, { name: formatName(format), ...LENET_CONV2, format, inputBits: 8, output: { kind: 'requant', bits: 4 } });
      const input = randomNetInput(rng, layer, 2);
      expect(difference(await runConv(device, layer, input, 2, {}), conv2dReference(layer, input, 2)), formatName(format)).toBe('');
    }
  });

  it('workgroup sizes 32 and 256, and output pixels spilling into the z dimension', async () => {
    const rng = mulberry32(6);
    const shape = { inHeight: 9, inWidth: 7, inChannels: 5, kernel: 3, filters: 3 };
    const layer = randomConvLayer(rng, { name: 'wg', ...shape, format: { kind: 'binarynet' }, inputBits: 1, output: 'sign' });
    const batch = 9;
    const input = randomNetInput(rng, layer, batch);
    const want = conv2dReference(layer, input, batch);
    for (const options of [
      { invocationsPerWorkgroup: 32 },
      { invocationsPerWorkgroup: 256 },
      { invocationsPerWorkgroup: 32, outputsPerThread: 1, maxWorkgroupsPerDimension: 7 },
    ] satisfies ConvKernelOptions[]) {
      expect(difference(await runConv(device, layer, input, batch, options), want), JSON.stringify(options)).toBe('');
    }
  });

  describe('max-pool', () => {
    const cases: { title: string; layer: Omit<QuantMaxPoolLayer, 'kind' | 'name' | 'input'>; batch: number }[] = [
      { title: 'LeNet pool1', layer: { inHeight: 24, inWidth: 24, channels: 20, size: 2 }, batch: 7 },
      { title: 'LeNet pool2', layer: { inHeight: 8, inWidth: 8, channels: 50, size: 2 }, batch: 7 },
      { title: 'LeNet pool2', layer: { inHeight: 8, inWidth: 8, channels: 50, size: 2 }, batch: 1 },
      { title: 'odd sizes (last row and column dropped)', layer: { inHeight: 9, inWidth: 7, channels: 5, size: 2 }, batch: 3 },
      { title: '3x3 windows, 33 channels', layer: { inHeight: 7, inWidth: 8, channels: 33, size: 3 }, batch: 2 },
      { title: '64 channels (whole words)', layer: { inHeight: 4, inWidth: 6, channels: 64, size: 2 }, batch: 2 },
      { title: 'one channel', layer: { inHeight: 3, inWidth: 3, channels: 1, size: 2 }, batch: 5 },
    ];
    cases.forEach(({ title, layer: shape, batch }, caseIndex) => {
      for (const input of [{ kind: 'unsigned', bits: 1 + ((caseIndex * 3) % 8) }, { kind: 'sign' }] as const) {
        const encoding = input.kind === 'sign' ? 'sign bits' : `${input.bits}-bit`;
        it(`${title}: ${batch}x${shape.inHeight}x${shape.inWidth}x${shape.channels}, ${shape.size}x${shape.size}, ${encoding}`, async () => {
          const rng = mulberry32(deriveSeed(31, caseIndex, input.kind === 'sign' ? 1 : 0));
          const layer: QuantMaxPoolLayer = { kind: 'maxpool', name: title, ...shape, input };
          const x = randomActivations(rng, input, shape.inHeight * shape.inWidth * shape.channels, batch);
          const want = maxPoolReference(layer, x, batch);
          if (want.length > 2) expect(distinctValues(want)).toBeGreaterThan(1);
          expect(difference(await runPool(device, layer, x, batch), want)).toBe('');
        });
      }
    });
  });

  describe('whole LeNet (random weights) stays on the GPU and returns logits', () => {
    const cases: { title: string; batch: number; spec: RandomLenetSpec; options?: ConvKernelOptions }[] = [
      {
        title: 'LightNN-2, 8-bit pixels, 4-bit activations',
        batch: 7,
        spec: { formats: [{ kind: 'lightnn', k: 2 }, { kind: 'lightnn', k: 2 }, { kind: 'lightnn', k: 2 }, { kind: 'lightnn', k: 2 }], inputBits: 8, activations: 4 },
      },
      {
        title: 'fixed-4, 8-bit activations, batch 1',
        batch: 1,
        spec: { formats: [{ kind: 'fixed', bits: 4 }, { kind: 'fixed', bits: 4 }, { kind: 'fixed', bits: 4 }, { kind: 'fixed', bits: 4 }], inputBits: 8, activations: 8 },
      },
      {
        title: 'BinaryConnect conv1, then sign activations and BinaryNet',
        batch: 7,
        spec: { formats: [{ kind: 'binaryconnect' }, { kind: 'binarynet' }, { kind: 'binarynet' }, { kind: 'binarynet' }], inputBits: 8, activations: 'sign' },
      },
      {
        title: 'mixed formats, 2-bit activations, no flatten layer, in chunks of 5 images',
        batch: 13,
        spec: {
          formats: [{ kind: 'fixed', bits: 8 }, { kind: 'lightnn', k: 1 }, { kind: 'binaryconnect' }, { kind: 'fixed', bits: 2 }],
          inputBits: 8,
          activations: 2,
          flatten: false,
        },
        options: { maxBatch: 5, outputsPerThread: 1 },
      },
    ];
    cases.forEach(({ title, batch, spec, options }, caseIndex) => {
      it(title, async () => {
        const rng = mulberry32(deriveSeed(1998, caseIndex));
        const layers = randomLenet(rng, spec);
        const input = randomNetInput(rng, layers[0], batch);
        const logits = await withNetworkRunner(device, layers, options, (runner) => {
          expect(runner.kernels.length).toBe(6);
          return runner.run(input, batch);
        });
        const want = convNetReference(layers, input, batch);
        expect(distinctValues(want)).toBeGreaterThan(batch);
        expect(logits.length).toBe(batch * 10);
        expect(difference(logits, want)).toBe('');
      });
    });
  });

  it('one kernel, several batch sizes in one command buffer (batch comes from the bound output)', async () => {
    const rng = mulberry32(12);
    const shape = { inHeight: 8, inWidth: 9, inChannels: 3, kernel: 3, filters: 11 };
    const layer = randomConvLayer(rng, { name: 'multi', ...shape, format: { kind: 'binaryconnect' }, inputBits: 3, output: 'sign' });
    const batches = [5, 1, 3];
    const inputs = batches.map((batch) => randomNetInput(rng, layer, batch));
    const outputs = await runBatchesInOneSubmit(device, await createConvKernel(device, layer), inputs, batches);
    outputs.forEach((got, i) => expect(difference(got, conv2dReference(layer, inputs[i], batches[i])), `batch ${batches[i]}`).toBe(''));
  });

  it('refuses a conv layer whose accumulator could overflow, naming it and its fan-in', async () => {
    const format: WeightFormat = { kind: 'lightnn', k: 4 };
    const layer: QuantConv2dLayer = {
      kind: 'conv2d',
      name: 'too-deep',
      inHeight: 5,
      inWidth: 5,
      inChannels: 700,
      kernel: 5,
      filters: 1,
      format,
      inputBits: 8,
      weights: new Uint32Array(convPackedWeightWords(format, { kernel: 5, inChannels: 700, filters: 1 })),
      bias: Int32Array.of(0),
      output: { kind: 'logits' },
    };
    await expect(createConvKernel(device, layer)).rejects.toThrow(/Conv layer "too-deep".*5x5x700 = 17500/);
  });

  it('refuses an input buffer smaller than the batch', async () => {
    const shape = { inHeight: 4, inWidth: 4, inChannels: 2, kernel: 3, filters: 3 };
    const layer = randomConvLayer(mulberry32(3), { name: 'small', ...shape, format: { kind: 'fixed', bits: 8 }, inputBits: 8, output: 'logits' });
    const kernel = await createConvKernel(device, layer);
    await expect(runOnce(device, kernel, new Uint32Array(32), 2, true)).rejects.toThrow(/batch 2 needs 256/);
  });

  it('both conv kernels ran above: tiled for LightNN and wide fixed-point/BinaryConnect windows, direct for the rest', () => {
    for (const name of ['LightNN-1', 'LightNN-2', 'LightNN-3', 'fixed-4', 'BinaryConnect']) expect(convKernelsRun.tiled).toContain(name);
    for (const name of ['BinaryNet', 'fixed-4', 'BinaryConnect']) expect(convKernelsRun.direct).toContain(name);
  });

  it.skipIf(!process.env.CONV_BENCH)('timing: LeNet conv2 (12x12x20 -> 8x8x50) at batch 64, per format', { timeout: 600_000 }, async () => {
    const batch = 64;
    const runs = Number(process.env.CONV_BENCH_RUNS ?? 5);
    const lines: string[] = [];
    const formats: WeightFormat[] = [...MATRIX_GPU_FORMATS, { kind: 'lightnn', k: 4 }];
    for (const [index, format] of formats.entries()) {
      for (const outputsPerThread of [4, 1] as const) {
        const rng = mulberry32(deriveSeed(64, index));
        const stage = format.kind === 'binarynet' ? 'sign' : { kind: 'requant' as const, bits: 4 };
        const layer = randomConvLayer(rng, { name: 'conv2', ...LENET_CONV2, format, inputBits: 4, output: stage });
        const input = randomNetInput(rng, layer, batch);
        const t0 = performance.now();
        const kernel = await createConvKernel(device, layer, { outputsPerThread });
        const compileMs = performance.now() - t0;
        const inputBuffer = uploadWords(device, input);
        const output = kernel.createOutputBuffer(batch);
        const once = (): void => {
          const encoder = device.createCommandEncoder();
          kernel.encode(encoder, inputBuffer, batch, output);
          device.queue.submit([encoder.finish()]);
        };
        once(); // warm-up
        await device.queue.onSubmittedWorkDone();
        const start = performance.now();
        for (let r = 0; r < runs; r++) once();
        await device.queue.onSubmittedWorkDone();
        const ms = (performance.now() - start) / runs;
        const got = await readBuffer(device, output, kernel.outputBytes(batch));
        const t1 = performance.now();
        const want = conv2dReference(layer, input, batch);
        const cpuMs = performance.now() - t1;
        expect(difference(new Uint32Array(got), want)).toBe('');
        lines.push(
          `${formatName(format).padEnd(14)} T=${outputsPerThread}: ${ms.toFixed(1).padStart(7)} ms/run on GPU ` +
            `(compile+probe ${compileMs.toFixed(0)} ms), CPU reference ${cpuMs.toFixed(0)} ms`,
        );
        inputBuffer.destroy();
        output.destroy();
        kernel.destroy();
      }
    }
    console.info(`[kernels.conv.gpu] LeNet conv2, batch ${batch}, ${runs} runs each (${gpu.description}):\n${lines.join('\n')}`);
  });
});
