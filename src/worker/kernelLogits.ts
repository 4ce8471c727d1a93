/**
 * One drawn digit through the integer kernels, for the "Draw a digit" view: the kept network is
 * converted once per quantization setting (same weights, calibration and conversion as
 * runOnKernels), then each image runs on the WGSL kernels when a WebGPU device can be had, else
 * through the CPU reference, which is bit-exact with them (tests/unit/kernels.*.test.ts).
 */
import type { ImageSet } from '../core/data';
import { integerInputs, predictedClasses } from '../core/kernels/fromNetwork';
import { mlpReference } from '../core/kernels/reference';
import { convNetReference } from '../core/kernels/conv';
import { INPUT_SIZE, NUM_CLASSES } from '../core/models';
import type { Network } from '../tf/network';
import type { QuantConfig } from '../tf/quantizedNetwork';
import { quantOf } from '../core/quant/quantConfig';
import { batchInputs } from '../tf/train';
import { flushTfWebGpu, type KernelDevice } from '../gpu/device';
import { withErrorScopes } from '../gpu/errors';
import { createNetworkRunner, type NetworkRunner } from '../gpu/network';
import { integerModel, NotOnKernelsError, type IntegerModel as ConvertedModel } from '../gpu/pipeline';
import type { KernelLogits } from './protocol';

export type IntegerModel = ConvertedModel & { inputBits: number };

export type PreparedKernelModel = { supported: true; model: IntegerModel } | { supported: false; reason: string };

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The integer model runOnKernels would run for `quant` (same clips: evaluatePtq's calibration on
 * the training subset), or the refusal in plain words. Never throws for a format the kernels lack.
 */
export async function prepareKernelModel(network: Network, quant: QuantConfig, trainSet: ImageSet): Promise<PreparedKernelModel> {
  try {
    const { model } = await integerModel(network, quant, trainSet);
    return { supported: true, model: { ...model, inputBits: quantOf(quant).inputBits } };
  } catch (error) {
    return { supported: false, reason: `Cannot run on the integer kernels: ${error instanceof NotOnKernelsError ? error.reason : message(error)}` };
  }
}

/** The first layer's integers for one image of bytes, scaled as the training batches are (byte / 255). */
export function kernelInput(pixels: Uint8Array, inputBits: number): Uint32Array {
  if (pixels.length !== INPUT_SIZE) throw new RangeError(`A digit is ${INPUT_SIZE} bytes (28x28), not ${pixels.length}.`);
  const { pixels: x } = batchInputs({ images: pixels, labels: new Uint8Array(1), count: 1 }, null, 0, 1);
  return integerInputs(x, inputBits);
}

/** The CPU reference's logits for one image (bit-exact with the kernels). */
export function referenceLogits(model: IntegerModel, input: Uint32Array): Int32Array {
  return model.kind === 'lenet' ? convNetReference(model.layers, input, 1) : mlpReference(model.layers, input);
}

export function unsupportedLogits(reason: string, ms = 0): KernelLogits {
  return { supported: false, reason, logits: [], scale: 1, predicted: -1, device: 'cpu-reference', ms };
}

function result(model: IntegerModel, logits: Int32Array, device: KernelLogits['device'], reason: string | null, started: number): KernelLogits {
  return {
    supported: true,
    reason,
    logits: Array.from(logits.subarray(0, NUM_CLASSES)),
    scale: model.outputScale,
    predicted: predictedClasses(logits.subarray(0, NUM_CLASSES), NUM_CLASSES)[0],
    device,
    ms: performance.now() - started,
  };
}

interface GpuRun {
  gpu: KernelDevice;
  runner: NetworkRunner;
}

/**
 * One quantization setting of the kept network: its integer model and, made on first use, the
 * kernels on a device. Where WebGPU fails once, later images go to the reference without retrying
 * (a failed device or pipeline per pen stroke would stall the pad).
 */
export class KernelLogitsSession {
  private gpuRun: GpuRun | null = null;
  private gpuFailure: string | null = null;
  private disposed = false;

  private constructor(
    readonly prepared: PreparedKernelModel,
    private readonly acquire: (() => Promise<KernelDevice>) | null,
  ) {}

  /** `acquire` null: CPU reference only (Node tests, no WebGPU). */
  static async create(network: Network, quant: QuantConfig, trainSet: ImageSet, acquire: (() => Promise<KernelDevice>) | null): Promise<KernelLogitsSession> {
    return new KernelLogitsSession(await prepareKernelModel(network, quant, trainSet), acquire);
  }

  async logits(pixels: Uint8Array, started = performance.now()): Promise<KernelLogits> {
    if (!this.prepared.supported) return unsupportedLogits(this.prepared.reason, performance.now() - started);
    const { model } = this.prepared;
    const input = kernelInput(pixels, model.inputBits);
    const run = await this.ensureGpu();
    if (run) {
      try {
        return result(model, await this.runOnGpu(run, input), 'webgpu', null, started);
      } catch (error) {
        this.gpuFailure = `WebGPU run failed: ${message(error)}`;
        this.releaseGpu();
      }
    }
    return result(model, referenceLogits(model, input), 'cpu-reference', this.gpuFailure ?? 'no WebGPU device', started);
  }

  private async ensureGpu(): Promise<GpuRun | null> {
    if (this.gpuRun || this.gpuFailure || !this.acquire || !this.prepared.supported) return this.gpuRun;
    const { model } = this.prepared;
    let gpu: KernelDevice | null = null;
    try {
      gpu = await this.acquire();
      const runner = await createNetworkRunner(gpu.device, model.layers);
      if (this.disposed) {
        runner.destroy();
        gpu.release();
        return null;
      }
      this.gpuRun = { gpu, runner };
    } catch (error) {
      gpu?.release();
      this.gpuFailure = message(error);
    }
    return this.gpuRun;
  }

  private async runOnGpu({ gpu, runner }: GpuRun, input: Uint32Array): Promise<Int32Array> {
    const { device } = gpu;
    // TF.js may have recorded commands it has not submitted yet; ours must come after them.
    await flushTfWebGpu(gpu.sharedWithTfjs ? device : undefined);
    return withErrorScopes(device, 'the kernel run', () => runner.run(input, 1));
  }

  private releaseGpu(): void {
    this.gpuRun?.runner.destroy();
    this.gpuRun?.gpu.release();
    this.gpuRun = null;
  }

  /** Frees the kernels' buffers and the device made for them (TF.js's own is left alone). */
  dispose(): void {
    this.disposed = true;
    this.releaseGpu();
  }
}
