import { BACKEND_CHOICES, MODEL_NAMES } from '../core/config';
import { formatDuration } from '../core/planning';
import { TrainingCharts } from './Charts';
import { HiddenKnob, NumberKnob, SelectKnob } from './Knobs';
import { PtqAccuracy, RunQuantizedAccuracy } from './quant/QuantizedAccuracy';
import { QuantizationPanel } from './quant/QuantizationPanel';
import { TrainedWeightsPanel } from './quant/TrainedWeightsPanel';
import { KernelPanel } from './kernels/KernelPanel';
import { isFloatQuant } from './quantConfig';
import { selectParameterCount, useStore, type Phase } from './store';
import { EnergyPanel } from './energy/EnergyPanel';
import { ParetoPanel } from './pareto/ParetoPanel';
import { SweepPanel } from './sweep/SweepPanel';
import { selectSweepBusy, useSweep } from './sweep/sweepStore';

const MODEL_LABELS: Record<(typeof MODEL_NAMES)[number], string> = {
  mlp1: 'mlp1 — 784-100-10 (seed 003 "1-hidden")',
  lenet: 'lenet — 2 conv + 2 dense (seed 003 "2-conv")',
  mlp: 'mlp — custom hidden widths',
};
const BACKEND_LABELS: Record<(typeof BACKEND_CHOICES)[number], string> = {
  auto: 'auto (WebGPU → WebGL → WASM → CPU)',
  webgpu: 'WebGPU',
  webgl: 'WebGL',
  wasm: 'WASM',
  cpu: 'CPU',
};

function BackendBadge() {
  const backend = useStore((s) => s.backend);
  const phase = useStore((s) => s.phase);
  if (!backend) {
    return (
      <div className="backend-badge pending">
        Backend: <span data-testid="backend">{phase === 'error' ? 'none' : 'starting…'}</span>
      </div>
    );
  }
  return (
    <div className="backend-badge" title={backend.fallbackReasons.join('\n')}>
      Backend: <strong data-testid="backend">{backend.name}</strong>
      <span className="adapter" data-testid="backend-adapter">
        {' '}
        · {backend.adapter}
      </span>
    </div>
  );
}

function BackendNotes() {
  const backend = useStore((s) => s.backend);
  if (!backend || (backend.fallbackReasons.length === 0 && !backend.advice)) return null;
  return (
    <div className="notes" data-testid="backend-notes">
      {backend.fallbackReasons.length > 0 && (
        <p>
          Fell back to {backend.name}: {backend.fallbackReasons.join('; ')}.
        </p>
      )}
      {backend.advice && <p>{backend.advice}</p>}
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
      return 'starting the backend…';
    case 'loading':
      return loadProgress && loadProgress.total > 0
        ? `loading MNIST ${Math.round((100 * loadProgress.loaded) / loadProgress.total)}%`
        : 'loading MNIST…';
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
      return `error: ${error ?? 'unknown'}`;
  }
}

function Controls() {
  const phase = useStore((s) => s.phase);
  const progress = useStore((s) => s.progress);
  const loadProgress = useStore((s) => s.loadProgress);
  const error = useStore((s) => s.error);
  const warning = useStore((s) => s.warning);
  const acknowledged = useStore((s) => s.warningAcknowledged);
  const { startTraining, pause, resume, stop, acknowledgeWarning } = useStore.getState();
  const sweepBusy = useSweep(selectSweepBusy);
  const running = phase === 'training' || phase === 'paused';
  const busy = phase === 'starting' || phase === 'loading';
  const fraction = progress ? progress.samplesDone / progress.samplesTotal : 0;
  return (
    <section className="panel controls">
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
      <div className="buttons">
        <button
          className="primary"
          data-testid="train-button"
          disabled={running || busy || sweepBusy || (warning !== null && !acknowledged)}
          onClick={() => void startTraining()}
        >
          {phase === 'done' || phase === 'stopped' ? 'Train again' : 'Train'}
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
        <span className={`status ${phase}`} data-testid="status">
          {statusText(phase, loadProgress, error)}
        </span>
      </div>
      <div className="progress" aria-label="training progress">
        <progress data-testid="progress" max={1} value={fraction} />
        <span className="progress-text" data-testid="progress-text">
          {progress
            ? `epoch ${progress.epoch} · batch ${progress.batchInEpoch}/${progress.batchesPerEpoch} · ${Math.round(progress.samplesPerSec).toLocaleString('en-US')} samples/s · ${
                running ? `ETA ${formatDuration(progress.etaMs / 1000)}` : `${(progress.elapsedMs / 1000).toFixed(1)} s`
              }`
            : ''}
        </span>
      </div>
    </section>
  );
}

