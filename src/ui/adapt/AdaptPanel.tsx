/**
 * "Adapt to a budget": NetAdapt on the trained network, one layer cut per iteration, until it costs
 * the budget. The controls, progress with ETA and Cancel, the result in big numbers, one row per
 * iteration; the walk itself is drawn on the Pareto chart (TrajectoryLayer).
 */
import { useEffect, useState } from 'react';
import { RESOURCE_NAMES, SEED002_PRESET, type ResourceName } from '../../core/netadapt';
import { formatDuration } from '../../core/planning';
import { useFields } from '../common/useFields';
import { networkName } from '../../core/models';
import { formatPercent } from '../format';
import { useStore } from '../store';
import { selectSweepBusy, useSweep } from '../sweep/sweepStore';
import { adaptBase, cancelAdapt, keepAdapted, latencyUnavailable, layersOf, runSeed002, startAdapt } from './adaptController';
import { estimateProgress, formatResource, RESOURCE_INFO, resourceUnit, widthsText } from './adaptModel';
import { selectAdaptBusy, setAdaptSettings, useAdapt, type AdaptState } from './adaptStore';

export function AdaptPanel() {
  const busy = useAdapt(selectAdaptBusy);
  return (
    <section className="panel adapt" data-testid="adapt-panel">
      <h2>Adapt to a budget</h2>
      <p className="muted small adapt-intro">
        NetAdapt (Yang et al., 2018): each iteration cuts the one layer whose cut loses the least accuracy, fine-tunes briefly, and goes on until the
        network costs the budget.
      </p>
      <div className="adapt-body">
        <div>
          <AdaptControls busy={busy} />
          <AdaptProgress />
          <AdaptResult />
        </div>
        <StepTable />
      </div>
    </section>
  );
}

function NumberField({ label, testId, value, min, max, step = 1, disabled, onChange }: { label: string; testId: string; value: number; min: number; max: number; step?: number; disabled: boolean; onChange(v: number): void }) {
  const [text, setText] = useState(String(value));
  useEffect(() => setText(String(value)), [value]);
  return (
    <label className="adapt-field">
      <span>{label}</span>
      <input
        type="number"
        data-testid={testId}
        value={text}
        min={min}
        max={max}
        step={step}
        disabled={disabled}
        onChange={(e) => {
          setText(e.target.value);
          const v = Number(e.target.value);
          // Taken only when valid; otherwise the field keeps the text and the setting its value.
          if (e.target.value.trim() !== '' && Number.isFinite(v) && v >= min && v <= max && (step !== 1 || Number.isInteger(v))) onChange(v);
        }}
      />
    </label>
  );
}

function AdaptControls({ busy }: { busy: boolean }) {
  const settings = useAdapt((s) => s.settings);
  const modelKept = useStore((s) => s.modelKept);
  const phase = useStore((s) => s.phase);
  const sweepBusy = useSweep(selectSweepBusy);
  // Re-read on every render: the knobs (formats) decide whether latency can be timed.
  useStore((s) => s.config.weights);
  const latencyWhy = latencyUnavailable();
  const trained = modelKept && phase === 'done' && adaptBase() !== null;
  const canRun = trained && !busy && !sweepBusy && !(settings.resource === 'latency' && latencyWhy);
  const choose = (resource: ResourceName) => setAdaptSettings({ resource });
  return (
    <div className="adapt-controls">
      <div className="adapt-resource">
        <div className="button-row" role="group" aria-label="Resource to budget" data-testid="adapt-resource" data-value={settings.resource}>
          {RESOURCE_NAMES.map((r) => (
            <button
              key={r}
              className={settings.resource === r ? 'choice selected' : 'choice'}
              aria-pressed={settings.resource === r}
              data-testid={`adapt-resource-${r}`}
              disabled={busy || (r === 'latency' && latencyWhy !== null)}
              title={r === 'latency' && latencyWhy ? `Latency off: ${latencyWhy}` : RESOURCE_INFO[r].explain}
              onClick={() => choose(r)}
            >
              {RESOURCE_INFO[r].label}
            </button>
          ))}
        </div>
        <p className="help" data-testid="adapt-resource-explain">
          {RESOURCE_INFO[settings.resource].label}: {RESOURCE_INFO[settings.resource].explain}.
        </p>
        {latencyWhy && (
          <p className="help" data-testid="adapt-latency-off">
            Latency off: {latencyWhy}
          </p>
        )}
      </div>
      <div className="adapt-numbers">
        <label className="adapt-field adapt-budget">
          <span>
            Budget <strong data-testid="adapt-budget-value">{Math.round(settings.budget * 100)}%</strong> of now
          </span>
          <input
            type="range"
            data-testid="adapt-budget"
            min={0.1}
            max={0.95}
            step={0.05}
            value={settings.budget}
            disabled={busy}
            onChange={(e) => setAdaptSettings({ budget: Number(e.target.value) })}
          />
        </label>
        <NumberField label="Iterations" testId="adapt-iterations" value={settings.iterations} min={1} max={30} disabled={busy} onChange={(iterations) => setAdaptSettings({ iterations })} />
        <NumberField
          label="Fine-tune batches"
          testId="adapt-finetune-batches"
          value={settings.finetuneBatches}
          min={0}
          max={2000}
          disabled={busy}
          onChange={(finetuneBatches) => setAdaptSettings({ finetuneBatches })}
        />
        <label className="inline-field adapt-uniform" title="Trains every layer scaled by one multiplier to the same budget, from scratch: the paper's baseline">
          <input type="checkbox" data-testid="adapt-uniform" checked={settings.uniform} disabled={busy} onChange={(e) => setAdaptSettings({ uniform: e.target.checked })} /> compare with
          uniform width scaling
        </label>
      </div>
      <div className="buttons">
        <button className="primary" data-testid="adapt-run" disabled={!canRun} onClick={() => void startAdapt()} title={trained ? undefined : 'Train a model first'}>
          Adapt
        </button>
        <button data-testid="adapt-cancel" disabled={!busy} onClick={cancelAdapt}>
          Cancel
        </button>
        <button
          className="preset-button"
          data-testid="adapt-seed002"
          disabled={busy || sweepBusy || phase === 'training' || phase === 'paused' || phase === 'starting' || phase === 'loading'}
          title={`${SEED002_PRESET.name}. Sets the formats, trains through the quantizers, then adapts to ${SEED002_PRESET.budget * 100}% on latency (energy without WebGPU).`}
          onClick={() => void runSeed002()}
        >
          Seed 002 preset
          <span className="muted small adapt-preset-sub">1-bit weights, 8-bit activations, train, then adapt</span>
        </button>
        {!trained && !busy && (
          <span className="muted small" data-testid="adapt-train-first">
            Train a model first (▶ Train above).
          </span>
        )}
      </div>
    </div>
  );
}

