/**
 * Running the integer kernels (src/gpu) on a test device and comparing what comes back with the
 * CPU reference (src/core/kernels), bit for bit.
 */
import { readBuffer, uploadWords } from '../../src/gpu/buffers';
import type { BatchKernel, DenseKernelOptions } from '../../src/gpu/kernels';
import { createNetworkRunner, type NetworkLayer, type NetworkRunner } from '../../src/gpu/network';

/** '' when equal, else where and how the arrays first differ. */
export function difference(got: ArrayLike<number>, want: ArrayLike<number>): string {
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

/** Guards against vacuous comparisons: a reference output with one repeated value proves little. */
export function distinctValues(values: ArrayLike<number>): number {
  return new Set(Array.from(values)).size;
}

/**
 * One run of `kernel` on `input` (`batch` rows), read back as i32 (`logits`) or u32 words; the
 * kernel and the buffers are destroyed afterwards.
 */
export async function runOnce(
  device: GPUDevice,
  kernel: BatchKernel,
  input: Uint32Array,
  batch: number,
  logits: boolean,
): Promise<Uint32Array | Int32Array> {
  const inputBuffer = uploadWords(device, input);
  try {
    const output = kernel.run(inputBuffer, batch);
    try {
      const bytes = await readBuffer(device, output, kernel.outputBytes(batch));
      return logits ? new Int32Array(bytes) : new Uint32Array(bytes);
    } finally {
      output.destroy();
    }
  } finally {
    inputBuffer.destroy();
    kernel.destroy();
  }
}

/**
 * One kernel encoded once per batch size into a single command buffer (each run takes its batch
 * from the output buffer bound to it); the u32 outputs in the order of `inputs`.
 */
export async function runBatchesInOneSubmit(
  device: GPUDevice,
  kernel: BatchKernel,
  inputs: readonly Uint32Array[],
  batches: readonly number[],
): Promise<Uint32Array[]> {
  const encoder = device.createCommandEncoder();
  const buffers = batches.map((batch, i) => {
    const input = uploadWords(device, inputs[i]);
    const output = kernel.createOutputBuffer(batch);
    kernel.encode(encoder, input, batch, output);
    return { input, output };
  });
  device.queue.submit([encoder.finish()]);
  try {
    const outputs: Uint32Array[] = [];
    for (let i = 0; i < batches.length; i++) {
      outputs.push(new Uint32Array(await readBuffer(device, buffers[i].output, kernel.outputBytes(batches[i]))));
    }
    return outputs;
  } finally {
    for (const { input, output } of buffers) {
      input.destroy();
      output.destroy();
    }
    kernel.destroy();
  }
}

/** `use` on a network runner of `layers`, destroyed afterwards. */
export async function withNetworkRunner<T>(
  device: GPUDevice,
  layers: readonly NetworkLayer[],
  options: DenseKernelOptions | undefined,
  use: (runner: NetworkRunner) => Promise<T>,
): Promise<T> {
  const runner = await createNetworkRunner(device, layers, options);
  try {
    return await use(runner);
  } finally {
    runner.destroy();
  }
}