function Result() {
  const result = useStore((s) => s.result);
  const epochs = useStore((s) => s.epochs);
  const last = epochs[epochs.length - 1];
  const accuracy = result?.testAccuracy ?? null;
  const config = useStore((s) => s.config);
  // A QAT run is tested through its quantizers; anything else is tested with float32 weights.
  const runConfig = result?.config ?? config;
  const qat = runConfig.training === 'qat' && !isFloatQuant(runConfig);
  return (
    <section className="panel result">
      <h2>Test accuracy</h2>
      <div className="stats">
        <div className="stat">
          <h3>{qat ? 'QAT model, quantized' : 'float32 weights'}</h3>
          <p className="big">
            <span data-testid="test-accuracy">{accuracy !== null ? (accuracy * 100).toFixed(2) : last ? (last.testAccuracy * 100).toFixed(2) : '—'}</span>
            {(accuracy !== null || last) && <span className="unit">%</span>}
          </p>
        </div>
        <RunQuantizedAccuracy />
        <PtqAccuracy />
      </div>
      {result && (
        <p className="muted" data-testid="result-details">
          {result.status === 'done' ? 'Finished' : 'Stopped'} after {result.epochsCompleted} epoch{result.epochsCompleted === 1 ? '' : 's'} on{' '}
          {result.config.testSize.toLocaleString('en-US')} test images · {Math.round(result.samplesPerSec).toLocaleString('en-US')} samples/s on {result.backend} ·{' '}
          {(result.elapsedMs / 1000).toFixed(1)} s
        </p>
      )}
    </section>
  );
}

function ModelPanel() {
  const model = useStore((s) => s.config.model);
  const params = useStore(selectParameterCount);
  // A sweep's cells use the network and the backend it started with.
  const sweepBusy = useSweep(selectSweepBusy);
  const locked = useStore((s) => s.phase === 'training' || s.phase === 'paused') || sweepBusy;
  return (
    <section className="panel">
      <h2>Model</h2>
      <SelectKnob name="model" label="Architecture" disabled={locked} options={MODEL_NAMES.map((m) => ({ value: m, label: MODEL_LABELS[m] }))} />
      {model === 'mlp' && <HiddenKnob disabled={locked} />}
      <p className="params">
        <span data-testid="param-count">{params}</span> parameters <span className="muted">({params.toLocaleString('en-US')})</span>
      </p>
    </section>
  );
}

function TrainingPanel() {
  const optimizer = useStore((s) => s.config.optimizer);
  const sweepBusy = useSweep(selectSweepBusy);
  const locked = useStore((s) => s.phase === 'training' || s.phase === 'paused') || sweepBusy;
  return (
    <section className="panel">
      <h2>Training</h2>
      <div className="grid">
        <NumberKnob name="epochs" label="Epochs" disabled={locked} />
        <NumberKnob name="batch" label="Batch size" disabled={locked} />
        <NumberKnob name="lr" label="Learning rate" disabled={locked} />
        <SelectKnob name="optimizer" label="Optimizer" disabled={locked} options={[{ value: 'adam', label: 'Adam' }, { value: 'sgd', label: 'SGD + momentum' }]} />
        {optimizer === 'sgd' && <NumberKnob name="momentum" label="Momentum" disabled={locked} />}
        <NumberKnob name="trainSize" label="Training images" disabled={locked} />
        <NumberKnob name="testSize" label="Test images" disabled={locked} />
        <NumberKnob name="dataSeed" label="Data seed" disabled={locked} />
        <NumberKnob name="initSeed" label="Init seed" disabled={locked} />
        <SelectKnob name="backend" label="Backend" disabled={locked} options={BACKEND_CHOICES.map((b) => ({ value: b, label: BACKEND_LABELS[b] }))} />
      </div>
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

export function App() {
  const copyLink = useStore((s) => s.copyLink);
  const copied = useStore((s) => s.linkCopied);
  return (
    <div className="app">
      <header>
        <h1>Quantization Playground</h1>
        <BackendBadge />
        <button data-testid="copy-link" onClick={() => void copyLink()}>
          {copied ? 'Link copied' : 'Copy link'}
        </button>
      </header>
      <Notices />
      <BackendNotes />
      <main>
        <div className="column">
          <ModelPanel />
          <QuantizationPanel />
          <TrainingPanel />
        </div>
        <div className="column wide">
          <Controls />
          <Result />
          <ParetoPanel />
          <TrainedWeightsPanel />
          <KernelPanel />
          <section className="panel">
            <h2>Training curves</h2>
            <TrainingCharts />
          </section>
          <DataLine />
        </div>
      </main>
      <div className="analysis">
        <SweepPanel />
        <EnergyPanel />
      </div>
    </div>
  );
}
