/** `train`: one config from a URL-style string; prints results, writes <out>.json and <out>.csv. */
import { disposeNetwork, type MnistData } from '../tf';
import type { TrainCommand } from './args';
import { formatDuration, percent, toCsv, writeResults, type Log } from './format';
import { trainOne, type TrainedRun } from './run';

export const EPOCH_CSV_HEADER = ['epoch', 'train_loss', 'train_accuracy', 'test_loss', 'test_accuracy', 'elapsed_s'];

export function epochCsv(record: TrainedRun): string {
  return toCsv(
    EPOCH_CSV_HEADER,
    record.epochs.map((e) => [e.epoch, e.trainLoss, e.trainAccuracy, e.testLoss, e.testAccuracy, e.elapsedS]),
  );
}

export async function runTrainCommand(cmd: TrainCommand, data: MnistData, log: Log): Promise<TrainedRun> {
  const { config } = cmd;
  for (const notice of cmd.notices) log(`note: ${notice}`);
  log(
    `training ${config.model}, ${config.training}, ${config.trainSize} train / ${config.testSize} test images, ` +
      `${config.epochs} epochs, batch ${config.batch}, ${config.optimizer} lr ${config.lr}, backend ${cmd.backend}`,
  );
  const { record, network } = await trainOne(config, data, cmd.backend, log);
  disposeNetwork(network);
  const floatLabel = config.training === 'qat' ? 'float weights (latent weights of the QAT run, same activations)' : 'float';
  log(`test accuracy: ${percent(record.quantizedAccuracy)} (${config.training === 'qat' ? 'QAT model' : 'PTQ of the float model'})`);
  log(`float vs quantized: ${floatLabel} ${percent(record.floatAccuracy)}, quantized ${percent(record.quantizedAccuracy)}, ` +
    `difference ${(100 * (record.quantizedAccuracy - record.floatAccuracy)).toFixed(2)} pp`);
  log(`storage: ${record.storageBits.toLocaleString('en-US')} bits (${(record.storageBits / 8 / 1024).toFixed(1)} KiB)`);
  log(`energy: ${record.energyPJ.toLocaleString('en-US')} pJ per inference (estimateCost, 45 nm model)`);
  log(`wall time: ${formatDuration(record.wallS * 1000)} (${record.samplesPerSec} training samples/s)`);
  const { jsonPath, csvPath } = writeResults(cmd.out, { command: 'train', date: new Date().toISOString(), ...record }, epochCsv(record));
  log(`wrote ${jsonPath} and ${csvPath}`);
  return record;
}
