/**
 * Runs the quantized dense kernels with plain WebGPU on a GPUDevice the caller owns (in the
 * browser: TF.js's WebGPU backend device or navigator.gpu; in Node tests: the `webgpu` package).
 * Buffers stay on the GPU between layers; only the logits are read back.
 */
import { minOf } from '../arrays';
import {
  checkNoOverflow,
  formatName,
  inputWordsPerRow,
  outputWordsPerRow,
  validateChain,
  validateLayer,
  type QuantDenseLayer,
} from './reference';
import {
  chooseTiledWorkgroup,
  chooseWorkgroupShape,
  defaultTileInputs,
  denseBiasWords,
  denseDispatch,
  denseWeightWords,
  denseShaderWgsl,
  outputNeedsClear,
  usesTiles,
  type DenseShaderOptions,
  type LightNNTerms,
  type OutputsPerThread,
} from './wgsl';

/**
 * GPUBufferUsage / GPUMapMode values from the WebGPU spec, so this module does not need those
 * globals (Node has them only after `Object.assign(globalThis, globals)`).
 */
const BufferUsage = { MAP_READ: 0x1, COPY_SRC: 0x4, COPY_DST: 0x8, STORAGE: 0x80 } as const;
const MAP_MODE_READ = 0x1;

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
  /** Cap on rows per run, below what one storage binding allows (MLP runs split larger batches). */
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

export interface DenseKernel {
  readonly layer: QuantDenseLayer;
  /** Source and options of the large-batch pipeline (the only one when rowsPerThread is given). */
  readonly wgsl: string;
  readonly shader: DenseShaderOptions;
  /** Every pipeline, each used for batches from minBatch up (the last that fits wins). */
  readonly variants: readonly { minBatch: number; wgsl: string; shader: DenseShaderOptions }[];
  /** u32 words per batch row of the input (activations or sign-bit words). */
  readonly inputWordsPerRow: number;
  /** u32/i32 words per batch row of the output. */
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
  /** Frees the weight and bias buffers. */
  destroy(): void;
}

function byteSize(words: number): number {
  return Math.max(4, words * 4);
}

/** A STORAGE buffer holding `data` (COPY_SRC and COPY_DST too, so it can be read back or rewritten). */
export function uploadWords(device: GPUDevice, data: Uint32Array | Int32Array, label?: string): GPUBuffer {
  const buffer = device.createBuffer({
    label,
    size: byteSize(data.length),
    usage: BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST,
  });
  device.queue.writeBuffer(buffer, 0, data.buffer, data.byteOffset, data.byteLength);
  return buffer;
}

/** Copies `byteLength` bytes of a COPY_SRC buffer back to the CPU. */
export async function readBuffer(device: GPUDevice, buffer: GPUBuffer, byteLength: number): Promise<ArrayBuffer> {
  const staging = device.createBuffer({ size: byteLength, usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST });
  const encoder = device.createCommandEncoder();
  encoder.copyBufferToBuffer(buffer, 0, staging, 0, byteLength);
  device.queue.submit([encoder.finish()]);
  try {
    await staging.mapAsync(MAP_MODE_READ);
    return staging.getMappedRange().slice(0);
  } finally {
    staging.destroy();
  }
}

async function compilationMessages(module: GPUShaderModule): Promise<string> {
  const info = await module.getCompilationInfo();
  return info.messages.map((m) => `${m.type} at line ${m.lineNum}:${m.linePos}: ${m.message}`).join('\n');
}

/**
 * Compiles the kernel for one layer and uploads its weights. Shader and dispatch errors do not
 * throw in WebGPU (they go to `uncapturederror` and leave stale output), so pipeline creation and
 * a first one-row dispatch run inside a validation error scope and any error is thrown here.
 */
