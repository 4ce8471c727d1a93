/**
 * A whole integer network on the GPU: conv, max-pool, flatten and dense layers (validateNet) in
 * one command buffer per batch. Intermediate activations never leave the GPU; only the logits are
 * read back. A dense-only MLP is a network without conv layers.
 */
import { minOf } from '../core/arrays';
import { denseNetLayer, layerInputWords, validateNet, type QuantNetLayer } from '../core/kernels/conv';
import type { QuantDenseLayer } from '../core/kernels/reference';
import { readBuffer, uploadWords } from './buffers';
import { createConvKernel, createDenseKernel, createMaxPoolKernel, type BatchKernel, type DenseKernelOptions } from './kernels';

/** A layer of a network; an untagged QuantDenseLayer is a dense layer (toIntegerMlp's output as it is). */
export type NetworkLayer = QuantNetLayer | QuantDenseLayer;

export interface NetworkRunner {
  readonly layers: readonly QuantNetLayer[];
  /** One kernel per layer except flatten (a no-op in NHWC). */
  readonly kernels: readonly BatchKernel[];
  /** u32 words per input image (784 for 28x28 unsigned pixels). */
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

/** `options` apply to conv, pool and dense kernels alike. */
export async function createNetworkRunner(
  device: GPUDevice,
  network: readonly NetworkLayer[],
  options: DenseKernelOptions = {},
): Promise<NetworkRunner> {
  const layers = network.map((layer) => ('kind' in layer ? layer : denseNetLayer(layer)));
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
    const encoder = device.createCommandEncoder({ label: 'network' });
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
        const buffer = uploadWords(device, input.subarray(start * inputWordsPerImage, (start + rows) * inputWordsPerImage), 'network input');
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
