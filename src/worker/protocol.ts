/** Types shared by the page and the training worker. */
import type { KernelRunPhase, KernelRunReport } from '../gpu/pipeline';
import type { Config } from '../core/config';
import type { ExponentRange, WeightScheme } from '../core/quant/schemes';
import type { QuantConfig } from '../tf/quantizedNetwork';
import type { BatchMetrics, EpochMetrics, TrainResult } from '../tf/train';
import type { ActivateOptions, BackendInfo, BackendName } from './backends';
import type { ArchitectureConfig } from '../core/models';
import type { ProbeResult } from '../core/autoBackend';
import type { ProbeReport, ProbeTraining } from './backendProbe';
import type { HistogramBin, WeightStats } from './weightStats';
import type { LatencyTable, NetAdaptStep, ResourceName } from '../core/netadapt';
import type { DatasetName, ImageShape } from '../core/datasets';
import type { DatasetSummary, UserDatasetName } from './datasetHost';

export type { DatasetSummary, UserDatasetName };
export type { ActivateOptions, BackendInfo, HistogramBin, ProbeReport, ProbeResult, QuantConfig, WeightStats };

/** What `auto` times (probeBackends): the run's model at the run's batch size and optimizer. */
export interface ProbeRequest {
  model: ArchitectureConfig;
  training: ProbeTraining;
  /** The backends to time, in this order. */
  candidates: BackendName[];
  /** The best rate measured so far elsewhere (samples/s): a backend under half of it is cut after one timed step. */
  baseline: number;
  options: ActivateOptions;
}

export interface ProbeAnswer extends ProbeReport {
  /** Tensors alive before and after: the probe leaves none behind. */
  tensorsBefore: number;
  tensorsAfter: number;
}

export interface DataInfo {
  trainCount: number;
  testCount: number;
  loadMs: number;
  compressedBytes: number;
}

/** Events the worker sends during a run; batch points arrive in chunks to keep messages few. */
export type TrainEvent =
  | { type: 'batches'; points: BatchMetrics[] }
  | { type: 'epoch'; metrics: EpochMetrics }
  | { type: 'paused' };

export interface RunSummary extends TrainResult {
  config: Config;
  /**
   * Test accuracy of the config's quantized model: PTQ of the float weights for training 'float',
   * the QAT model itself for 'qat' (then equal to testAccuracy); null when stopped early or diverged.
   */
  quantizedAccuracy: number | null;
  backend: string;
  /** numTensors before the run and after it (the network is kept for evaluation). */
  tensorsBefore: number;
  tensorsAfter: number;
}

/** Faults the page can inject, for the recovery tests. */
export type InjectedFault = 'kernel' | 'device-lost';

/** What the worker tells the page outside any call. */
export type WorkerEvent = { type: 'device-lost'; backend: string; reason: string; message: string };

