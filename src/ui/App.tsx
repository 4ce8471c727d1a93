/**
 * One screen for the whole loop (knobs, Train, the accuracy numbers, the Pareto chart, weights or
 * curves), laid out for a 1280x800 projector; everything else in named sections below, one click away.
 */
import { useEffect, useState, type ReactNode } from 'react';
import { BACKEND_CHOICES, MODEL_NAMES } from '../core/config';
import { BACKEND_NAMES, describeAuto } from '../core/autoBackend';
import { formatDuration } from '../core/planning';
import { TrainingCharts } from './Charts';
import { useFields } from './common/useFields';
import { ErrorBoundary } from './ErrorBoundary';
import { ErrorDetails, RecoveryNotice } from './RunStatus';
import { AccuracyHero } from './Hero';
import { CheckboxKnob, HiddenKnob, LrScheduleKnob, NumberKnob, SelectKnob } from './Knobs';
import { QuantizationPanel } from './quant/QuantizationPanel';
import { WeightsView } from './quant/WeightsView';
import { KernelPanel } from './kernels/KernelPanel';
import { selectParameterCount, useStore, type Phase } from './store';
import { DataKnob } from './data/DataPanel';
import { modelsFor } from './data/dataModels';
import { dataReady, useData } from './data/dataStore';
import { EnergyPanel } from './energy/EnergyPanel';
import { ParetoPanel } from './pareto/ParetoPanel';
import { RecordsBar } from './pareto/RecordsBar';
import { RecordsTable } from './pareto/RecordsTable';
import { SweepPanel } from './sweep/SweepPanel';
import { AdaptPanel } from './adapt/AdaptPanel';
import { DigitView } from './teach/DigitView';
import { MistakesView } from './teach/MistakesView';
import { useTeach } from './teach/teachStore';
import { CollapseHint } from './teach/CollapseHint';
import { LessonPanel } from './teach/LessonPanel';
import type { PanelName } from '../core/config';
import { selectSweepBusy, useSweep } from './sweep/sweepStore';

const MODEL_LABELS: Record<(typeof MODEL_NAMES)[number], string> = {
  mlp1: 'MLP 784-100-10',
  lenet: 'LeNet (2 conv + 2 dense)',
  mlp: 'MLP, your widths',
  cifar3conv: 'CIFAR 3 conv + 1 dense',
  cifar6conv: 'CIFAR 6 conv + 3 dense (39 M)',
};
const BACKEND_LABELS: Record<(typeof BACKEND_CHOICES)[number], string> = {
  auto: 'auto (the fastest, measured)',
  webgpu: 'WebGPU',
  webgl: 'WebGL',
  wasm: 'WASM',
  cpu: 'CPU',
};

/** The backend the config asks for, when the running worker was started with another choice (applies from the next run). */
function PendingBackend() {
  const choice = useStore((s) => s.config.backend);
  const running = useStore((s) => s.backendChoice);
  if (running === null || running === choice) return null;
  return (
    <span className="pending-backend" data-testid="backend-pending">
      {' '}
      → {BACKEND_LABELS[choice].split(' ')[0]} from the next run
    </span>
  );
}

/** What `backend=auto` measured or remembers for this model, in one line; null for a manual choice. */
function useAutoText(): string | null {
  const auto = useStore((s) => s.auto);
  const running = useStore((s) => s.backendChoice);
  const batch = useStore((s) => s.config.batch);
  if (running !== 'auto' || !auto) return null;
  // Remembered per model: numbers from another batch size say so.
  const known = auto.choice ? `${describeAuto({ backend: auto.choice, threads: auto.threads }, auto.results)}${auto.batch && auto.batch !== batch ? ` (at batch ${auto.batch})` : ''}` : 'auto';
  const pending = auto.pending && auto.choice ? ` (${BACKEND_NAMES[auto.choice]} from the next run)` : '';
  switch (auto.status) {
    case 'measuring': {
      const sofar = auto.results.map((r) => `${BACKEND_NAMES[r.backend]} ${r.samplesPerSec === null ? 'failed' : Math.round(r.samplesPerSec).toLocaleString('en-US')}`);
      return `auto: measuring the backends${sofar.length > 0 ? ` (${sofar.join(', ')})` : ''}…`;
    }
    case 'measured':
      return `${known}${pending}`;
    case 'remembered':
      return `${known} (measured ${auto.measuredAt ? new Date(auto.measuredAt).toLocaleDateString('en-US') : 'before'})${pending}`;
    case 'interrupted':
      return 'auto: the measurement gave way to a run; re-measure when idle';
    case 'failed':
      return `auto: the measurement failed (${auto.error ?? 'no backend trained'})`;
  }
}

