/**
 * One training run as the CLI reports it: runConfig plus the float-vs-quantized accuracies, the
 * cost model's storage and energy, and wall time. Shared by `train` and the seed commands.
 */
import {
  disposeNetwork,
  divergenceMessage,
  encodeConfig,
  estimateCost,
  evaluatePtq,
  isFloatConfig,
  quantOf,
  runConfig,
  type Config,
  type EpochMetrics,
  type ImageSet,
  type MnistData,
  type Network,
} from '../tf';
import { formatDuration, percent, progressPrinter, round, type Log } from './format';

export interface TrainedRun {
  config: Config;
  /** The config as a URL query string (paste after `?` in the page to see the same config). */
  configUrl: string;
  seeds: { dataSeed: number; initSeed: number };
  backend: string;
  epochs: Array<{ epoch: number; lr: number; trainLoss: number; trainAccuracy: number; testLoss: number; testAccuracy: number; elapsedS: number }>;
  /**
   * Accuracy of the float weights: the float model (training=float), or QAT's latent float weights
   * with the config's activations and input bits (training=qat).
   */
  floatAccuracy: number;
  /** Accuracy of the config's quantized model: PTQ of the float model, or the QAT model itself. */
  quantizedAccuracy: number;
  storageBits: number;
  energyPJ: number;
  wallS: number;
  samplesPerSec: number;
}

export interface RunWithNetwork {
  record: TrainedRun;
  network: Network;
  trainSet: ImageSet;
  testSet: ImageSet;
  /** RunOutcome.hysteresisSigns (binary hysteresis with QAT). */
  hysteresisSigns?: (Float32Array | null)[];
}

export function epochRow(m: EpochMetrics) {
  return {
    epoch: m.epoch,
    lr: m.lr,
    trainLoss: round(m.trainLoss),
    trainAccuracy: round(m.trainAccuracy),
    testLoss: round(m.testLoss),
    testAccuracy: round(m.testAccuracy),
    elapsedS: round(m.elapsedMs / 1000, 1),
  };
}

/** Trains one config and prints progress; the caller owns (and must dispose) the returned network. */
export async function trainOne(config: Config, data: MnistData, backend: string, log: Log, label = ''): Promise<RunWithNetwork> {
  const started = performance.now();
  const prefix = label ? `[${label}] ` : '';
  const outcome = await runConfig(config, data, {
    onBatch: progressPrinter(log, config.epochs, label),
    onEpoch: (m) =>
      log(
        `${prefix}epoch ${m.epoch}/${config.epochs} done: train loss ${m.trainLoss.toFixed(4)}, train acc ${percent(m.trainAccuracy)}, ` +
          `test acc ${percent(m.testAccuracy)} (${formatDuration(m.elapsedMs)})`,
      ),
  });
  const { result, network, trainSet, testSet } = outcome;
  if (result.status !== 'done' || result.testAccuracy === null || outcome.quantizedAccuracy === null) {
    disposeNetwork(network);
    // main prints the message and exits 1: a diverged run has no numbers worth writing.
    if (result.divergedAt) throw new Error(`${prefix}${divergenceMessage(result.divergedAt)}`);
    throw new Error(`training ${label || config.model} stopped before the end`);
  }
  const quantized = !isFloatConfig(config);
  // For QAT, result.testAccuracy is already the quantized model's. The latent float weights get
  // their own pass with the config's activations and input resolution, so only the weights differ.
  const floatAccuracy =
    config.training === 'qat' && quantized
      ? (await evaluatePtq(network, { ...quantOf(config), weights: { kind: 'float32' }, layers: [] }, testSet, trainSet)).accuracy
      : result.testAccuracy;
  const cost = estimateCost(config);
  const record: TrainedRun = {
    config,
    configUrl: encodeConfig(config),
    seeds: { dataSeed: config.dataSeed, initSeed: config.initSeed },
    backend,
    epochs: result.epochs.map(epochRow),
    floatAccuracy,
    quantizedAccuracy: outcome.quantizedAccuracy,
    storageBits: cost.storageBits,
    energyPJ: round(cost.energyPJ, 1),
    wallS: round((performance.now() - started) / 1000, 1),
    samplesPerSec: Math.round(result.samplesPerSec),
  };
  return { record, network, trainSet, testSet, hysteresisSigns: outcome.hysteresisSigns };
}

/** The training setup in one line: sizes, epochs, batch, optimizer, seeds, backend. */
export function describeSetup(config: Config, backend: string): string {
  return (
    `${config.trainSize} train / ${config.testSize} test images, ${config.epochs} epochs, batch ${config.batch}, ` +
    `${config.optimizer} lr ${config.lr}, seeds data ${config.dataSeed} init ${config.initSeed}, backend ${backend}`
  );
}

/**
 * The float model a post-training sweep quantizes (seed000, seed001): trained once from the
 * command's base config, with its accuracy logged. The caller disposes the network.
 */
export async function trainFloatModel(
  command: string,
  cmd: { model: string; base: Config; backend: string },
  data: MnistData,
  log: Log,
): Promise<RunWithNetwork> {
  const floatConfig: Config = { ...cmd.base, training: 'float' };
  log(`${command} ${cmd.model}: float model, ${describeSetup(floatConfig, cmd.backend)}`);
  const run = await trainOne(floatConfig, data, cmd.backend, log, 'float');
  log(`float model: test accuracy ${percent(run.record.floatAccuracy)} (${formatDuration(run.record.wallS * 1000)})`);
  return run;
}
