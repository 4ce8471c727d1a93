/**
 * Runs the quantized conv and max-pool kernels with plain WebGPU on a GPUDevice the caller owns,
 * with the same API shape as the dense kernels (runner.ts), and chains whole conv nets (LeNet)
 * in one command buffer: activations stay on the GPU, only the logits are read back.
 */
import {
  checkConvNoOverflow,
  convAsDense,
  convFanIn,
  convInputWordsPerImage,
  convOutputWordsPerImage,
  convRowAlignedWeights,
  layerInputWords,
  poolInputWordsPerImage,
  poolOutputWordsPerImage,
  validateConvLayer,
  validateLenet,
  validateNet,
  validatePoolLayer,
  type QuantConv2dLayer,
  type QuantMaxPoolLayer,
  type QuantNetLayer,
} from './conv';
import {
  convDispatch,
  convOutputNeedsClear,
  convPixels,
  convShaderWgsl,
  maxPoolShaderWgsl,
  poolDispatch,
  poolOutputNeedsClear,
  poolThreadsPerPixel,
} from './convWgsl';
import { minOf } from '../arrays';
import { formatName } from './reference';
import { createDenseKernel, readBuffer, tiledLargeBatchRows, uploadWords, type DenseKernelOptions } from './runner';
import {
  chooseTiledWorkgroup,
  chooseWorkgroupShape,
  defaultTileInputs,
  denseBiasWords,
  denseDispatch,
  denseShaderWgsl,
  denseWeightWords,
  usesTiles,
  type DenseShaderOptions,
  type WorkgroupShape,
} from './wgsl';

/** GPUBufferUsage values from the WebGPU spec (no globals needed). */
const BufferUsage = { COPY_SRC: 0x4, COPY_DST: 0x8, STORAGE: 0x80 } as const;

/** What a chain needs of any layer's kernel; DenseKernel has the same members (a "row" is one image). */
export interface BatchKernel {
  readonly wgsl: string;
  /** u32 words per image of the input (activations or sign-bit words). */
  readonly inputWordsPerRow: number;
  /** u32/i32 words per image of the output. */
  readonly outputWordsPerRow: number;
  /** Largest batch whose input and output fit one storage binding on this device. */
  readonly maxBatch: number;
  outputBytes(batch: number): number;
  /** A buffer the right size for `batch` images of output (STORAGE | COPY_SRC | COPY_DST). */
  createOutputBuffer(batch: number): GPUBuffer;
  /** Records the layer into `encoder`: input [batch][inputWordsPerRow] -> output. */
  encode(encoder: GPUCommandEncoder, input: GPUBuffer, batch: number, output: GPUBuffer): void;
  /** Submits one run and returns its new output buffer (the caller destroys it). */
  run(input: GPUBuffer, batch: number): GPUBuffer;
  /** Frees the kernel's own buffers (weights, bias). */
  destroy(): void;
}

export interface ConvKernel extends BatchKernel {
  readonly layer: QuantConv2dLayer;
  readonly shader: DenseShaderOptions;
}

export interface MaxPoolKernel extends BatchKernel {
  readonly layer: QuantMaxPoolLayer;
  readonly workgroup: WorkgroupShape;
}

/** outputsPerThread = filters per thread (4 by default); the rest as for dense kernels. */
export type ConvKernelOptions = DenseKernelOptions;
export type MaxPoolKernelOptions = Omit<DenseKernelOptions, 'outputsPerThread'>;

async function compilationMessages(module: GPUShaderModule): Promise<string> {
  const info = await module.getCompilationInfo();
  return info.messages.map((m) => `${m.type} at line ${m.lineNum}:${m.linePos}: ${m.message}`).join('\n');
}

interface KernelSetup {
  /** 'conv layer "conv1"' etc., for messages and labels. */
  what: string;
  wgsl: string;
  /** Read-only buffers uploaded once and bound first (weights, bias). */
  constants: (Uint32Array | Int32Array)[];
  inWords: number;
  outWords: number;
  needsClear: boolean;
  /** Workgroup counts for a batch (given the per-dimension cap). */
  dispatch(batch: number, maxPerDimension: number): [number, number, number];
  options: MaxPoolKernelOptions;
}

/**
 * Compiles, uploads and probes one kernel. Shader and dispatch errors do not throw in WebGPU, so
 * pipeline creation and a first one-image dispatch run inside error scopes (validation, internal,
 * out-of-memory) and any error is thrown here, as createDenseKernel does.
 */