/** Times the backends again (auto only; not while training or sweeping). */
function RemeasureButton() {
  const remeasure = useStore((s) => s.remeasureBackends);
  const running = useStore((s) => s.backendChoice);
  const status = useStore((s) => s.auto?.status);
  const phase = useStore((s) => s.phase);
  const sweepBusy = useSweep(selectSweepBusy);
  if (running !== 'auto') return null;
  const busy = status === 'measuring' || phase === 'training' || phase === 'paused' || phase === 'starting' || phase === 'loading' || sweepBusy;
  return (
    <button className="remeasure" data-testid="backend-remeasure" disabled={busy} onClick={remeasure} title="Time a few training steps of this model on each backend and train on the fastest">
      re-measure
    </button>
  );
}

function BackendBadge() {
  const backend = useStore((s) => s.backend);
  const phase = useStore((s) => s.phase);
  const autoText = useAutoText();
  if (!backend) {
    return (
      <div className="backend-badge pending">
        <span data-testid="backend">{phase === 'error' ? 'none' : 'starting…'}</span>
      </div>
    );
  }
  const notes = [...backend.fallbackReasons, ...(backend.advice ? [backend.advice] : []), ...(backend.threadsNote ? [backend.threadsNote] : [])];
  return (
    <>
      <div className="backend-badge" title={[autoText, ...notes].filter(Boolean).join('\n') || undefined}>
        <span className="sr-only">Backend: </span>
        <strong data-testid="backend">{backend.name}</strong>
        {backend.threads !== null && (
          <span data-testid="backend-threads" data-threads={backend.threads}>
            , {backend.threads} {backend.threads === 1 ? 'thread' : 'threads'}
          </span>
        )}
        <span className="adapter" data-testid="backend-adapter">
          {' '}
          · {backend.adapter}
        </span>
        {autoText && (
          <span className="adapter" data-testid="backend-auto">
            {' '}
            · {autoText}
          </span>
        )}
        {notes.length > 0 && <span aria-hidden="true"> ⓘ</span>}
        <PendingBackend />
      </div>
      <RemeasureButton />
    </>
  );
}

function BackendNotes() {
  const backend = useStore((s) => s.backend);
  const autoText = useAutoText();
  if (!backend || (backend.fallbackReasons.length === 0 && !backend.advice && !backend.threadsNote && !autoText)) return null;
  return (
    <div className="notes" data-testid="backend-notes">
      {autoText && (
        <p data-testid="backend-auto-details">{autoText}</p>
      )}
      {backend.fallbackReasons.length > 0 && (
        <p>
          Fell back to {backend.name}: {backend.fallbackReasons.join('; ')}.
        </p>
      )}
      {backend.advice && <p>{backend.advice}</p>}
      {backend.threadsNote && <p data-testid="backend-threads-note">{backend.threadsNote}</p>}
    </div>
  );
}

function Notices() {
  const notices = useStore((s) => s.notices);
  const dismiss = useStore((s) => s.dismissNotice);
  const knobError = useStore((s) => s.knobError);
  if (notices.length === 0 && !knobError) return null;
  return (
    <div className="notices" role="alert">
      {notices.map((n, i) => (
        <div key={i} className={`notice ${n.level}`} data-testid="notice">
          <span>{n.message}</span>
          <button className="link" onClick={() => dismiss(i)} aria-label="Dismiss">
            ×
          </button>
        </div>
      ))}
      {knobError && (
        <div className="notice error" data-testid="knob-error">
          {knobError}
        </div>
      )}
    </div>
  );
}

