/** Types shared by the page and the training worker. */
import type { Config } from '../core/config';
import type { BatchMetrics, EpochMetrics, TrainResult } from '../core/train';
import type { BackendInfo } from './backends';

export type { BackendInfo };

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
  backend: string;
  /** numTensors before the run and after it (the network is kept for evaluation). */
  tensorsBefore: number;
  tensorsAfter: number;
}

export interface TrainerApi {
  init(choice: Config['backend']): Promise<BackendInfo>;
  loadData(baseUrl: string, onProgress: (loaded: number, total: number) => void): Promise<DataInfo>;
  train(config: Config, onEvent: (event: TrainEvent) => void): Promise<RunSummary>;
  pause(): void;
  resume(): void;
  stop(): void;
  memory(): { numTensors: number; numBytes: number };
  /** Frees the kept network; numTensors returns to the baseline before any run. */
  reset(): { numTensors: number };
}