export async function createDenseKernel(
  device: GPUDevice,
  layer: QuantDenseLayer,
  options: DenseKernelOptions = {},
): Promise<DenseKernel> {
  validateLayer(layer);
  checkNoOverflow(layer);
  const outputsPerThread = options.outputsPerThread ?? 4;
  const invocations = options.invocationsPerWorkgroup ?? 64;
  const tiled = usesTiles(layer.format);
  const workgroup = tiled
    ? chooseTiledWorkgroup(layer.units, outputsPerThread, invocations, device.limits)
    : chooseWorkgroupShape(layer.units, outputsPerThread, invocations, device.limits);
  const shaderFor = (rowsPerThread: number): DenseShaderOptions => ({
    outputsPerThread,
    workgroup,
    rowsPerThread,
    ...(tiled ? { tileInputs: options.tileInputs ?? defaultTileInputs(layer.format) } : {}),
    ...(layer.format.kind === 'lightnn' ? { lightnnTerms: options.lightnnTerms ?? 'exponent' } : {}),
  });
  const plans =
    options.rowsPerThread !== undefined
      ? [{ minBatch: 1, shader: shaderFor(options.rowsPerThread) }]
      : [
          { minBatch: 1, shader: shaderFor(1) },
          {
            minBatch: SMALL_BATCH,
            shader: shaderFor(
              tiled
                ? tiledLargeBatchRows(layer, workgroup.x, options.tileInputs ?? defaultTileInputs(layer.format))
                : largeBatchRows(layer),
            ),
          },
        ];
  const sources = plans.map((plan) => ({ ...plan, wgsl: denseShaderWgsl(layer, plan.shader) }));
  const inWords = inputWordsPerRow(layer);
  const outWords = outputWordsPerRow(layer);
  const maxBinding = device.limits.maxStorageBufferBindingSize;
  if (layer.weights.byteLength > maxBinding) {
    throw new Error(
      `layer "${layer.name}": ${formatName(layer.format)} weights take ${layer.weights.byteLength} bytes, ` +
        `over this device's storage binding limit of ${maxBinding}`,
    );
  }
  const label = `dense ${layer.name}`;
  const maxPerDimension = Math.min(
    device.limits.maxComputeWorkgroupsPerDimension,
    options.maxWorkgroupsPerDimension ?? Infinity,
  );

  const maxBatch = Math.min(Math.floor(maxBinding / (4 * Math.max(inWords, outWords))), options.maxBatch ?? Infinity);
  const outputBytes = (batch: number): number => batch * outWords * 4;

  // Compile, upload and probe inside error scopes; they are popped whatever happens.
  device.pushErrorScope('validation');
  device.pushErrorScope('internal');
  device.pushErrorScope('out-of-memory');
  let thrown: unknown;
  const modules: GPUShaderModule[] = [];
  const variants: { minBatch: number; shader: DenseShaderOptions; pipeline: GPUComputePipeline }[] = [];
  let weights: GPUBuffer | undefined;
  let bias: GPUBuffer | undefined;
  try {
    // Both pipelines compile at once (Dawn may use its worker threads).
    const pipelines = await Promise.all(
      sources.map((source) => {
        const module = device.createShaderModule({ label, code: source.wgsl });
        modules.push(module);
        return device.createComputePipelineAsync({ label, layout: 'auto', compute: { module, entryPoint: 'main' } });
      }),
    );
    sources.forEach((source, i) => variants.push({ minBatch: source.minBatch, shader: source.shader, pipeline: pipelines[i] }));
    // Both pipelines share the tile size, so they share one weight layout.
    weights = uploadWords(device, denseWeightWords(layer, sources[0].shader), `${label} weights`);
    bias = uploadWords(device, denseBiasWords(layer, { lightnnTerms: options.lightnnTerms }), `${label} bias`);
  } catch (error) {
    thrown = error;
  }

  const createOutputBuffer = (batch: number): GPUBuffer =>
    device.createBuffer({
      label: `${label} output`,
      size: outputBytes(batch),
      usage: BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST,
    });

  const encodeWith = (
    variant: (typeof variants)[number],
    encoder: GPUCommandEncoder,
    input: GPUBuffer,
    batch: number,
    output: GPUBuffer,
  ): void => {
    if (!weights || !bias) throw new Error(`layer "${layer.name}": kernel was not created`);
    if (batch > maxBatch) {
      throw new Error(`layer "${layer.name}": batch ${batch} exceeds ${maxBatch}, the most one storage binding holds; split it`);
    }
    const [x, y, z] = denseDispatch(layer, batch, variant.shader, maxPerDimension);
    const inBytes = batch * inWords * 4;
    const outBytes = outputBytes(batch);
    if (input.size < inBytes) {
      throw new Error(`layer "${layer.name}": input buffer has ${input.size} bytes, batch ${batch} needs ${inBytes}`);
    }
    if (output.size < outBytes) {
      throw new Error(`layer "${layer.name}": output buffer has ${output.size} bytes, batch ${batch} needs ${outBytes}`);
    }
    if (outputNeedsClear(layer)) encoder.clearBuffer(output, 0, outBytes);
    const bindGroup = device.createBindGroup({
      label,
      layout: variant.pipeline.getBindGroupLayout(0),
      entries: [
        { binding: 0, resource: { buffer: weights } },
        { binding: 1, resource: { buffer: bias } },
        { binding: 2, resource: { buffer: input, offset: 0, size: inBytes } },
        // Exactly `batch` rows: the shader reads the batch size from this binding's length.
        { binding: 3, resource: { buffer: output, offset: 0, size: outBytes } },
      ],
    });
    const pass = encoder.beginComputePass({ label });
    pass.setPipeline(variant.pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(x, y, z);
    pass.end();
  };

  const encode = (encoder: GPUCommandEncoder, input: GPUBuffer, batch: number, output: GPUBuffer): void => {
    const variant = variants.filter((v) => v.minBatch <= batch).at(-1) ?? variants[0];
    if (!variant) throw new Error(`layer "${layer.name}": kernel was not created`);
    encodeWith(variant, encoder, input, batch, output);
  };

  const run = (input: GPUBuffer, batch: number): GPUBuffer => {
    const output = createOutputBuffer(batch);
    const encoder = device.createCommandEncoder({ label });
    encode(encoder, input, batch, output);
    device.queue.submit([encoder.finish()]);
    return output;
  };

  // First dispatch of every pipeline: one zero row, still inside the error scopes.
  if (!thrown) {
    try {
      const probeInput = uploadWords(device, new Uint32Array(inWords));
      const probeOutput = createOutputBuffer(1);
      const encoder = device.createCommandEncoder({ label });
      for (const variant of variants) encodeWith(variant, encoder, probeInput, 1, probeOutput);
      device.queue.submit([encoder.finish()]);
      probeInput.destroy();
      probeOutput.destroy();
    } catch (error) {
      thrown = error;
    }
  }
  const errors = [await device.popErrorScope(), await device.popErrorScope(), await device.popErrorScope()];
  const error = errors.find((e) => e !== null);
  if (thrown || error) {
    weights?.destroy();
    bias?.destroy();
    if (thrown) {
      const messages = (await Promise.all(modules.map(compilationMessages))).filter(Boolean).join('\n');
      if (!messages) throw thrown;
      throw new Error(`WebGPU rejected the dense kernel for layer "${layer.name}": ${thrown instanceof Error ? thrown.message : String(thrown)}\n${messages}`);
    }
    const messages = (await Promise.all(modules.map(compilationMessages))).filter(Boolean).join('\n');
    throw new Error(`WebGPU rejected the dense kernel for layer "${layer.name}": ${error?.message}\n${messages}`);
  }

  const main = sources[sources.length - 1];
  return {
    layer,
    wgsl: main.wgsl,
    shader: main.shader,
    variants: sources.map(({ minBatch, wgsl, shader }) => ({ minBatch, wgsl, shader })),
    inputWordsPerRow: inWords,
    outputWordsPerRow: outWords,
    maxBatch,
    outputBytes,
    createOutputBuffer,
    encode,
    run,
    destroy() {
      weights?.destroy();
      bias?.destroy();
    },
  };
}

// ---------------------------------------------------------------------------------------------

export interface MlpRunner {
  readonly layers: readonly QuantDenseLayer[];
  readonly kernels: readonly DenseKernel[];
  /**
   * Uploads [batch][input words] and returns logits [batch][units of the last layer]; batches
   * larger than a kernel's maxBatch are split.
   */
  run(input: Uint32Array, batch: number): Promise<Int32Array>;
  /** Same, from an input already on the GPU (batch at most every kernel's maxBatch). */
  runBuffer(input: GPUBuffer, batch: number): Promise<Int32Array>;
  destroy(): void;
}

/**
 * A chain of dense layers run in one command buffer: intermediate activations never leave the
 * GPU, and only the last layer's logits are copied back.
 */
export async function createMlpRunner(
  device: GPUDevice,
  layers: readonly QuantDenseLayer[],
  options: DenseKernelOptions = {},
): Promise<MlpRunner> {
  validateChain(layers);
  const kernels: DenseKernel[] = [];
  try {
    for (const layer of layers) kernels.push(await createDenseKernel(device, layer, options));
  } catch (error) {
    for (const kernel of kernels) kernel.destroy();
    throw error;
  }
  const last = kernels[kernels.length - 1];

  const runBuffer = async (input: GPUBuffer, batch: number): Promise<Int32Array> => {
    const encoder = device.createCommandEncoder({ label: 'mlp' });
    const intermediates: GPUBuffer[] = [];
    let current = input;
    for (const kernel of kernels) {
      const output = kernel.createOutputBuffer(batch);
      intermediates.push(output);
      kernel.encode(encoder, current, batch, output);
      current = output;
    }
    device.queue.submit([encoder.finish()]);
    try {
      return new Int32Array(await readBuffer(device, current, last.outputBytes(batch)));
    } finally {
      for (const buffer of intermediates) buffer.destroy();
    }
  };

  return {
    layers,
    kernels,
    runBuffer,
    async run(input: Uint32Array, batch: number): Promise<Int32Array> {
      const rowWords = kernels[0].inputWordsPerRow;
      if (input.length !== batch * rowWords) {
        throw new Error(`MLP input: expected ${batch * rowWords} words for batch ${batch}, got ${input.length}`);
      }
      // Batches larger than one storage binding holds run in chunks.
      const chunk = minOf(kernels.map((kernel) => kernel.maxBatch));
      const logits = new Int32Array(batch * last.outputWordsPerRow);
      for (let start = 0; start < batch; start += chunk) {
        const rows = Math.min(chunk, batch - start);
        const buffer = uploadWords(device, input.subarray(start * rowWords, (start + rows) * rowWords), 'mlp input');
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