function statusText(phase: Phase, loadProgress: { loaded: number; total: number } | null, error: string | null): string {
  switch (phase) {
    case 'starting':
      return 'starting…';
    case 'loading':
      return loadProgress && loadProgress.total > 0 ? `loading MNIST ${Math.min(100, Math.round((100 * loadProgress.loaded) / loadProgress.total))}%` : 'loading MNIST…';
    case 'ready':
      return 'ready';
    case 'training':
      return 'training';
    case 'paused':
      return 'paused';
    case 'done':
      return 'done';
    case 'stopped':
      return 'stopped';
    case 'error':
      // Already in words a user understands (store.explainError); the technical text is behind "details".
      return error ?? 'something failed: press Train to try again';
  }
}

/** Train, pause, stop, progress, and the knobs a lecturer changes before pressing Train. */
function RunBar() {
  const { phase, progress, loadProgress, error, warning, warningAcknowledged: acknowledged } = useFields(useStore, 'phase', 'progress', 'loadProgress', 'error', 'warning', 'warningAcknowledged');
  const model = useStore((s) => s.config.model);
  const data = useStore((s) => s.config.data);
  const dataOk = useData((d) => dataReady(d, data));
  const params = useStore(selectParameterCount);
  const { startTraining, pause, resume, stop, acknowledgeWarning } = useStore.getState();
  const sweepBusy = useSweep(selectSweepBusy);
  const running = phase === 'training' || phase === 'paused';
  const busy = phase === 'starting' || phase === 'loading';
  const locked = running || sweepBusy;
  const fraction = progress ? progress.samplesDone / progress.samplesTotal : 0;
  return (
    <section className="runbar" aria-label="Training">
      <div className="run-buttons">
        <button
          className="primary train"
          data-testid="train-button"
          disabled={running || busy || sweepBusy || !dataOk || (warning !== null && !acknowledged)}
          title={dataOk ? undefined : 'Load the data set first: its files, or pick MNIST'}
          onClick={() => void startTraining()}
        >
          {phase === 'done' || phase === 'stopped' ? '▶ Train again' : '▶ Train'}
        </button>
        {phase === 'paused' ? (
          <button data-testid="resume-button" onClick={resume}>
            Resume
          </button>
        ) : (
          <button data-testid="pause-button" disabled={phase !== 'training'} onClick={pause}>
            Pause
          </button>
        )}
        <button data-testid="stop-button" disabled={!running} onClick={stop}>
          Stop
        </button>
      </div>
      <div className="run-progress">
        <div className="run-status">
          <span className={`status ${phase}`} data-testid="status" role="status">
            {statusText(phase, loadProgress, error)}
          </span>
          <ErrorDetails />
          <span className="progress-text" data-testid="progress-text">
            {progress
              ? `epoch ${progress.epoch} · batch ${progress.batchInEpoch}/${progress.batchesPerEpoch} · ${Math.round(progress.samplesPerSec).toLocaleString('en-US')} images/s · ${
                  running ? `${formatDuration(progress.etaMs / 1000)} left` : `${(progress.elapsedMs / 1000).toFixed(1)} s`
                }`
              : ''}
          </span>
        </div>
        <progress data-testid="progress" aria-label="training progress" max={1} value={fraction} />
      </div>
      <div className="run-knobs">
        <DataKnob disabled={locked} />
        <SelectKnob name="model" label="Network" disabled={locked} options={modelsFor(data).map((m) => ({ value: m, label: MODEL_LABELS[m] }))} />
        {model === 'mlp' && <HiddenKnob disabled={locked} />}
        <NumberKnob name="epochs" label="Epochs" disabled={locked} />
        <NumberKnob name="trainSize" label="Training images" disabled={locked} />
        <p className="params">
          <span data-testid="param-count" data-count={params}>
            {params.toLocaleString('en-US')}
          </span>{' '}
          weights
        </p>
      </div>
      {warning && !running && (
        <div className="warning" data-testid="training-warning">
          <p>{warning.message}</p>
          {!acknowledged && !warning.blocking && (
            <button onClick={acknowledgeWarning} data-testid="train-anyway">
              Train anyway
            </button>
          )}
        </div>
      )}
    </section>
  );
}

const VIEWS = [
  { id: 'weights', label: 'Weights' },
  { id: 'curves', label: 'Curves' },
  { id: 'draw', label: 'Draw a digit' },
  { id: 'mistakes', label: 'Mistakes' },
] as const;
type ViewId = (typeof VIEWS)[number]['id'];

