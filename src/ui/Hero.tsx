/**
 * The big numbers a class looks at: float and quantized test accuracy side by side with the change
 * in percentage points, and what the quantized network costs (bits per weight, storage, energy).
 */
import { useMemo, useRef } from 'react';
import { energyTableOf } from '../core/config';
import { costOf } from '../core/runRecord';
import { formatEnergy } from './format';
import { currentAccuracy } from './pareto/useParetoData';
import { describeQuant, isFloatQuant, quantKey, storageOf } from './quantKnobs';
import { percentDigits as pct } from '../core/percent';
import { useStore } from './store';

/** The quantized accuracy shown for the current knobs; the last one stays (dimmed) while the next is evaluated. */
function useQuantizedShown(): { value: number | null; state: 'fresh' | 'pending' | 'none'; how: string | null } {
  const accuracy = useStore((s) => currentAccuracy(s)?.accuracy ?? null);
  const how = useStore((s) => currentAccuracy(s)?.how ?? null);
  const waiting = useStore((s) => s.modelKept && s.phase === 'done' && s.result !== null && currentAccuracy(s) === null && s.ptqError === null);
  const modelVersion = useStore((s) => s.modelVersion);
  const last = useRef<{ value: number; modelVersion: number } | null>(null);
  if (accuracy !== null) {
    last.current = { value: accuracy, modelVersion };
    return { value: accuracy, state: 'fresh', how };
  }
  const lastShown = last.current?.modelVersion === modelVersion ? last.current.value : null;
  return { value: waiting ? lastShown : null, state: waiting ? 'pending' : 'none', how: null };
}

export function AccuracyHero() {
  const result = useStore((s) => s.result);
  const epochs = useStore((s) => s.epochs);
  const phase = useStore((s) => s.phase);
  const config = useStore((s) => s.config);
  const quantized = useQuantizedShown();
  const floatKnobs = isFloatQuant(config);

  // The float model's accuracy: the last float run, or the running epoch's test accuracy.
  const runIsFloat = (result?.config ?? config).training === 'float' || isFloatQuant(result?.config ?? config);
  const lastEpoch = epochs[epochs.length - 1];
  const floatAccuracy = result ? (runIsFloat ? result.testAccuracy : null) : phase === 'training' || phase === 'paused' ? (lastEpoch?.testAccuracy ?? null) : null;
  const delta = floatAccuracy !== null && quantized.value !== null && quantized.state === 'fresh' && !floatKnobs ? quantized.value - floatAccuracy : null;

  return (
    <section className="panel hero" aria-label="Test accuracy">
      <div className="hero-numbers">
        <div className="hero-stat">
          <div className="hero-label">float32</div>
          <div className="hero-big">
            <span data-testid="float-accuracy">{floatAccuracy !== null ? pct(floatAccuracy) : '—'}</span>
            {floatAccuracy !== null && <span className="unit">%</span>}
          </div>
          <div className="hero-sub">{result && !runIsFloat ? 'trained with QAT: no float model' : result ? 'trained weights, unrounded' : phase === 'training' ? `epoch ${lastEpoch?.epoch ?? 0}` : 'press Train'}</div>
        </div>
        <div className="hero-arrow" aria-hidden="true">
          →
        </div>
        <div className={`hero-stat quantized ${quantized.state}`}>
          <div className="hero-label">
            {floatKnobs ? 'quantized: pick a format' : 'quantized'}
              {delta !== null && (
              <span className={`hero-delta ${delta * 100 <= -0.5 ? 'worse' : 'same'}`} data-testid="accuracy-delta">
                {delta >= 0 ? '+' : '−'}
                {Math.abs(delta * 100).toFixed(2)} pp
              </span>
            )}
          </div>
          <div className="hero-big">
            <span data-testid="quantized-accuracy" data-state={quantized.state} aria-live="polite">
              {floatKnobs && floatAccuracy !== null ? pct(floatAccuracy) : quantized.value !== null ? pct(quantized.value) : '—'}
            </span>
            {(quantized.value !== null || (floatKnobs && floatAccuracy !== null)) && <span className="unit">%</span>}
          </div>
          <QuantizedSubline state={quantized.state} how={quantized.how} floatKnobs={floatKnobs} />
        </div>
      </div>
      <CostStrip />
      <RunLine />
    </section>
  );
}

