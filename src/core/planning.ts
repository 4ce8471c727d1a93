/**
 * Rough cost of training a config before it starts, so the page can warn about a model the
 * current backend cannot train in reasonable time or memory, and say why.
 */
import { architecture, isWeightLayer, macCount, parameterCount, type ArchitectureConfig } from './models';

export interface TrainingPlanInput extends ArchitectureConfig {
  trainSize: number;
  epochs: number;
  batch: number;
  optimizer: 'adam' | 'sgd';
}

export interface TrainingPlan {
  parameters: number;
  macsPerSample: number;
  /** Forward (2 flops a MAC) plus backward (4) for every training sample. */
  trainingFlops: number;
  /** Weights, gradients and optimizer state, float32. */
  stateBytes: number;
  /** Activations kept for the backward pass, float32, one batch. */
  activationBytes: number;
  /** Largest single tensor (one layer's kernel), bytes. */
  largestTensorBytes: number;
  /** Has convolution layers (their gradients are missing on some backends). */
  hasConv: boolean;
}

export function planTraining(input: TrainingPlanInput): TrainingPlan {
  const layers = architecture(input);
  const parameters = parameterCount(input);
  let macsPerSample = 0;
  let largest = 0;
  let activationsPerSample = 0;
  for (const layer of layers) {
    if (!isWeightLayer(layer)) continue;
    macsPerSample += macCount(layer);
    const kernel = layer.kind === 'dense' ? layer.inputs * layer.units : layer.kernel ** 2 * layer.inChannels * layer.filters;
    largest = Math.max(largest, kernel * 4);
    activationsPerSample += layer.kind === 'dense' ? layer.units : layer.outHeight * layer.outWidth * layer.filters;
  }
  const copies = input.optimizer === 'adam' ? 4 : 3; // weights, grads, (m, v) or velocity
  return {
    parameters,
    macsPerSample,
    trainingFlops: 6 * macsPerSample * input.trainSize * input.epochs,
    stateBytes: parameters * 4 * copies,
    activationBytes: activationsPerSample * input.batch * 4 * 3,
    largestTensorBytes: largest,
    hasConv: layers.some((l) => l.kind === 'conv2d'),
  };
}

export interface BackendCapacity {
  name: string;
  /** Measured matMul throughput, GFLOP/s (training reaches a fraction of it). */
  gflops: number;
  /** Largest buffer the backend can allocate, bytes; Infinity when unknown. */
  maxBufferBytes: number;
  /** False where TF.js lacks convolution gradients (its WASM backend has no Conv2DBackpropFilter). */
  convGradients?: boolean;
}

/** Training reaches roughly this fraction of a plain matMul's throughput (measured here: 0.25-0.5). */
const TRAINING_EFFICIENCY = 0.3;
const WARN_SECONDS = 10 * 60;
const WARN_BYTES = 2 * 1024 ** 3;

export interface PlanWarning {
  estimatedSeconds: number;
  message: string;
  /** True when the run cannot work at all on this backend (no "train anyway"). */
  blocking: boolean;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return 'unknown';
  if (seconds < 60) return `${Math.max(1, Math.round(seconds))} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

function mb(bytes: number): string {
  return `${Math.round(bytes / 1024 ** 2).toLocaleString('en-US')} MB`;
}

/** Null when the run looks reasonable on this backend; otherwise a message naming the reason. */
export function trainingWarning(plan: TrainingPlan, backend: BackendCapacity): PlanWarning | null {
  if (plan.hasConv && backend.convGradients === false) {
    return {
      estimatedSeconds: Infinity,
      blocking: true,
      message: `${backend.name} cannot train convolutions: TF.js has no convolution gradient (Conv2DBackpropFilter) there. Choose WebGPU, WebGL or CPU under Backend.`,
    };
  }
  const estimatedSeconds = plan.trainingFlops / (backend.gflops * 1e9 * TRAINING_EFFICIENCY);
  const reasons: string[] = [];
  if (estimatedSeconds > WARN_SECONDS) {
    reasons.push(
      `about ${formatDuration(estimatedSeconds)} of training (${(plan.trainingFlops / 1e12).toFixed(1)} TFLOP at the ${backend.gflops.toFixed(1)} GFLOP/s measured on ${backend.name})`,
    );
  }
  const memory = plan.stateBytes + plan.activationBytes;
  if (memory > WARN_BYTES) reasons.push(`${mb(memory)} of weights, gradients and optimizer state`);
  if (plan.largestTensorBytes > backend.maxBufferBytes) {
    reasons.push(`a ${mb(plan.largestTensorBytes)} weight matrix, above ${backend.name}'s ${mb(backend.maxBufferBytes)} buffer limit`);
  }
  if (reasons.length === 0) return null;
  return {
    estimatedSeconds,
    blocking: false,
    message: `This model has ${plan.parameters.toLocaleString('en-US')} parameters: expect ${reasons.join(' and ')}. Reduce trainSize, epochs or the hidden widths, or pick a faster backend.`,
  };
}