/** One compact panel that switches between the weights, the curves, a digit to draw and the mistakes; training shows the curves. */
function ViewPanel() {
  const phase = useStore((s) => s.phase);
  const [picked, setPicked] = useState<ViewId | null>(null);
  const requested = useTeach((t) => t.requestedView);
  // A flipped example clicked in Mistakes opens the drawing pad with it.
  useEffect(() => {
    if (!requested) return;
    setPicked(requested);
    useTeach.getState().requestView(null);
  }, [requested]);
  const hide = useStore((s) => s.config.hide);
  const views = VIEWS.filter((v) => !hide.includes(v.id));
  const fallback: ViewId = phase === 'training' || phase === 'paused' ? 'curves' : 'weights';
  const wanted: ViewId = picked ?? (views.some((v) => v.id === fallback) ? fallback : (views[0]?.id ?? 'weights'));
  const view: ViewId | null = views.some((v) => v.id === wanted) ? wanted : (views[0]?.id ?? null);
  if (view === null) return null;
  return (
    <section className="panel view-panel" aria-label="Weights, curves, drawing and mistakes">
      <div className="view-tabs" role="tablist" aria-label="View">
        {views.map((v) => (
          <button key={v.id} role="tab" aria-selected={view === v.id} data-testid={`view-${v.id}`} onClick={() => setPicked(v.id)}>
            {v.label}
          </button>
        ))}
      </div>
      <div role="tabpanel" data-testid={view === 'weights' ? 'histogram-panel' : view === 'curves' ? 'curves-panel' : `${view}-panel`}>
        {view === 'weights' && <WeightsView />}
        {view === 'curves' && <TrainingCharts compact height={150} />}
        {view === 'draw' && <DigitView />}
        {view === 'mistakes' && <MistakesView />}
      </div>
    </section>
  );
}

function TrainingSettings() {
  const optimizer = useStore((s) => s.config.optimizer);
  const sweepBusy = useSweep(selectSweepBusy);
  const locked = useStore((s) => s.phase === 'training' || s.phase === 'paused') || sweepBusy;
  return (
    <section className="panel" data-testid="training-settings">
      <h2>Training settings</h2>
      <div className="grid">
        <NumberKnob name="batch" label="Batch size" disabled={locked} />
        <NumberKnob name="lr" label="Learning rate" disabled={locked} />
        <SelectKnob name="optimizer" label="Optimizer" disabled={locked} options={[{ value: 'adam', label: 'Adam' }, { value: 'sgd', label: 'SGD + momentum' }]} />
        {optimizer === 'sgd' && <NumberKnob name="momentum" label="Momentum" disabled={locked} />}
        <LrScheduleKnob disabled={locked} />
        <CheckboxKnob name="batchNorm" label="Batch norm" disabled={locked} />
        <NumberKnob name="testSize" label="Test images" disabled={locked} />
        <NumberKnob name="dataSeed" label="Data seed" disabled={locked} />
        <NumberKnob name="initSeed" label="Init seed" disabled={locked} />
        <SelectKnob name="backend" label="Backend" disabled={locked} options={BACKEND_CHOICES.map((b) => ({ value: b, label: BACKEND_LABELS[b] }))} />
      </div>
      <BackendNotes />
      <DataLine />
    </section>
  );
}

function DataLine() {
  const data = useStore((s) => s.data);
  if (!data) return null;
  return (
    <p className="muted small" data-testid="data-info">
      MNIST: {data.trainCount.toLocaleString('en-US')} training and {data.testCount.toLocaleString('en-US')} test images ·{' '}
      {(data.compressedBytes / 1e6).toFixed(1)} MB loaded in {(data.loadMs / 1000).toFixed(1)} s
    </p>
  );
}

export const SECTIONS = [
  { id: 'training', label: 'Training settings' },
  { id: 'experiments', label: 'Paper experiments & sweeps' },
  { id: 'energy', label: 'Energy model' },
  { id: 'adapt', label: 'Adapt to a budget' },
  { id: 'kernels', label: 'WebGPU kernels' },
  { id: 'records', label: 'All results' },
] as const;
export type SectionId = (typeof SECTIONS)[number]['id'];