async function createBatchKernel(device: GPUDevice, setup: KernelSetup): Promise<BatchKernel> {
  const { what, wgsl, inWords, outWords } = setup;
  const maxBinding = device.limits.maxStorageBufferBindingSize;
  for (const data of setup.constants) {
    if (data.byteLength > maxBinding) {
      throw new Error(`${what}: ${data.byteLength} bytes of weights, over this device's storage binding limit of ${maxBinding}`);
    }
  }
  const maxPerDimension = Math.min(
    device.limits.maxComputeWorkgroupsPerDimension,
    setup.options.maxWorkgroupsPerDimension ?? Infinity,
  );
  const maxBatch = Math.min(Math.floor(maxBinding / (4 * Math.max(inWords, outWords))), setup.options.maxBatch ?? Infinity);
  const outputBytes = (batch: number): number => batch * outWords * 4;
  const label = what;

  device.pushErrorScope('validation');
  device.pushErrorScope('internal');
  device.pushErrorScope('out-of-memory');
  let thrown: unknown;
  let module: GPUShaderModule | undefined;
  let pipeline: GPUComputePipeline | undefined;
  const constants: GPUBuffer[] = [];
  try {
    module = device.createShaderModule({ label, code: wgsl });
    pipeline = device.createComputePipeline({ label, layout: 'auto', compute: { module, entryPoint: 'main' } });
    for (const data of setup.constants) constants.push(uploadWords(device, data, label));
  } catch (error) {
    thrown = error;
  }

  const createOutputBuffer = (batch: number): GPUBuffer =>
    device.createBuffer({
      label: `${label} output`,
      size: Math.max(4, outputBytes(batch)),
      usage: BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST,
    });

  const encode = (encoder: GPUCommandEncoder, input: GPUBuffer, batch: number, output: GPUBuffer): void => {
    if (!pipeline || constants.length !== setup.constants.length) throw new Error(`${what}: kernel was not created`);
    if (batch > maxBatch) {
      throw new Error(`${what}: batch ${batch} exceeds ${maxBatch}, the most one storage binding holds; split it`);
    }
    const [x, y, z] = setup.dispatch(batch, maxPerDimension);
    const inBytes = batch * inWords * 4;
    const outBytes = outputBytes(batch);
    if (input.size < inBytes) throw new Error(`${what}: input buffer has ${input.size} bytes, batch ${batch} needs ${inBytes}`);
    if (output.size < outBytes) throw new Error(`${what}: output buffer has ${output.size} bytes, batch ${batch} needs ${outBytes}`);
    if (setup.needsClear) encoder.clearBuffer(output, 0, outBytes);
    const n = constants.length;
    const bindGroup = device.createBindGroup({
      label,
      layout: pipeline.getBindGroupLayout(0),
      entries: [
        ...constants.map((buffer, binding) => ({ binding, resource: { buffer } })),
        { binding: n, resource: { buffer: input, offset: 0, size: inBytes } },
        // Exactly `batch` images: the shader reads the batch size from this binding's length.
        { binding: n + 1, resource: { buffer: output, offset: 0, size: outBytes } },
      ],
    });
    const pass = encoder.beginComputePass({ label });
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(x, y, z);
    pass.end();
  };

  const run = (input: GPUBuffer, batch: number): GPUBuffer => {
    const output = createOutputBuffer(batch);
    const encoder = device.createCommandEncoder({ label });
    encode(encoder, input, batch, output);
    device.queue.submit([encoder.finish()]);
    return output;
  };

  // First dispatch: one zero image, still inside the error scopes.
  if (!thrown) {
    try {
      const probeInput = uploadWords(device, new Uint32Array(inWords));
      const probeOutput = run(probeInput, 1);
      probeInput.destroy();
      probeOutput.destroy();
    } catch (error) {
      thrown = error;
    }
  }
  const errors = [await device.popErrorScope(), await device.popErrorScope(), await device.popErrorScope()];
  const error = errors.find((e) => e !== null);
  if (thrown || error) {
    for (const buffer of constants) buffer.destroy();
    if (thrown) throw thrown;
    const messages = module ? await compilationMessages(module) : '';
    throw new Error(`WebGPU rejected the kernel for ${what}: ${error?.message}\n${messages}`);
  }

  return {
    wgsl,
    inputWordsPerRow: inWords,
    outputWordsPerRow: outWords,
    maxBatch,
    outputBytes,
    createOutputBuffer,
    encode,
    run,
    destroy() {
      for (const buffer of constants) buffer.destroy();
    },
  };
}

/**
 * Whether createConvKernel runs this layer through the tiled dense kernel over its windows rather
 * than the direct conv kernel. Sign outputs pack per image and BinaryNet has no tiled kernel, so
 * those go direct. Measured on SwiftShader (headless Chromium, batch 256, ms per launch, direct ->
 * tiled): lenet conv2 (fan-in 500) LightNN-1 857 -> 292, LightNN-2 1275 -> 445, LightNN-3 1879 ->
 * 601, fixed-4 483 -> 307, BinaryConnect 856 -> 290; conv1 (fan-in 25, 20 filters) LightNN-2 673
 * -> 291, LightNN-3 721 -> 271, LightNN-1 238 -> 238, but fixed-4 160 -> 246 and BinaryConnect 145
 * -> 242: a 25-input window fills under one 32-input tile, so fixed point and BinaryConnect (whose
 * direct loop is cheap) stay direct when the window is under two tiles.
 */