export interface TrainerApi {
  /** Picks the backend (never one in `avoid`, e.g. after its device was lost). */
  init(choice: Config['backend'], avoid: readonly BackendName[], onEvent: (event: WorkerEvent) => void, options?: ActivateOptions): Promise<BackendInfo>;
  /**
   * Times a few training steps on each backend asked for (src/worker/backendProbe.ts), then makes
   * the worker's own backend active again. The page asks a worker of its own, which it ends to cancel.
   */
  probeBackends(request: ProbeRequest): Promise<ProbeAnswer>;
  /** Resolves once the worker holds the Web Lock `name`, which it keeps until it ends. */
  holdLock(name: string): Promise<void>;
  /** Answers at once: the page's heartbeat. */
  ping(): boolean;
  /** Fault injection for tests: says what was broken. */
  injectFault(fault: InjectedFault): string;
  loadData(baseUrl: string, onProgress: (loaded: number, total: number) => void): Promise<DataInfo>;
  train(config: Config, onEvent: (event: TrainEvent) => void): Promise<RunSummary>;
  pause(): void;
  resume(): void;
  stop(): void;
  memory(): Promise<{ numTensors: number; numBytes: number }>;
  /** Frees the kept network; numTensors returns to the baseline before any run. */
  reset(): Promise<{ numTensors: number }>;
  /**
   * Post-training quantization of the kept network (no retraining) on the run's test subset;
   * activation clips are calibrated on the run's training subset.
   */
  evaluatePtq(quant: QuantConfig): Promise<PtqResult>;
  /** The kept dense network on the integer WGSL kernels, beside TF.js fake quantization (same clips). */
  runOnKernels(quant: QuantConfig, onProgress?: (phase: KernelRunPhase, fraction: number) => void): Promise<KernelRunReport>;
  /** The kept network's weight layers, with our minimum exponent width (seed 001) for each. */
  layerSummaries(exponentBits: number | null): Promise<LayerSummary[]>;
  /** Histogram of one layer's trained float weights, and the scheme's legal values over it. */
  weightStats(layerIndex: number, scheme: WeightScheme): Promise<WeightStats>;
  /**
   * Evaluates sweep cells one after another, reporting each as it finishes: 'ptq' quantizes and tests
   * the kept float network, 'qat' trains (and frees) one network per cell. Resolves 'cancelled' with
   * the cells done so far after cancelSweep.
   */
  runSweep(request: SweepRequest, onEvent: (event: SweepEvent) => void): Promise<SweepSummary>;
  /** Stops the sweep under way (or the next one, if it has not started) before its next cell. */
  cancelSweep(): void;
  /** Float and quantized class probabilities of the kept network for one 28x28 image (0..255). */
  predictDigit(pixels: Uint8Array, quant: QuantConfig): Promise<Prediction>;
  /**
   * The kept network's integer logits for one 28x28 image (0..255) on the WGSL kernels (or the
   * bit-exact CPU reference without WebGPU); { supported: false, reason } where the format cannot run there.
   */
  kernelLogits(pixels: Uint8Array, quant: QuantConfig): Promise<KernelLogits>;
  /** Confusion matrices of the kept network (float and quantized with `quant`) on the run's test subset, and the flipped examples. */
  analyzeQuantized(quant: QuantConfig): Promise<QuantAnalysis>;
  /** The first `count` images of a loaded test set (MNIST unless `data` names another; count x its image bytes, HWC) and their labels; needs no trained model, only the data. */
  testDigits(count: number, data?: DatasetName): Promise<{ pixels: Uint8Array; labels: Uint8Array; shape: ImageShape }>;
  /**
   * Parses the user's files as `data` in the worker (streams, src/core/datasets) and keeps the set in
   * IndexedDB; rejects with a message naming the bad file, leaving the previous set in use.
   */
  loadDataset(data: UserDatasetName, files: File[]): Promise<DatasetSummary>;
  /** Makes the set stored in IndexedDB current; null when none is stored. */
  restoreDataset(data: UserDatasetName): Promise<DatasetSummary | null>;
  /** Deletes the stored set and drops it from the worker. */
  forgetDataset(data: UserDatasetName): Promise<void>;
  /**
   * NetAdapt on the kept network (src/worker/netadaptRunner.ts): one 'step' event per iteration;
   * when not cancelled, the adapted network becomes the kept one. Cancelled: the steps so far, and
   * the kept network and the tensor count as before.
   */
  runNetAdapt(request: NetAdaptRequest, onEvent: (event: NetAdaptEvent) => void): Promise<NetAdaptSummary>;
  /** Stops the adaptation under way (or the next one, if it has not started) at its next batch. */
  cancelNetAdapt(): void;
}

export interface NetAdaptRequest {
  resource: ResourceName;
  /** Fraction of the kept network's resource, in (0, 1]. */
  budget: number;
  iterations: number;
  finetuneBatches: number;
  /** Training images held out to compare proposals; default a tenth of the subset, at most 1,000. */
  holdout?: number;
  finalEpochs: number;
  uniformBaseline: boolean;
  /** The page's quantization knobs (as for the kernel run): the kept network is adapted at this setting. */
  quant: QuantConfig;
  /** Latency tables the page cached for this device; one whose key fits is used instead of timing the kernels again. */
  latencyTables?: LatencyTable[];
}

export type NetAdaptEvent =
  | { type: 'step'; step: NetAdaptStep }
  /** What runs now; the latency table's timing with its fraction done. */
  | { type: 'phase'; phase: 'latency-table' | 'iterations' | 'final'; fraction?: number }
  /** A latency table timed for this run, for the page to cache. */
  | { type: 'latency-table'; table: LatencyTable };

