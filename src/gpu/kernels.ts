/**
 * One layer's kernel on a GPUDevice the caller owns (in the browser: TF.js's WebGPU backend
 * device or navigator.gpu; in Node tests: the `webgpu` package): dense, conv (tiled or direct)
 * and max-pool, all built by createBatchKernel. The WGSL comes from src/core/kernels (pure string
 * builders beside their CPU references); this file only compiles, uploads, binds and dispatches.
 */
import {
  checkConvNoOverflow,
  convAsDense,
  convFanIn,
  convInputWordsPerImage,
  convOutputWordsPerImage,
  convRowAlignedWeights,
  poolInputWordsPerImage,
  poolOutputWordsPerImage,
  validateConvLayer,
  validatePoolLayer,
  type QuantConv2dLayer,
  type QuantMaxPoolLayer,
} from '../core/kernels/conv';
import {
  convDispatch,
  convOutputNeedsClear,
  convPixels,
  convShaderWgsl,
  maxPoolShaderWgsl,
  poolDispatch,
  poolOutputNeedsClear,
  poolThreadsPerPixel,
} from '../core/kernels/convWgsl';
import { biasBindingWords, checkNoOverflow, formatName, inputWordsPerRow, outputWordsPerRow, validateLayer, type QuantDenseLayer } from '../core/kernels/reference';
import {
  chooseTiledWorkgroup,
  chooseWorkgroupShape,
  defaultTileInputs,
  denseBiasWords,
  denseDispatch,
  denseShaderWgsl,
  denseWeightWords,
  outputNeedsClear,
  usesTiles,
  type DenseShaderOptions,
  type LightNNTerms,
  type OutputsPerThread,
  type WorkgroupShape,
} from '../core/kernels/wgsl';
import { createStorageBuffer, uploadWords } from './buffers';
import { withErrorScopes } from './errors';

export interface DenseKernelOptions {
  /** 4 (default) computes four units per thread, sharing each activation load; 1 is the simple form. */
  outputsPerThread?: OutputsPerThread;
  /**
   * Threads per workgroup (default 64), capped by the device's limits. The tiled kernels use up to
   * this many in one row (a multiple of 4); BinaryNet's direct kernel needs a power of two.
   */
  invocationsPerWorkgroup?: number;
  /** Lower cap on workgroups per dispatch dimension than the device's (tests use it to exercise z). */
  maxWorkgroupsPerDimension?: number;
  /** Cap on rows per run, below what one storage binding allows (network runs split larger batches). */
  maxBatch?: number;
  /**
   * Batch rows per thread. Default: two pipelines, one row per thread for batches below
   * SMALL_BATCH and largeBatchRows(layer) from there on; a number here makes that the only one.
   */
  rowsPerThread?: number;
  /** Inputs per workgroup-memory tile of the tiled kernels (default defaultTileInputs). */
  tileInputs?: number;
  /** LightNN terms: 'exponent' (default) or 'shift' (see wgsl.ts). */
  lightnnTerms?: LightNNTerms;
}

/** outputsPerThread = filters per thread (4 by default); the rest as for dense kernels. */
export type ConvKernelOptions = DenseKernelOptions;
export type MaxPoolKernelOptions = Omit<DenseKernelOptions, 'outputsPerThread'>;

/** Batches below this run one row per thread; larger ones largeBatchRows(layer). */
export const SMALL_BATCH = 8;

/**
 * Rows per thread for large batches: each weight is decoded once per thread and used for this
 * many rows. The tile loop is unrolled over rows, so this also sets the shader's size, and
 * SwiftShader's compile time grows faster than linearly with it. On SwiftShader, batch 256: 16
 * rows beat 8 by ~10% for LightNN-3/4 at 4096x4096 (and compile in ~0.5 s with their 16-input
 * tiles); for the other formats 8 rows ran within a few % of 16 at 2.5x less compile time
 * (~0.3 s). BinaryNet (direct kernel): 8 > 4 > 1.
 */
export function largeBatchRows(layer: Pick<QuantDenseLayer, 'format'>): number {
  return layer.format.kind === 'lightnn' && layer.format.k >= 3 ? 16 : 8;
}

/**
 * Rows per thread of the tiled kernel's large-batch pipeline: largeBatchRows, fewer where the
 * workgroup is narrow (few units) so that each thread copies at most 16 activations per tile
 * (the copy is unrolled too).
 */