export function convUsesTiles(layer: Pick<QuantConv2dLayer, 'format' | 'output' | 'kernel' | 'inChannels'>): boolean {
  if (!usesTiles(layer.format) || layer.output.kind === 'sign') return false;
  return layer.format.kind === 'lightnn' || convFanIn(layer) >= 2 * defaultTileInputs(layer.format);
}

/**
 * Compiles the kernel for one conv layer (tiled or direct, convUsesTiles) and uploads its weights in that
 * kernel's layout (denseWeightWords, or row-aligned: see conv.ts).
 * Refuses layers whose accumulator could overflow i32. Input: [batch][H][W][C] u32, or per-image
 * sign-bit words for binarynet; output as conv2dReference.
 */
export async function createConvKernel(
  device: GPUDevice,
  layer: QuantConv2dLayer,
  options: ConvKernelOptions = {},
): Promise<ConvKernel> {
  validateConvLayer(layer);
  checkConvNoOverflow(layer);
  const outputsPerThread = options.outputsPerThread ?? 4;
  const invocations = options.invocationsPerWorkgroup ?? 64;
  const what = `conv layer "${layer.name}" (${formatName(layer.format)})`;
  const common = {
    what,
    inWords: convInputWordsPerImage(layer),
    outWords: convOutputWordsPerImage(layer),
    needsClear: convOutputNeedsClear(layer),
    options,
  };
  if (convUsesTiles(layer)) {
    // The tiled dense kernel over the windows (wgsl.ts, DenseShaderOptions.windows): each packed
    // weight word decoded once per thread for several output pixels, activations shared through
    // workgroup memory.
    const dense = convAsDense(layer);
    const workgroup = chooseTiledWorkgroup(layer.filters, outputsPerThread, invocations, device.limits);
    const tileInputs = options.tileInputs ?? defaultTileInputs(layer.format);
    const shader: DenseShaderOptions = {
      outputsPerThread,
      workgroup,
      rowsPerThread: options.rowsPerThread ?? tiledLargeBatchRows(layer, workgroup.x, tileInputs),
      tileInputs,
      ...(layer.format.kind === 'lightnn' ? { lightnnTerms: options.lightnnTerms ?? 'exponent' } : {}),
      windows: layer,
    };
    const kernel = await createBatchKernel(device, {
      ...common,
      wgsl: denseShaderWgsl(dense, shader),
      constants: [denseWeightWords(dense, shader), denseBiasWords(dense, shader)],
      dispatch: (batch, maxPerDimension) => denseDispatch(dense, batch * convPixels(layer), shader, maxPerDimension),
    });
    return { ...kernel, layer, shader };
  }
  // Direct kernel: one output pixel per thread, T filters.
  const shader: DenseShaderOptions = {
    outputsPerThread,
    workgroup: chooseWorkgroupShape(layer.filters, outputsPerThread, invocations, device.limits),
  };
  const kernel = await createBatchKernel(device, {
    ...common,
    wgsl: convShaderWgsl(layer, shader),
    constants: [convRowAlignedWeights(layer), layer.bias],
    dispatch: (batch, maxPerDimension) => convDispatch(layer, batch, shader, maxPerDimension),
  });
  return { ...kernel, layer, shader };
}

/** Compiles the kernel for one max-pool layer (unsigned max, or OR of sign bits). */
export async function createMaxPoolKernel(
  device: GPUDevice,
  layer: QuantMaxPoolLayer,
  options: MaxPoolKernelOptions = {},
): Promise<MaxPoolKernel> {
  validatePoolLayer(layer);
  const workgroup = chooseWorkgroupShape(poolThreadsPerPixel(layer), 1, options.invocationsPerWorkgroup ?? 64, device.limits);
  const kernel = await createBatchKernel(device, {
    what: `max-pool layer "${layer.name}"`,
    wgsl: maxPoolShaderWgsl(layer, workgroup),
    constants: [],
    inWords: poolInputWordsPerImage(layer),
    outWords: poolOutputWordsPerImage(layer),
    needsClear: poolOutputNeedsClear(layer),
    dispatch: (batch, maxPerDimension) => poolDispatch(layer, batch, workgroup, maxPerDimension),
    options,
  });
  return { ...kernel, layer, workgroup };
}

// ---------------------------------------------------------------------------------------------

