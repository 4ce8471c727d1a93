/**
 * The WGSL dense kernels against the CPU reference, bit for bit, on a real WebGPU device from
 * the `webgpu` npm package (Dawn in Node).
 *
 * Dawn needs a Vulkan loader and driver. On a machine without a GPU, Debian's `chromium` package
 * ships both (SwiftShader, /usr/lib/chromium): this file finds them by itself when the plain
 * lookup fails (see acquireDevice), so `npx vitest run` needs no extra environment there. The
 * explicit, portable form is
 *   LD_LIBRARY_PATH=/usr/lib/chromium VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json
 * (or any system Vulkan, e.g. Debian's libvulkan1 + mesa-vulkan-drivers). With no adapter at all
 * the suite is skipped and the reason printed.
 */
import { existsSync } from 'node:fs';
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
import {
  createDenseKernel,
  createMlpRunner,
  readBuffer,
  uploadWords,
  type DenseKernelOptions,
} from '../../src/core/kernels/runner';
import { deriveSeed, mulberry32 } from '../../src/core/rng';

const CHROMIUM_DIR = '/usr/lib/chromium';
/** glibc's RTLD_NODELETE (Node does not export it): keeps the library loaded after dlopen fails. */
const RTLD_NODELETE = 0x1000;

/**
 * Dawn's GPU objects. Kept referenced for the whole run: if the `create()` result is
 * garbage-collected, Dawn frees its instance while the device still polls it, and the process
 * dies at random (SIGSEGV, or glibc aborting on a freed mutex).
 */
const keepAlive: unknown[] = [];

/**
 * Loads Chromium's Vulkan loader into the process under its soname, so Dawn's later
 * dlopen('libvulkan.so.1') finds it without LD_LIBRARY_PATH (which only works if set before
 * Node starts). process.dlopen() throws because it is not a Node addon, but the library stays.
 */
function preloadChromiumVulkan(): boolean {
  const loader = `${CHROMIUM_DIR}/libvulkan.so.1`;
  const icd = `${CHROMIUM_DIR}/vk_swiftshader_icd.json`;
  if (process.platform !== 'linux' || !existsSync(loader) || !existsSync(icd)) return false;
  // The Vulkan loader reads this when Dawn creates its instance, so setting it now is in time.
  if (!process.env.VK_ICD_FILENAMES && !process.env.VK_DRIVER_FILES) process.env.VK_ICD_FILENAMES = icd;
  try {
    process.dlopen({ exports: {} } as NodeJS.Module, loader, 2 /* RTLD_NOW */ | 256 /* RTLD_GLOBAL */ | RTLD_NODELETE);
  } catch {
    // Expected: "Module did not self-register".
  }
  return true;
}

interface Acquired {
  device?: GPUDevice;
  description: string;
}

async function acquireDevice(): Promise<Acquired> {
  let webgpu: typeof import('webgpu');
  try {
    webgpu = await import('webgpu');
  } catch (error) {
    return { description: `the webgpu package did not load (${String(error)})` };
  }
  Object.assign(globalThis, webgpu.globals);
  let gpu = webgpu.create([]);
  keepAlive.push(gpu);
  let adapter = await gpu.requestAdapter();
  if (!adapter && preloadChromiumVulkan()) {
    gpu = webgpu.create([]);
    keepAlive.push(gpu);
    adapter = await gpu.requestAdapter();
  }
  if (!adapter) {
    return {
      description:
        'no WebGPU adapter: Dawn found no Vulkan driver. Install Debian chromium (SwiftShader) or run with ' +
        `LD_LIBRARY_PATH=${CHROMIUM_DIR} VK_ICD_FILENAMES=${CHROMIUM_DIR}/vk_swiftshader_icd.json`,
    };
  }
  const device = await adapter.requestDevice();
  keepAlive.push(adapter);
  device.addEventListener('uncapturederror', (event) => {
    console.error('[kernels.gpu] uncaptured WebGPU error:', (event as GPUUncapturedErrorEvent).error.message);
  });
  return { device, description: `${adapter.info.vendor} ${adapter.info.architecture} ${adapter.info.description}`.trim() };
}

const gpu = await acquireDevice();
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
        const runner = await createMlpRunner(device, layers, options);
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