export function tiledLargeBatchRows(layer: Pick<QuantDenseLayer, 'format'>, workgroupX: number, tileInputs: number): number {
  return Math.max(1, Math.min(largeBatchRows(layer), Math.floor((16 * workgroupX) / tileInputs)));
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

/** What a network runner needs of any layer's kernel (a "row" is one image). */
export interface BatchKernel {
  /** Source of the large-batch pipeline (the only one unless the kernel has small-batch variants). */
  readonly wgsl: string;
  /** u32 words per row of the input (activations or sign-bit words). */
  readonly inputWordsPerRow: number;
  /** u32/i32 words per row of the output. */
  readonly outputWordsPerRow: number;
  /** Largest batch whose input and output fit one storage binding on this device. */
  readonly maxBatch: number;
  outputBytes(batch: number): number;
  /** A buffer the right size for `batch` rows of output (STORAGE | COPY_SRC | COPY_DST). */
  createOutputBuffer(batch: number): GPUBuffer;
  /** Records the layer into `encoder`: input [batch][inputWordsPerRow] -> output. */
  encode(encoder: GPUCommandEncoder, input: GPUBuffer, batch: number, output: GPUBuffer): void;
  /** Submits one run and returns its new output buffer (the caller destroys it). */
  run(input: GPUBuffer, batch: number): GPUBuffer;
  /** Frees the kernel's own buffers (weights, bias). */
  destroy(): void;
}

export interface DenseKernel extends BatchKernel {
  readonly layer: QuantDenseLayer;
  /** Options of the large-batch pipeline (the only one when rowsPerThread is given). */
  readonly shader: DenseShaderOptions;
  /** Every pipeline, each used for batches from minBatch up (the last that fits wins). */
  readonly variants: readonly { minBatch: number; wgsl: string; shader: DenseShaderOptions }[];
}

export interface ConvKernel extends BatchKernel {
  readonly layer: QuantConv2dLayer;
  readonly shader: DenseShaderOptions;
}

export interface MaxPoolKernel extends BatchKernel {
  readonly layer: QuantMaxPoolLayer;
  readonly workgroup: WorkgroupShape;
}

interface KernelSetup {
  /** 'layer "hidden1"', 'conv layer "conv1" (LightNN-2)', ...: for messages. */
  what: string;
  label: string;
  /** Pipelines by smallest batch, ascending; the last that fits a batch runs it. */
  variants: { minBatch: number; wgsl: string; dispatch(batch: number, maxPerDimension: number): [number, number, number] }[];
  /** Read-only buffers uploaded once and bound first (weights, bias). */
  constants: { data: Uint32Array | Int32Array; label: string }[];
  inWords: number;
  outWords: number;
  needsClear: boolean;
  options: MaxPoolKernelOptions;
}

/**
 * Compiles, uploads and probes one kernel. Pipeline creation, the uploads and a first one-row
 * dispatch of every pipeline run inside error scopes (validation, internal, out-of-memory), so a
 * kernel WebGPU rejects fails here rather than returning stale output later.
 */
async function createBatchKernel(device: GPUDevice, setup: KernelSetup): Promise<BatchKernel> {
  const { what, label, inWords, outWords } = setup;
  const maxBinding = device.limits.maxStorageBufferBindingSize;
  for (const { data } of setup.constants) {
    if (data.byteLength > maxBinding) {
      throw new Error(`${what}: ${data.byteLength} bytes of weights, over this device's storage binding limit of ${maxBinding}`);
    }
  }
  const maxPerDimension = Math.min(device.limits.maxComputeWorkgroupsPerDimension, setup.options.maxWorkgroupsPerDimension ?? Infinity);
  const maxBatch = Math.min(Math.floor(maxBinding / (4 * Math.max(inWords, outWords))), setup.options.maxBatch ?? Infinity);
  const outputBytes = (batch: number): number => batch * outWords * 4;
  const createOutputBuffer = (batch: number): GPUBuffer => createStorageBuffer(device, outputBytes(batch), `${label} output`);

  const modules: GPUShaderModule[] = [];
  const pipelines: GPUComputePipeline[] = [];
  const constants: GPUBuffer[] = [];
  const destroy = (): void => {
    for (const buffer of constants) buffer.destroy();
  };

  const encodeWith = (pipelineIndex: number, encoder: GPUCommandEncoder, input: GPUBuffer, batch: number, output: GPUBuffer): void => {
    const pipeline = pipelines[pipelineIndex];
    if (!pipeline || constants.length !== setup.constants.length) throw new Error(`${what}: kernel was not created`);
    if (batch > maxBatch) throw new Error(`${what}: batch ${batch} exceeds ${maxBatch}, the most one storage binding holds; split it`);
    const [x, y, z] = setup.variants[pipelineIndex].dispatch(batch, maxPerDimension);
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
        // Exactly `batch` rows: the shader reads the batch size from this binding's length.
        { binding: n + 1, resource: { buffer: output, offset: 0, size: outBytes } },
      ],
    });
    const pass = encoder.beginComputePass({ label });
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(x, y, z);
    pass.end();
  };

  const encode = (encoder: GPUCommandEncoder, input: GPUBuffer, batch: number, output: GPUBuffer): void => {
    let index = 0;
    setup.variants.forEach((v, i) => {
      if (v.minBatch <= batch) index = i;
    });
    encodeWith(index, encoder, input, batch, output);
  };

  const run = (input: GPUBuffer, batch: number): GPUBuffer => {
    const output = createOutputBuffer(batch);
    const encoder = device.createCommandEncoder({ label });
    encode(encoder, input, batch, output);
    device.queue.submit([encoder.finish()]);
    return output;
  };

  await withErrorScopes(
    device,
    `the kernel for ${what}`,
    async () => {
      // All pipelines compile at once (Dawn may use its worker threads).
      const compiled = await Promise.all(
        setup.variants.map(({ wgsl }) => {
          const module = device.createShaderModule({ label, code: wgsl });
          modules.push(module);
          return device.createComputePipelineAsync({ label, layout: 'auto', compute: { module, entryPoint: 'main' } });
        }),
      );
      for (const pipeline of compiled) pipelines.push(pipeline);
      for (const c of setup.constants) constants.push(uploadWords(device, c.data, c.label));
      // First dispatch of every pipeline: one zero row.
      const probeInput = uploadWords(device, new Uint32Array(inWords));
      const probeOutput = createOutputBuffer(1);
      try {
        const encoder = device.createCommandEncoder({ label });
        pipelines.forEach((_, i) => encodeWith(i, encoder, probeInput, 1, probeOutput));
        device.queue.submit([encoder.finish()]);
      } finally {
        probeInput.destroy();
        probeOutput.destroy();
      }
    },
    { filters: ['validation', 'internal', 'out-of-memory'], modules, cleanup: destroy },
  );

  return {
    wgsl: setup.variants[setup.variants.length - 1].wgsl,
    inputWordsPerRow: inWords,
    outputWordsPerRow: outWords,
    maxBatch,
    outputBytes,
    createOutputBuffer,
    encode,
    run,
    destroy,
  };
}

