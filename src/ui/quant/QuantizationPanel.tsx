/** The "Quantization" panel: weight format, activations, inputs, training mode, presets, storage. */
import { describeScheme } from '../../core/quant/schemes';
import { matchPreset, SEED003_PRESETS, type SchemePreset } from '../../core/presets';
import { activationChoice, activationFor, keepsEndsAt8Bit, storageOf, withEndsAt8Bit, type ActivationChoice } from '../quantConfig';
import { useStore } from '../store';
import { ParamInput, QuantField } from './ParamInput';
import { Toggle, WeightSchemeKnobs } from './WeightSchemeKnobs';

export function QuantizationPanel() {
  const locked = useStore((s) => s.phase === 'training' || s.phase === 'paused');
  return (
    <section className="panel quantization" data-testid="quantization-panel">
      <h2>Quantization</h2>
      <PresetPicker disabled={locked} />
      <WeightSchemeKnobs disabled={locked} />
      <ActivationKnobs disabled={locked} />
      <div className="grid">
        <InputBitsKnob disabled={locked} />
        <TrainingModeKnob disabled={locked} />
      </div>
      <KeepEndsToggle disabled={locked} />
      <LayerOverrides disabled={locked} />
      <Storage />
    </section>
  );
}

function paperError(preset: SchemePreset, model: string, hidden: readonly number[]): string | null {
  if (model === 'mlp1') return `${preset.paperError.mlp1}% on 1-hidden`;
  if (model === 'lenet') return `${preset.paperError.lenet}% on 2-conv`;
  if (hidden.length === 3 && hidden.every((h) => h === 4096)) return `${preset.paperError.mlp4096x3}% on 3-hidden`;
  return null;
}

function PresetPicker({ disabled }: { disabled: boolean }) {
  const weights = useStore((s) => s.config.weights);
  const activations = useStore((s) => s.config.activations);
  const model = useStore((s) => s.config.model);
  const hidden = useStore((s) => s.config.hidden);
  const setKnobs = useStore((s) => s.setKnobs);
  const current = matchPreset(weights, activations);
  const error = current && paperError(current, model, hidden);
  return (
    <QuantField
      label="Seed 003 model"
      help={current ? `Matches ${current.name}${error ? `: paper test error ${error}` : ''}.` : 'The current weights and activations match none of the seven.'}
    >
      <select
        data-testid="knob-preset"
        value={current?.id ?? 'custom'}
        disabled={disabled}
        onChange={(e) => {
          const preset = SEED003_PRESETS.find((p) => p.id === e.target.value);
          if (preset) setKnobs({ weights: preset.weights, activations: preset.activations });
        }}
      >
        {!current && <option value="custom">custom</option>}
        {SEED003_PRESETS.map((p) => (
          <option key={p.id} value={p.id}>
            {p.name}
          </option>
        ))}
      </select>
    </QuantField>
  );
}

const ACTIVATION_HELP: Record<ActivationChoice, string> = {
  relu: 'Hidden activations stay float.',
  'relu-fixed': 'ReLU on an unsigned grid of 2^bits − 1 levels, clipped at a calibrated value.',
  sign: '±1 activations (BinaryNet, LightNN-bin): the next layer only adds and subtracts.',
};

function ActivationKnobs({ disabled }: { disabled: boolean }) {
  const activations = useStore((s) => s.config.activations);
  const setKnob = useStore((s) => s.setKnob);
  const choice = activationChoice(activations);
  return (
    <div className="grid">
      <QuantField label="Activations" help={ACTIVATION_HELP[choice]}>
        <select data-testid="knob-activations" value={choice} disabled={disabled} onChange={(e) => setKnob('activations', activationFor(e.target.value as ActivationChoice))}>
          <option value="relu">ReLU, float</option>
          <option value="relu-fixed">ReLU, fixed point</option>
          <option value="sign">sign (±1)</option>
        </select>
      </QuantField>
      {activations.kind === 'relu' && activations.bits !== undefined && (
        <QuantField label="Activation bits" help="1..16 bits per hidden activation.">
          <ParamInput testId="knob-activations-bits" value={activations.bits} disabled={disabled} onCommit={(bits) => setKnob('activations', { ...activations, bits })} />
        </QuantField>
      )}
    </div>
  );
}

function InputBitsKnob({ disabled }: { disabled: boolean }) {
  const inputBits = useStore((s) => s.config.inputBits);
  const setKnob = useStore((s) => s.setKnob);
  return (
    <QuantField label="Input bits" help="1..8: pixels rounded to 2^bits − 1 grey levels.">
      <ParamInput testId="knob-inputBits" value={inputBits} disabled={disabled} onCommit={(bits) => setKnob('inputBits', bits)} />
    </QuantField>
  );
}

function TrainingModeKnob({ disabled }: { disabled: boolean }) {
  const training = useStore((s) => s.config.training);
  const setKnob = useStore((s) => s.setKnob);
  return (
    <QuantField
      label="Training"
      help={training === 'qat' ? 'Forward pass through the quantizers; gradients update float weights.' : 'Train float32, then quantize the trained weights (PTQ).'}
    >
      <select data-testid="knob-training" value={training} disabled={disabled} onChange={(e) => setKnob('training', e.target.value)}>
        <option value="float">float, then PTQ</option>
        <option value="qat">quantization-aware (QAT)</option>
      </select>
    </QuantField>
  );
}

function KeepEndsToggle({ disabled }: { disabled: boolean }) {
  const layers = useStore((s) => s.config.layers);
  const model = useStore((s) => s.config.model);
  const setKnob = useStore((s) => s.setKnob);
  return (
    <Toggle
      testId="knob-keep-ends"
      label="First and last layer at 8-bit fixed"
      help={`They matter most and hold few weights${model === 'mlp1' ? ' (mlp1 has only these two layers)' : ''}.`}
      checked={keepsEndsAt8Bit(layers)}
      disabled={disabled}
      onChange={(on) => setKnob('layers', withEndsAt8Bit(layers, on))}
    />
  );
}

function LayerOverrides({ disabled }: { disabled: boolean }) {
  const layers = useStore((s) => s.config.layers);
  const setKnob = useStore((s) => s.setKnob);
  if (layers.length === 0) return null;
  return (
    <p className="overrides small" data-testid="layer-overrides">
      Per layer:{' '}
      {layers.map((o) => `${o.layer === -1 ? 'last' : `#${o.layer}`} ${describeScheme(o.scheme)}`).join(' · ')}{' '}
      <button className="small-button" data-testid="clear-layers" disabled={disabled} onClick={() => setKnob('layers', [])}>
        Clear
      </button>
    </p>
  );
}

function Storage() {
  const config = useStore((s) => s.config);
  const storage = storageOf(config);
  const kb = storage.bits / 8 / 1024;
  return (
    <p className="storage" title="Weights and biases, each at its layer's bits per weight; 1 KB = 1024 bytes.">
      <span className="big-number" data-testid="bits-per-weight">
        {Number.isInteger(storage.bitsPerWeight) ? storage.bitsPerWeight : storage.bitsPerWeight.toFixed(2)}
      </span>{' '}
      bits per weight{storage.mixed ? ' (average)' : ''} ·{' '}
      <span className="big-number" data-testid="storage-kb">
        {kb < 10 ? kb.toFixed(2) : kb.toFixed(1)}
      </span>{' '}
      KB <span className="muted small">({storage.parameters.toLocaleString('en-US')} parameters)</span>
    </p>
  );
}
