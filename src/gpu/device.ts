/**
 * The GPUDevice the integer kernels run on: TF.js's own when its webgpu backend is active (the
 * kernels then share its queue, so its pending work is flushed first), else a device of our own.
 */
import * as tf from '@tensorflow/tfjs-core';

interface TfWebGpuBackendLike {
  device?: GPUDevice;
  ensureCommandEncoderReady?(): void;
  endComputePassEncoder?(): void;
  submitQueue?(): void;
}

/** TF.js's WebGPU device when the webgpu backend is active, else null. */
export function tfWebGpuDevice(): GPUDevice | null {
  if (tf.getBackend() !== 'webgpu') return null;
  return (tf.backend() as unknown as TfWebGpuBackendLike).device ?? null;
}

/**
 * Submits whatever TF.js's WebGPU backend has recorded but not yet submitted, and, given the
 * device, waits until the queue is idle (so our timings do not include TF.js work).
 */
export async function flushTfWebGpu(device?: GPUDevice): Promise<void> {
  if (tf.getBackend() === 'webgpu') {
    const backend = tf.backend() as unknown as TfWebGpuBackendLike;
    if (backend.ensureCommandEncoderReady && backend.endComputePassEncoder && backend.submitQueue) {
      backend.ensureCommandEncoderReady();
      backend.endComputePassEncoder();
      backend.submitQueue();
    } else {
      // Another tfjs version: reading a tensor flushes the queue too.
      const t = tf.scalar(0);
      await t.data();
      t.dispose();
    }
  }
  if (device) await device.queue.onSubmittedWorkDone();
}

export interface KernelDevice {
  device: GPUDevice;
  /** True when it is TF.js's own device (then release() leaves it alone). */
  sharedWithTfjs: boolean;
  description: string;
  /** Destroys the device if it was created here. */
  release(): void;
}

/**
 * The device to run the kernels on: TF.js's when its webgpu backend is active, else a new one
 * from navigator.gpu (with the adapter's binding limits). Throws, saying why, without WebGPU.
 */
export async function acquireKernelDevice(): Promise<KernelDevice> {
  const shared = tfWebGpuDevice();
  if (shared) {
    return { device: shared, sharedWithTfjs: true, description: 'TF.js WebGPU backend device', release() {} };
  }
  const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
  if (!gpu) throw new Error('The integer kernels need WebGPU: navigator.gpu is missing (browser without WebGPU, or not a secure context).');
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new Error('The integer kernels need WebGPU: no WebGPU adapter was found.');
  const device = await adapter.requestDevice({
    requiredLimits: {
      maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
      maxBufferSize: adapter.limits.maxBufferSize,
    },
    requiredFeatures: adapter.features.has('timestamp-query') ? ['timestamp-query'] : [],
  });
  const info = (adapter as unknown as { info?: { vendor?: string; architecture?: string } }).info;
  return {
    device,
    sharedWithTfjs: false,
    description: `own WebGPU device (${[info?.vendor, info?.architecture].filter(Boolean).join(' ') || 'adapter'})`,
    release: () => device.destroy(),
  };
}