/** Compiles the kernel for one dense layer (tiled, or BinaryNet's direct one) and uploads its weights. */
export async function createDenseKernel(device: GPUDevice, layer: QuantDenseLayer, options: DenseKernelOptions = {}): Promise<DenseKernel> {
  validateLayer(layer);
  checkNoOverflow(layer);
  const outputsPerThread = options.outputsPerThread ?? 4;
  const invocations = options.invocationsPerWorkgroup ?? 64;
  const tiled = usesTiles(layer.format);
  const workgroup = tiled
    ? chooseTiledWorkgroup(layer.units, outputsPerThread, invocations, device.limits)
    : chooseWorkgroupShape(layer.units, outputsPerThread, invocations, device.limits);
  const tileInputs = options.tileInputs ?? defaultTileInputs(layer.format);
  const shaderFor = (rowsPerThread: number): DenseShaderOptions => ({
    outputsPerThread,
    workgroup,
    rowsPerThread,
    ...(tiled ? { tileInputs } : {}),
    ...(layer.format.kind === 'lightnn' ? { lightnnTerms: options.lightnnTerms ?? 'exponent' } : {}),
  });
  const plans =
    options.rowsPerThread !== undefined
      ? [{ minBatch: 1, shader: shaderFor(options.rowsPerThread) }]
      : [
          { minBatch: 1, shader: shaderFor(1) },
          { minBatch: SMALL_BATCH, shader: shaderFor(tiled ? tiledLargeBatchRows(layer, workgroup.x, tileInputs) : largeBatchRows(layer)) },
        ];
  const variants = plans.map((plan) => ({ ...plan, wgsl: denseShaderWgsl(layer, plan.shader) }));
  const maxBinding = device.limits.maxStorageBufferBindingSize;
  if (layer.weights.byteLength > maxBinding) {
    throw new Error(
      `layer "${layer.name}": ${formatName(layer.format)} weights take ${layer.weights.byteLength} bytes, ` +
        `over this device's storage binding limit of ${maxBinding}`,
    );
  }
  const label = `dense ${layer.name}`;
  const kernel = await createBatchKernel(device, {
    what: `layer "${layer.name}"`,
    label,
    variants: variants.map(({ minBatch, wgsl, shader }) => ({
      minBatch,
      wgsl,
      dispatch: (batch, maxPerDimension) => denseDispatch(layer, batch, shader, maxPerDimension),
    })),
    // Every pipeline shares the tile size, so they share one weight layout.
    constants: [
      { data: denseWeightWords(layer, variants[0].shader), label: `${label} weights` },
      { data: biasBindingWords(denseBiasWords(layer, { lightnnTerms: options.lightnnTerms }), layer.output), label: `${label} bias` },
    ],
    inWords: inputWordsPerRow(layer),
    outWords: outputWordsPerRow(layer),
    needsClear: outputNeedsClear(layer),
    options,
  });
  return { ...kernel, layer, shader: variants[variants.length - 1].shader, variants };
}