function sectionFromHash(): SectionId | null {
  const id = location.hash.replace(/^#/, '');
  return SECTIONS.some((s) => s.id === id) ? (id as SectionId) : null;
}

/** The sections below the screen: one open at a time, its name in the URL's hash so a link opens it. */
function Sections() {
  const hide = useStore((s) => s.config.hide);
  // NetAdapt is a paper experiment: hide=experiments (or sweeps) hides it too.
  const hidden = (id: SectionId) => (id === 'adapt' ? hide.includes('experiments') || hide.includes('sweeps') : hide.includes(id) || (id === 'experiments' && hide.includes('sweeps')));
  const sections = SECTIONS.filter((s) => !hidden(s.id));
  const [open, setOpen] = useState<SectionId | null>(() => (typeof location === 'undefined' ? null : sectionFromHash()));
  useEffect(() => {
    const onHash = () => setOpen(sectionFromHash());
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  const choose = (id: SectionId) => {
    const next = open === id ? null : id;
    setOpen(next);
    history.replaceState(history.state, '', `${location.pathname}${location.search}${next ? `#${next}` : ''}`);
  };
  return (
    <div className="sections">
      <div className="section-tabs" role="tablist" aria-label="More">
        {sections.map((s) => (
          <button key={s.id} role="tab" aria-selected={open === s.id} aria-controls={`section-${s.id}`} data-testid={`section-tab-${s.id}`} onClick={() => choose(s.id)}>
            {s.label}
          </button>
        ))}
      </div>
      {open && sections.some((s) => s.id === open) && (
        <div className="section-body" id={`section-${open}`} role="tabpanel">
          {/* Keyed by section: opening another one starts with a fresh boundary. */}
          <ErrorBoundary key={open} name={`section-${open}`}>
            {open === 'training' && <TrainingSettings />}
            {open === 'experiments' && <SweepPanel />}
            {open === 'energy' && <EnergyPanel />}
            {open === 'adapt' && <AdaptPanel />}
            {open === 'kernels' && <KernelPanel />}
            {open === 'records' && <RecordsTable />}
          </ErrorBoundary>
        </div>
      )}
    </div>
  );
}

/** One area of the stage's grid (placed by its class, `area-<name>`), inside its own error boundary. */
function Area({ name, boundary = name, children }: { name: string; boundary?: string; children: ReactNode }) {
  return (
    <div className={`area-${name}`}>
      <ErrorBoundary name={boundary}>{children}</ErrorBoundary>
    </div>
  );
}

export function App() {
  const copyLink = useStore((s) => s.copyLink);
  const copied = useStore((s) => s.linkCopied);
  const present = useStore((s) => s.config.present);
  const hide = useStore((s) => s.config.hide);
  const forStudents = useStore((s) => s.config.lesson !== null || s.config.hide.length > 0);
  const shown = (name: PanelName) => !hide.includes(name);
  const stageClass = ['stage', shown('knobs') ? '' : 'no-knobs', shown('chart') ? '' : 'no-chart'].filter(Boolean).join(' ');
  return (
    <div className={present ? 'app present' : 'app'}>
      <header>
        <h1>Quantization Playground</h1>
        <span className="tagline">What happens to a network when its numbers get fewer bits?</span>
        <BackendBadge />
        <button data-testid="copy-link" onClick={() => void copyLink()} title="A link that opens this page with every setting, the lesson and the hidden panels">
          {copied ? 'Link copied' : forStudents ? 'Copy link for students' : 'Copy link'}
        </button>
      </header>
      <Notices />
      <RecoveryNotice />
      {/* One boundary per panel: a render error stays in its panel; Train and Stop keep working. */}
      <ErrorBoundary name="run-bar">
        <RunBar />
      </ErrorBoundary>
      <ErrorBoundary name="lesson">
        <LessonPanel />
      </ErrorBoundary>
      <main className={stageClass}>
        {shown('knobs') && (
          <Area name="knobs">
            <QuantizationPanel />
          </Area>
        )}
        <Area name="hero">
          <AccuracyHero />
          <CollapseHint />
        </Area>
        <Area name="view">
          <ViewPanel />
        </Area>
        {shown('chart') && (
          <Area name="chart" boundary="pareto">
            <ParetoPanel height={380} />
            <RecordsBar />
          </Area>
        )}
      </main>
      <Sections />
    </div>
  );
}
