/**
 * Sweeps: one-click reproductions of three papers' experiments, or a grid over one or two knobs; a
 * progress bar with ETA and cancel; the results as a heatmap, a table, the paper's values beside
 * ours, and (as records) points on the Pareto chart.
 */
import { formatDuration } from '../../core/planning';
import { cellCount, SWEEP_PRESETS, sweepEtaMs, type SweepPreset } from '../../core/sweep';
import { useFields } from '../common/useFields';
import { controller } from '../controller';
import { useStore } from '../store';
import { PaperComparison } from './PaperComparison';
import { SweepEditor } from './SweepEditor';
import { SweepHeatmap } from './SweepHeatmap';
import { SweepResultsTable } from './SweepResultsTable';
import { selectSweepBusy, useSweep, type SweepState } from './sweepStore';

const PRESET_TEST_IDS: Record<SweepPreset['id'], string> = {
  seed000: 'sweep-preset-seed000',
  seed001: 'sweep-preset-seed001',
  'seed003-mlp1': 'sweep-preset-seed003-mlp1',
  'seed003-lenet': 'sweep-preset-seed003-lenet',
};

/** Where each preset comes from: short for the button's small print, full for its tooltip. */
const PRESET_SOURCES: Record<SweepPreset['id'], { short: string; full: string }> = {
  seed000: { short: 'Yap, USC SHINE 2021', full: 'A. Yap, "Quantization of Neural Network", USC Viterbi SHINE 2021.' },
  seed001: {
    short: 'Devnath, Surana & Mekie, VLSID 2020',
    full: 'J. K. Devnath, N. Surana, J. Mekie, "A Mathematical Approach Towards Quantization of Floating Point Weights in Low Power Neural Networks", VLSID 2020.',
  },
  'seed003-mlp1': {
    short: 'Ding et al., ASP-DAC 2018',
    full: 'R. Ding, Z. Liu, R. D. Blanton, D. Marculescu, "Quantized Deep Neural Networks for Energy Efficient Hardware-based Inference", ASP-DAC 2018.',
  },
  'seed003-lenet': {
    short: 'Ding et al., ASP-DAC 2018',
    full: 'R. Ding, Z. Liu, R. D. Blanton, D. Marculescu, "Quantized Deep Neural Networks for Energy Efficient Hardware-based Inference", ASP-DAC 2018.',
  },
};

export function SweepPanel() {
  const busy = useSweep(selectSweepBusy);
  const trainingBusy = useStore((s) => s.phase === 'training' || s.phase === 'paused' || s.phase === 'starting' || s.phase === 'loading');
  const definition = useSweep((s) => s.definition);
  const results = useSweep((s) => s.results);
  const diverged = useSweep((s) => s.diverged);
  return (
    <section className="panel sweep" data-testid="sweep-panel">
      <h2>Sweeps: accuracy over a grid of settings</h2>
      <p className="muted small" style={{ margin: '0 0 6px' }}>
        Paper presets: one click sets up a published experiment and runs it.
      </p>
      <div className="sweep-presets">
        {SWEEP_PRESETS.map((preset) => (
          <button
            key={preset.id}
            className="preset-button"
            data-testid={PRESET_TEST_IDS[preset.id]}
            disabled={busy || trainingBusy}
            title={`${PRESET_SOURCES[preset.id].full} ${preset.paper} Sets ${preset.sweep.axes.map((a) => a.knob).join(' x ')} in ${preset.sweep.mode.toUpperCase()} mode and runs it.`}
            onClick={() => void controller.runSweepPreset(preset)}
          >
            {preset.name}
            <span className="muted small" style={{ display: 'block', fontWeight: 400 }}>
              {PRESET_SOURCES[preset.id].short} · {cellCount(preset.sweep)} cells, {preset.sweep.mode.toUpperCase()}
            </span>
          </button>
        ))}
      </div>
      <SweepEditor disabled={busy} />
      <SweepControls />
      {definition && (
        <div className="sweep-results">
          <SweepHeatmap sweep={definition} results={results} diverged={diverged} />
          <PaperComparison />
        </div>
      )}
      {definition && <SweepResultsTable />}
    </section>
  );
}

function statusText(s: Pick<SweepState, 'status' | 'error' | 'cellsDone' | 'cells'>): string {
  switch (s.status) {
    case 'idle':
      return 'idle';
    case 'training':
      return 'training the float model';
    case 'running':
      return 'running';
    case 'done':
      return 'done';
    case 'cancelled':
      return `cancelled after ${s.cellsDone} of ${s.cells.length} cells`;
    case 'error':
      return `error: ${s.error ?? 'unknown'}`;
  }
}

function SweepControls() {
  const { status, error, cells, cellsDone, currentFraction, elapsedMs, timing } = useFields(useSweep, 'status', 'error', 'cells', 'cellsDone', 'currentFraction', 'elapsedMs', 'timing');
  const busy = useSweep(selectSweepBusy);
  const sweepDefined = useStore((s) => s.config.sweep !== null);
  const trainingBusy = useStore((s) => s.phase === 'training' || s.phase === 'paused' || s.phase === 'starting' || s.phase === 'loading');
  const floatProgress = useStore((s) => s.progress);
  const total = cells.length;
  const fraction = status === 'training' ? 0 : total > 0 ? (cellsDone + currentFraction) / total : 0;
  const eta = sweepEtaMs({ cellsDone, cellsTotal: total, elapsedMs, currentFraction });
  let progressText = '';
  if (status === 'training') {
    progressText = floatProgress
      ? `float model: ${Math.round((100 * floatProgress.samplesDone) / floatProgress.samplesTotal)}% · ETA ${formatDuration(floatProgress.etaMs / 1000)}, then ${total} cells`
      : `float model, then ${total} cells`;
  } else if (total > 0 && status !== 'idle') {
    progressText = `${cellsDone} / ${total} cells${status === 'running' && eta !== null ? ` · ETA ${formatDuration(eta / 1000)}` : ''} · ${formatDuration(elapsedMs / 1000)} elapsed`;
  }
  return (
    <div className="sweep-controls">
      <div className="buttons">
        <button className="primary" data-testid="sweep-run" disabled={busy || trainingBusy || !sweepDefined} onClick={() => void controller.runSweep()}>
          Run sweep
        </button>
        <button data-testid="sweep-cancel" disabled={!busy} onClick={() => controller.cancelSweep()}>
          Cancel
        </button>
        <span className={`status ${status}`} data-testid="sweep-status">
          {statusText({ status, error, cellsDone, cells })}
        </span>
      </div>
      <div className="progress">
        <progress data-testid="sweep-progress" max={1} value={fraction} />
        <span className="progress-text" data-testid="sweep-progress-text">
          {progressText}
        </span>
      </div>
      {/* A developer's measure of the sweep's speed: out of the way, but the tests still read data-ratio. */}
      {timing && (
        <details className="small">
          <summary>Timing</summary>
          <p data-testid="sweep-timing" data-ratio={timing.ratio.toFixed(2)} style={{ margin: '4px 0 0' }}>
            {timing.cells} PTQ cells in {(timing.sweepMs / 1000).toFixed(2)} s = <strong>{timing.ratio.toFixed(1)}×</strong> one float evaluation of the{' '}
            {timing.testCount.toLocaleString('en-US')} test images ({timing.floatEvalMs.toFixed(1)} ms, median, timed between the cells)
          </p>
        </details>
      )}
    </div>
  );
}