function statusText(s: Pick<AdaptState, 'status' | 'error' | 'steps'>): string {
  const iterations = Math.max(0, s.steps.length - 1);
  switch (s.status) {
    case 'idle':
      return '';
    case 'training':
      return 'training first';
    case 'running':
      return 'adapting';
    case 'done':
      return 'done';
    case 'stuck':
      return 'stopped: no layer could be cut further';
    case 'cancelled':
      return `cancelled after ${iterations} ${iterations === 1 ? 'iteration' : 'iterations'}`;
    case 'error':
      return `error: ${s.error ?? 'unknown'}`;
  }
}

/** Re-renders every `ms` while `on`: the ETA counts down between events. */
function useTicker(on: boolean, ms = 500) {
  const [, setTick] = useState(0);
  useEffect(() => {
    if (!on) return;
    const timer = setInterval(() => setTick((t) => t + 1), ms);
    return () => clearInterval(timer);
  }, [on, ms]);
}

function AdaptProgress() {
  const { status, error, steps, phase, phaseFraction, phaseStartedAt, base, finalBatches, settings, note } = useFields(
    useAdapt,
    'status',
    'error',
    'steps',
    'phase',
    'phaseFraction',
    'phaseStartedAt',
    'base',
    'finalBatches',
    'settings',
    'note',
  );
  const running = status === 'running';
  useTicker(running);
  const trainProgress = useStore((s) => s.progress);
  if (status === 'idle' && !note) return null;
  let fraction = 0;
  let text = '';
  if (status === 'training') {
    fraction = trainProgress ? trainProgress.samplesDone / trainProgress.samplesTotal : 0;
    text = trainProgress ? `training: ${Math.round(fraction * 100)}% · ${formatDuration(trainProgress.etaMs / 1000)} left, then adapting` : 'training, then adapting';
  } else if (running && base) {
    if (phase === 'latency-table') {
      fraction = phaseFraction ?? 0;
      text = `timing the kernels for the latency table: ${Math.round(fraction * 100)}%`;
    } else {
      const progress = estimateProgress({
        iterations: settings.iterations,
        layers: layersOf(base),
        finetuneBatches: settings.finetuneBatches,
        finalBatches,
        steps,
        phase: phase ?? 'iterations',
        elapsedInPhaseMs: performance.now() - phaseStartedAt,
      });
      fraction = progress.fraction;
      const done = Math.max(0, steps.length - 1);
      const what = phase === 'final' ? 'final fine-tune and test' : steps.length === 0 ? 'measuring the start' : `iteration ${done + 1} of ${Math.max(settings.iterations, done + 1)}`;
      text = `${what}${progress.etaMs === null ? '' : ` · ${formatDuration(progress.etaMs / 1000)} left`}`;
    }
  }
  return (
    <div className="adapt-progress">
      <div className="progress">
        <span className={`status ${status}`} data-testid="adapt-status">
          {statusText({ status, error, steps })}
        </span>
        {(running || status === 'training') && <progress data-testid="adapt-progress" max={1} value={fraction} />}
        <span className="progress-text" data-testid="adapt-progress-text">
          {text}
        </span>
      </div>
      {note && (
        <p className="help" data-testid="adapt-note">
          {note}
        </p>
      )}
    </div>
  );
}