/** What the quantized number is: the setting and how it was measured (the setting only once its number shows). */
function QuantizedSubline({ state, how, floatKnobs }: { state: 'fresh' | 'pending' | 'none'; how: string | null; floatKnobs: boolean }) {
  const config = useStore((s) => s.config);
  const result = useStore((s) => s.result);
  const ptqError = useStore((s) => s.ptqError);
  const ptq = useStore((s) => s.ptqResults[quantKey(s.config)]);
  if (ptqError) return <div className="hero-sub error-text">{ptqError}</div>;
  if (state === 'pending')
    return (
      <div className="hero-sub" data-testid="ptq-pending">
        testing the rounded weights…
      </div>
    );
  if (floatKnobs) return <div className="hero-sub">float32 weights: nothing rounded</div>;
  if (state === 'none') return <div className="hero-sub">{result ? 'train this network to test it' : 'appears after training'}</div>;
  const what = ptq ? `rounded after training · ${Math.round(ptq.ms)} ms` : how === 'the last run' && result?.config.training === 'qat' ? 'trained with quantization (QAT)' : 'rounded after training';
  return (
    <div className="hero-sub" data-testid="ptq-setting">
      {describeQuant(config)} · {what}
    </div>
  );
}

function CostStrip() {
  const config = useStore((s) => s.config);
  const storage = storageOf(config);
  const kb = storage.bits / 8 / 1024;
  const tableKey = JSON.stringify(config.energy);
  const network = `${config.model}|${config.hidden.join(',')}`;
  // float32 at the same network and table: the yardstick for "how much cheaper".
  // eslint-disable-next-line react-hooks/exhaustive-deps -- keyed by network and table
  const floatEnergy = useMemo(() => costOf({ ...config, weights: { kind: 'float32' }, activations: { kind: 'relu' }, inputBits: 8, layers: [] }, energyTableOf(config)).energyPJ, [network, tableKey]);
  const energy = useMemo(() => costOf(config).energyPJ, [config]);
  return (
    <div className="cost-strip">
      <div>
        <span className="cost-big" data-testid="bits-per-weight">
          {Number.isInteger(storage.bitsPerWeight) ? storage.bitsPerWeight : storage.bitsPerWeight.toFixed(2)}
        </span>{' '}
        bits per weight{storage.mixed ? ' (average)' : ''}
      </div>
      <div title="Weights and biases at each layer's bits per weight; 1 KB = 1024 bytes.">
        <span className="cost-big" data-testid="storage-kb">
          {kb < 10 ? kb.toFixed(2) : kb.toFixed(1)}
        </span>{' '}
        KB of weights
      </div>
      <div title="Energy of one inference in our 45 nm model (Energy model tab).">
        <span className="cost-big" data-testid="hero-energy">
          {formatEnergy(energy)}
        </span>{' '}
        per image
        {Number.isFinite(floatEnergy) && floatEnergy > 0 && Number.isFinite(energy) && (
          <span className="muted"> ({(energy / floatEnergy).toLocaleString('en-US', { maximumFractionDigits: energy / floatEnergy < 0.1 ? 3 : 2 })}× float32)</span>
        )}
      </div>
    </div>
  );
}

/** The last run in one line: its own test accuracy, epochs, test images, speed. */
function RunLine() {
  const result = useStore((s) => s.result);
  const params = useStore((s) => s.result?.config.model);
  if (!result) return null;
  const accuracy = result.testAccuracy;
  return (
    <p className="run-line" data-testid="result-details" title="The last training run">
      Last run ({params}): <span data-testid="test-accuracy">{accuracy !== null ? pct(accuracy) : '—'}</span>% ·{' '}
      {result.status === 'done' ? 'finished' : 'stopped'} after {result.epochsCompleted} epoch{result.epochsCompleted === 1 ? '' : 's'} on{' '}
      {result.config.testSize.toLocaleString('en-US')} test images · {Math.round(result.samplesPerSec).toLocaleString('en-US')} samples/s on {result.backend} ·{' '}
      {(result.elapsedMs / 1000).toFixed(1)} s
    </p>
  );
}