export interface ConvNetRunner {
  readonly layers: readonly QuantNetLayer[];
  /** One kernel per layer except flatten (a no-op in NHWC). */
  readonly kernels: readonly BatchKernel[];
  /** u32 words per input image (28 * 28 for LeNet's unsigned pixels). */
  readonly inputWordsPerImage: number;
  /**
   * Uploads [batch][input words] and returns logits [batch][classes]; batches larger than a
   * kernel's maxBatch are split.
   */
  run(input: Uint32Array, batch: number): Promise<Int32Array>;
  /** Same, from an input already on the GPU (batch at most every kernel's maxBatch). */
  runBuffer(input: GPUBuffer, batch: number): Promise<Int32Array>;
  /** Records the whole chain into `encoder`, leaving the logits in a new buffer (the caller destroys it and `scratch`). */
  encode(encoder: GPUCommandEncoder, input: GPUBuffer, batch: number): { logits: GPUBuffer; scratch: GPUBuffer[] };
  destroy(): void;
}

/**
 * A chain of conv, max-pool, flatten and dense layers (validateNet) run in one command buffer:
 * intermediate activations never leave the GPU, only the logits are copied back. Dense layers use
 * createDenseKernel; `options` apply to conv and dense kernels alike.
 */
export async function createConvNetRunner(
  device: GPUDevice,
  layers: readonly QuantNetLayer[],
  options: ConvKernelOptions = {},
): Promise<ConvNetRunner> {
  validateNet(layers);
  const kernels: BatchKernel[] = [];
  try {
    for (const layer of layers) {
      switch (layer.kind) {
        case 'conv2d':
          kernels.push(await createConvKernel(device, layer, options));
          break;
        case 'maxpool':
          kernels.push(await createMaxPoolKernel(device, layer, options));
          break;
        case 'flatten':
          break; // NHWC (and per-image sign bits) are already flat.
        case 'dense':
          kernels.push(await createDenseKernel(device, layer, options));
          break;
      }
    }
  } catch (error) {
    for (const kernel of kernels) kernel.destroy();
    throw error;
  }
  const last = kernels[kernels.length - 1];
  const inputWordsPerImage = layerInputWords(layers[0]);

  const encode = (encoder: GPUCommandEncoder, input: GPUBuffer, batch: number): { logits: GPUBuffer; scratch: GPUBuffer[] } => {
    const scratch: GPUBuffer[] = [];
    let current = input;
    try {
      for (const kernel of kernels) {
        const output = kernel.createOutputBuffer(batch);
        scratch.push(output);
        kernel.encode(encoder, current, batch, output);
        current = output;
      }
    } catch (error) {
      for (const buffer of scratch) buffer.destroy();
      throw error;
    }
    return { logits: scratch.pop() as GPUBuffer, scratch };
  };

  const runBuffer = async (input: GPUBuffer, batch: number): Promise<Int32Array> => {
    const encoder = device.createCommandEncoder({ label: 'conv net' });
    const { logits, scratch } = encode(encoder, input, batch);
    device.queue.submit([encoder.finish()]);
    try {
      return new Int32Array(await readBuffer(device, logits, last.outputBytes(batch)));
    } finally {
      logits.destroy();
      for (const buffer of scratch) buffer.destroy();
    }
  };

  return {
    layers,
    kernels,
    inputWordsPerImage,
    encode,
    runBuffer,
    async run(input: Uint32Array, batch: number): Promise<Int32Array> {
      if (!(Number.isInteger(batch) && batch >= 1)) throw new Error(`batch must be a positive integer, got ${batch}`);
      if (input.length !== batch * inputWordsPerImage) {
        throw new Error(`network input: expected ${batch * inputWordsPerImage} words for batch ${batch}, got ${input.length}`);
      }
      const chunk = minOf(kernels.map((kernel) => kernel.maxBatch));
      const logits = new Int32Array(batch * last.outputWordsPerRow);
      for (let start = 0; start < batch; start += chunk) {
        const rows = Math.min(chunk, batch - start);
        const buffer = uploadWords(
          device,
          input.subarray(start * inputWordsPerImage, (start + rows) * inputWordsPerImage),
          'conv net input',
        );
        try {
          logits.set(await runBuffer(buffer, rows), start * last.outputWordsPerRow);
        } finally {
          buffer.destroy();
        }
      }
      return logits;
    },
    destroy() {
      for (const kernel of kernels) kernel.destroy();
    },
  };
}

/**
 * LeNet on the GPU: conv -> max-pool -> conv -> max-pool -> [flatten] -> dense -> dense
 * (validateLenet), one command buffer per batch, logits read back.
 */
export async function createLenetRunner(
  device: GPUDevice,
  layers: readonly QuantNetLayer[],
  options: ConvKernelOptions = {},
): Promise<ConvNetRunner> {
  validateLenet(layers);
  return createConvNetRunner(device, layers, options);
}