function AdaptResult() {
  const summary = useAdapt((s) => s.summary);
  const knobsNetwork = useStore((s) => networkName(s.config));
  const keptNetwork = useStore((s) => (s.modelKept && s.result ? networkName(s.result.config) : null));
  if (!summary || summary.status === 'cancelled' || summary.testAccuracy === null) return null;
  const start = summary.steps[0];
  const end = summary.steps[summary.steps.length - 1];
  const ratio = summary.resource / summary.initialResource;
  const startAccuracy = start.holdoutAccuracy;
  const uniform = summary.uniform;
  return (
    <div className="adapt-result" data-testid="adapt-result">
      <p className="big-line">
        <strong data-testid="adapt-widths">
          {widthsText(start.widths)} → {widthsText(end.widths)}
        </strong>{' '}
        · {RESOURCE_INFO[summary.resourceName].label} {formatResource(summary.initialResource, summary.unit)} → <strong>{formatResource(summary.resource, summary.unit)}</strong> (
        <span data-testid="adapt-ratio">{Math.round(ratio * 100)}%</span>) · test <strong data-testid="adapt-test-accuracy">{formatPercent(summary.testAccuracy)}</strong>
        {uniform && uniform.testAccuracy !== null && (
          <>
            {' '}
            · uniform widths {widthsText(uniform.widths)}: <strong data-testid="adapt-uniform-accuracy">{formatPercent(uniform.testAccuracy)}</strong>
          </>
        )}
      </p>
      <p className="muted small">
        Started at {formatPercent(startAccuracy)} on the holdout images; the steps are compared on those, never on the test set, which is measured once at the end.
        {summary.holdoutSeen > 0 && (
          <span data-testid="adapt-holdout-seen">
            {' '}
            {summary.holdoutSeen.toLocaleString('en-US')} of them were among the training images (training used nearly the whole set), so holdout accuracies run high: train on fewer images for an unbiased walk.
          </span>
        )}
      </p>
      <div className="buttons">
        {/* Kept at the end; the knobs may have moved to another network since. */}
        {keptNetwork === networkName(summary.config) && knobsNetwork !== keptNetwork ? (
          <button className="primary" data-testid="adapt-keep" onClick={keepAdapted}>
            Keep this network
          </button>
        ) : (
          <span className="muted small" data-testid="adapt-kept">
            {knobsNetwork === networkName(summary.config) ? 'Kept: in the knobs and the link.' : ''}
          </span>
        )}
        <a
          href="#kernels"
          data-testid="adapt-open-kernels"
          className="small"
          onClick={() => {
            // The section tabs follow the hash; after the jump, the kernels section is in view.
            requestAnimationFrame(() => document.getElementById('section-kernels')?.scrollIntoView({ block: 'start' }));
          }}
        >
          Run it on the WebGPU kernels →
        </a>
      </div>
    </div>
  );
}

function StepTable() {
  const steps = useAdapt((s) => s.steps);
  const unit = useAdapt((s) => s.unit);
  const resourceName = useAdapt((s) => s.resourceName);
  if (steps.length === 0 || !resourceName) return <div />;
  const initial = steps[0].resource;
  const shownUnit = unit ?? resourceUnit(resourceName);
  return (
    <div className="adapt-table">
      <button className="link small" data-testid="adapt-show-chart" onClick={() => document.querySelector('[data-testid="pareto-panel"]')?.scrollIntoView({ block: 'center' })}>
        ↑ the walk on the chart
      </button>
      <table data-testid="adapt-table">
        <thead>
          <tr>
            <th>iteration</th>
            <th>layer cut</th>
            <th>widths</th>
            <th>{RESOURCE_INFO[resourceName].label}</th>
            <th>of start</th>
            <th>holdout accuracy</th>
          </tr>
        </thead>
        <tbody>
          {steps.map((step) => (
            <tr key={step.iteration} data-testid="adapt-row" data-iteration={step.iteration}>
              <td>{step.iteration}</td>
              <td>{step.layer ?? 'start'}</td>
              <td>{widthsText(step.widths)}</td>
              <td>{formatResource(step.resource, shownUnit)}</td>
              <td>{Math.round((step.resource / initial) * 100)}%</td>
              <td>{formatPercent(step.holdoutAccuracy)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