/**
 * Compiles the kernel for one conv layer (tiled or direct, convUsesTiles) and uploads its weights in that
 * kernel's layout (denseWeightWords, or row-aligned: see conv.ts).
 * Refuses layers whose accumulator could overflow i32. Input: [batch][H][W][C] u32, or per-image
 * sign-bit words for binarynet; output as conv2dReference.
 */
export async function createConvKernel(device: GPUDevice, layer: QuantConv2dLayer, options: ConvKernelOptions = {}): Promise<ConvKernel> {
  validateConvLayer(layer);
  checkConvNoOverflow(layer);
  const outputsPerThread = options.outputsPerThread ?? 4;
  const invocations = options.invocationsPerWorkgroup ?? 64;
  const what = `conv layer "${layer.name}" (${formatName(layer.format)})`;
  const common = {
    what,
    label: what,
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
      variants: [
        {
          minBatch: 1,
          wgsl: denseShaderWgsl(dense, shader),
          dispatch: (batch, maxPerDimension) => denseDispatch(dense, batch * convPixels(layer), shader, maxPerDimension),
        },
      ],
      constants: [
        { data: denseWeightWords(dense, shader), label: what },
        { data: biasBindingWords(denseBiasWords(dense, shader), dense.output), label: what },
      ],
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
    variants: [
      { minBatch: 1, wgsl: convShaderWgsl(layer, shader), dispatch: (batch, maxPerDimension) => convDispatch(layer, batch, shader, maxPerDimension) },
    ],
    constants: [
      { data: convRowAlignedWeights(layer), label: what },
      { data: biasBindingWords(layer.bias, layer.output), label: what },
    ],
  });
  return { ...kernel, layer, shader };
}

/** Compiles the kernel for one max-pool layer (unsigned max, or OR of sign bits). */
export async function createMaxPoolKernel(device: GPUDevice, layer: QuantMaxPoolLayer, options: MaxPoolKernelOptions = {}): Promise<MaxPoolKernel> {
  validatePoolLayer(layer);
  const workgroup = chooseWorkgroupShape(poolThreadsPerPixel(layer), 1, options.invocationsPerWorkgroup ?? 64, device.limits);
  const what = `max-pool layer "${layer.name}"`;
  const kernel = await createBatchKernel(device, {
    what,
    label: what,
    variants: [
      {
        minBatch: 1,
        wgsl: maxPoolShaderWgsl(layer, workgroup),
        dispatch: (batch, maxPerDimension) => poolDispatch(layer, batch, workgroup, maxPerDimension),
      },
    ],
    constants: [],
    inWords: poolInputWordsPerImage(layer),
    outWords: poolOutputWordsPerImage(layer),
    needsClear: poolOutputNeedsClear(layer),
    options,
  });
  return { ...kernel, layer, workgroup };
}