export interface NetAdaptSummary {
  status: 'done' | 'cancelled' | 'stuck';
  resourceName: ResourceName;
  unit: string;
  /** The adapted network's config (widths, and the quantization adapted at). */
  config: Config;
  steps: NetAdaptStep[];
  initialResource: number;
  resource: number;
  /** After the final fine-tune, measured once, as the config's (quantized) model; null when cancelled. */
  testAccuracy: number | null;
  /** The same network's float accuracy (float training), or testAccuracy (QAT); null when cancelled. */
  floatTestAccuracy: number | null;
  finalHoldoutAccuracy: number | null;
  uniform: { multiplier: number; widths: number[]; resource: number; resourceRatio: number; config: Config; testAccuracy: number | null } | null;
  /** Latency only: the device the table was timed on, and whether it came from the page's cache. */
  latencyDevice: string | null;
  latencyTableCached: boolean | null;
  ms: number;
  tensorsBefore: number;
  tensorsAfter: number;
  /** Holdout images the kept network had trained on (its training subset plus the holdout exceed the set): 0 is the unbiased case. */
  holdoutSeen: number;
}

/** Softmax probabilities, 10 each, summing to 1. */
export interface Prediction {
  float: number[];
  quantized: number[];
}

/** One image through the integer kernels (kernelLogits). */
export interface KernelLogits {
  supported: boolean;
  /** Unsupported: why the format cannot run on the kernels. Supported on the CPU: why not WebGPU. Else null. */
  reason: string | null;
  /** 10 i32 logits as the kernels produce them; [] when unsupported. */
  logits: number[];
  /** Float value of one logit unit (logits * scale ~= the model's float logits); 1 when unsupported. */
  scale: number;
  /** argmax of the logits (first on ties, like tf.argMax); -1 when unsupported. */
  predicted: number;
  device: 'webgpu' | 'cpu-reference';
  /** The whole call in the worker (conversion included the first time for a setting), ms. */
  ms: number;
}

export interface FlipExample {
  index: number;
  label: number;
  floatPred: number;
  quantPred: number;
  /** 784 bytes of that test image. */
  pixels: Uint8Array;
}

export interface QuantAnalysis {
  testCount: number;
  floatAccuracy: number;
  quantizedAccuracy: number;
  /** 100 counts, confusion matrix of the float model, index true*10+pred. */
  float: number[];
  /** 100 counts, of the quantized model. */
  quantized: number[];
  /** Up to 16, from findFlips: those quantization broke first. */
  flips: FlipExample[];
}

export interface SweepRequest {
  mode: 'ptq' | 'qat';
  /** Each cell's full config (its index in the sweep, for the answers). */
  cells: { index: number; config: Config }[];
}

/** One finished sweep cell; `diverged` (QAT only) says its training loss stopped being finite, accuracy and loss then NaN. */
export interface SweepCellResult {
  index: number;
  accuracy: number;
  loss: number;
  ms: number;
  diverged?: { epoch: number; batch: number };
}

export type SweepEvent =
  | ({ type: 'cell' } & SweepCellResult)
  /** How far the training of a QAT cell is, 0..1. */
  | { type: 'progress'; index: number; fraction: number };

export interface SweepSummary {
  status: 'done' | 'cancelled';
  cellsDone: number;
  /**
   * Every cell done, again: the events come through the callback's own message port, which is not
   * ordered with this answer, so the page completes its results from here.
   */
  cells: SweepCellResult[];
  /** Time of the cells themselves (PTQ: quantize and test; QAT: train and test), ms. */
  sweepMs: number;
  /** PTQ: median time of one float evaluation of the same test subset (the yardstick), ms. */
  floatEvalMs: number | null;
  /** PTQ: the float model's accuracy on the test subset. */
  floatAccuracy: number | null;
  testCount: number;
}

export interface PtqResult {
  accuracy: number;
  loss: number;
  ms: number;
}

export interface LayerSummary {
  index: number;
  name: string;
  shape: number[];
  weightCount: number;
  maxAbs: number;
  exponent: ExponentRange;
  /** autoBias for the requested exponent width (or for exponent.eMinBits when none was given). */
  autoBias: number;
}

export type { KernelRunPhase, KernelRunReport };
