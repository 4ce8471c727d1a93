/**
 * Sweeps in the worker: PTQ cells quantize and test the kept float network (no retraining; see
 * ptqGrid.ts for the work the cells share); QAT
 * cells each train a network through their quantizers and free it at once. Cancel is checked
 * between cells (and stops a QAT cell's training at its next batch, that cell then being dropped).
 * A QAT cell whose loss diverges is reported as diverged (accuracy NaN) and the sweep goes on.
 */
import type { MnistData, ImageSet } from '../core/data';
import { runConfig } from '../tf/experiment';
import { disposeNetwork, type Network } from '../tf/network';
import { quantOf } from '../core/quant/quantConfig';
import { evaluate } from '../tf/train';
import type { SweepEvent, SweepRequest, SweepSummary } from './protocol';
import { evaluatePtqGrid } from './ptqGrid';

export interface SweepContext {
  data: MnistData | null;
  kept: { network: Network; trainSet: ImageSet; testSet: ImageSet } | null;
  cancelled(): boolean;
  yieldToEvents(): Promise<void>;
  onEvent(event: SweepEvent): void;
}

/** Progress messages within a QAT cell are sent at most this often. */
const PROGRESS_MS = 200;
/** Float evaluations timed (after one warm-up) before the grid for the sweep-time ratio. */
const FLOAT_TIMING_REPEATS = 3;

type CellEvent = Extract<SweepEvent, { type: 'cell' }>;

export async function runSweepCells(request: SweepRequest, ctx: SweepContext): Promise<SweepSummary> {
  const cells: SweepSummary['cells'] = [];
  const recording: SweepContext = {
    ...ctx,
    onEvent: (event) => {
      if (event.type === 'cell') {
        const { type: _, ...cell } = event;
        cells.push(cell);
      }
      ctx.onEvent(event);
    },
  };
  const summary = request.mode === 'ptq' ? await runPtqCells(request, recording) : await runQatCells(request, recording);
  return { ...summary, cells };
}

async function runPtqCells(request: SweepRequest, ctx: SweepContext): Promise<Omit<SweepSummary, 'cells'>> {
  const kept = ctx.kept;
  if (!kept) throw new Error('No trained model to quantize: train the float model first.');
  const { network, trainSet, testSet } = kept;
  // The yardstick: one float evaluation of the same test subset, same batch size. Timed before the
  // grid and again before each group of cells, so that it sees the same load as the cells (a shared
  // machine's load changes by the second); the median is reported, and those evaluations are not
  // counted in the sweep's time.
  let floatAccuracy = 0;
  const floatEval = async () => {
    floatAccuracy = (await evaluate(network, testSet)).accuracy;
  };
  const floatSamples: number[] = [];
  const timeFloat = async () => {
    const t = performance.now();
    await floatEval();
    floatSamples.push(performance.now() - t);
  };
  await floatEval(); // warm-up
  for (let i = 0; i < FLOAT_TIMING_REPEATS; i++) await timeFloat();
  let yardstickMs = 0;
  const start = performance.now();
  const cellsDone = await evaluatePtqGrid(
    network,
    request.cells.map((cell) => ({ index: cell.index, quant: quantOf(cell.config) })),
    testSet,
    trainSet,
    {
      cancelled: ctx.cancelled,
      yieldToEvents: ctx.yieldToEvents,
      onCell: (index, accuracy, loss, ms) => ctx.onEvent({ type: 'cell', index, accuracy, loss, ms } satisfies CellEvent),
      beforeGroup: async () => {
        const t = performance.now();
        await timeFloat();
        yardstickMs += performance.now() - t;
      },
    },
  );
  // The whole grid's wall time, shared work (input batches, calibration pixels) included.
  const sweepMs = performance.now() - start - yardstickMs;
  const floatEvalMs = [...floatSamples].sort((a, b) => a - b)[Math.floor(floatSamples.length / 2)];
  return {
    status: cellsDone < request.cells.length ? 'cancelled' : 'done',
    cellsDone,
    sweepMs,
    floatEvalMs,
    floatAccuracy,
    testCount: testSet.count,
  };
}

async function runQatCells(request: SweepRequest, ctx: SweepContext): Promise<Omit<SweepSummary, 'cells'>> {
  const data = ctx.data;
  if (!data) throw new Error('MNIST is not loaded yet.');
  let cellsDone = 0;
  let sweepMs = 0;
  let testCount = 0;
  for (const cell of request.cells) {
    await ctx.yieldToEvents();
    if (ctx.cancelled()) break;
    const start = performance.now();
    let lastProgress = 0;
    const outcome = await runConfig(cell.config, data, {
      onBatch: (m) => {
        const now = performance.now();
        if (now - lastProgress < PROGRESS_MS) return;
        lastProgress = now;
        ctx.onEvent({ type: 'progress', index: cell.index, fraction: m.samplesDone / m.samplesTotal });
      },
      control: { shouldStop: ctx.cancelled, waitWhilePaused: () => Promise.resolve() },
      yieldToEvents: ctx.yieldToEvents,
    });
    disposeNetwork(outcome.network);
    const { divergedAt } = outcome.result;
    const ms = performance.now() - start;
    if (divergedAt) {
      // A result of its own, not a cancel: this cell's learning rate is too high, the next may train.
      sweepMs += ms;
      cellsDone++;
      ctx.onEvent({ type: 'cell', index: cell.index, accuracy: NaN, loss: NaN, ms, diverged: { epoch: divergedAt.epoch, batch: divergedAt.batch } });
      continue;
    }
    if (outcome.result.status !== 'done' || outcome.quantizedAccuracy === null) break;
    sweepMs += ms;
    cellsDone++;
    testCount = outcome.testSet.count;
    ctx.onEvent({ type: 'cell', index: cell.index, accuracy: outcome.quantizedAccuracy, loss: outcome.result.testLoss ?? NaN, ms });
  }
  return {
    status: cellsDone < request.cells.length ? 'cancelled' : 'done',
    cellsDone,
    sweepMs,
    floatEvalMs: null,
    floatAccuracy: null,
    testCount,
  };
}
