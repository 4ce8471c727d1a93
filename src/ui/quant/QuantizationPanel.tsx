/** The knobs column: paper presets, weight format, inputs, activations, and when quantization happens. */
import { describeScheme } from '../../core/quant/schemes';
import { matchPreset, SEED003_PRESETS, type SchemePreset } from '../../core/presets';
import { paperModelKey } from '../../core/runRecord';
import type { Config } from '../../core/config';
import { Slider } from '../Knobs';
import { activationChoice, activationFor, keepsEndsAt8Bit, withEndsAt8Bit, type ActivationChoice } from '../quantKnobs';
import { useStore } from '../store';
import { InputPreview } from '../teach/InputPreview';
import { WeightSchemeKnobs } from './WeightSchemeKnobs';

export function QuantizationPanel() {
  const locked = useStore((s) => s.phase === 'training' || s.phase === 'paused');
  const showPresets = useStore((s) => !s.config.hide.includes('presets'));
  return (
    <section className="panel quantization" data-testid="quantization-panel" aria-label="Quantization">
      {showPresets && <PresetPicker disabled={locked} />}
      <WeightSchemeKnobs disabled={locked} />
      <InputBitsKnob disabled={locked} />
      <InputPreview />
      <ActivationKnobs disabled={locked} />
      <TrainingModeKnob disabled={locked} />
      <KeepEndsToggle disabled={locked} />
      <LayerOverrides disabled={locked} />
    </section>
  );
}

/** The paper's test error for this preset on this network and data set (seed 003 reports MNIST's and CIFAR-10's). */
function paperError(preset: SchemePreset, config: Pick<Config, 'model' | 'hidden' | 'data'>): string | null {
  const key = paperModelKey(config);
  return key && `${preset.paperError[key]}% test error on this network`;
}

function PresetPicker({ disabled }: { disabled: boolean }) {
  const weights = useStore((s) => s.config.weights);
  const activations = useStore((s) => s.config.activations);
  const model = useStore((s) => s.config.model);
  const hidden = useStore((s) => s.config.hidden);
  const data = useStore((s) => s.config.data);
  const setKnobs = useStore((s) => s.setKnobs);
  const current = matchPreset(weights, activations);
  const error = current && paperError(current, { model, hidden, data });
  return (
    <label className="field preset" title="Seven models of Ding, Liu, Blanton and Marculescu, ASP-DAC 2018: LightNN versus binary networks">
      <span className="field-label">
        Paper presets <span className="source">(Ding et al. 2018)</span>
      </span>
      <select
        data-testid="knob-preset"
        value={current?.id ?? 'custom'}
        disabled={disabled}
        onChange={(e) => {
          const preset = SEED003_PRESETS.find((p) => p.id === e.target.value);
          if (preset) setKnobs({ weights: preset.weights, activations: preset.activations, batchNorm: preset.batchNorm });
        }}
      >
        {!current && <option value="custom">your own setting</option>}
        {SEED003_PRESETS.map((p) => (
          <option key={p.id} value={p.id}>
            {p.name}
          </option>
        ))}
      </select>
      {error && <span className="hint">Paper: {error}</span>}
    </label>
  );
}

function InputBitsKnob({ disabled }: { disabled: boolean }) {
  const inputBits = useStore((s) => s.config.inputBits);
  const colour = useStore((s) => s.config.data === 'cifar10');
  const setKnob = useStore((s) => s.setKnob);
  return (
    <Slider
      testId="knob-slider-inputBits"
      label="Input resolution"
      value={inputBits}
      min={1}
      max={8}
      disabled={disabled}
      format={(b) => `${b} bit${b > 1 ? 's' : ''}`}
      hint={colour ? `${2 ** inputBits} levels per colour channel` : inputBits === 1 ? 'black and white pixels' : `${2 ** inputBits} grey levels per pixel`}
      onChange={(bits) => setKnob('inputBits', bits)}
    />
  );
}

const ACTIVATION_HINT: Record<ActivationChoice, string> = {
  relu: 'Between layers, values stay float.',
  'relu-fixed': 'Between layers, ReLU outputs rounded to fixed point (clip calibrated per layer).',
  sign: 'Between layers, only ±1: the next layer just adds and subtracts (BinaryNet).',
};

function ActivationKnobs({ disabled }: { disabled: boolean }) {
  const activations = useStore((s) => s.config.activations);
  const setKnob = useStore((s) => s.setKnob);
  const choice = activationChoice(activations);
  return (
    <div className="activations">
      <label className="field">
        <span className="field-label">Activations</span>
        <select data-testid="knob-activations" value={choice} disabled={disabled} onChange={(e) => setKnob('activations', activationFor(e.target.value as ActivationChoice))}>
          <option value="relu">ReLU, float</option>
          <option value="relu-fixed">ReLU, fixed point</option>
          <option value="sign">sign (±1)</option>
        </select>
        <span className="hint">{ACTIVATION_HINT[choice]}</span>
      </label>
      {activations.kind === 'relu' && activations.bits !== undefined && (
        <Slider
          testId="knob-slider-activationBits"
          label="Activation bits"
          value={activations.bits}
          min={1}
          max={16}
          disabled={disabled}
          format={(b) => `${b} bit${b > 1 ? 's' : ''}`}
          onChange={(bits) => setKnob('activations', { ...activations, bits })}
        />
      )}
    </div>
  );
}

function TrainingModeKnob({ disabled }: { disabled: boolean }) {
  const training = useStore((s) => s.config.training);
  const setKnob = useStore((s) => s.setKnob);
  return (
    <label className="field">
      <span className="field-label">When to quantize</span>
      <select data-testid="knob-training" value={training} disabled={disabled} onChange={(e) => setKnob('training', e.target.value)}>
        <option value="float">after training (PTQ)</option>
        <option value="qat">during training (QAT)</option>
      </select>
      <span className="hint">
        {training === 'qat'
          ? 'QAT: training goes through the rounding, so the network learns to live with it. Retrain after a change.'
          : 'PTQ: train in float32 once, then round the weights; every knob re-tests at once.'}
      </span>
    </label>
  );
}

function KeepEndsToggle({ disabled }: { disabled: boolean }) {
  const layers = useStore((s) => s.config.layers);
  const model = useStore((s) => s.config.model);
  const setKnob = useStore((s) => s.setKnob);
  return (
    <label className="inline-field" title={`They matter most and hold few weights${model === 'mlp1' ? ' (mlp1 has only these two layers)' : ''}.`}>
      <input type="checkbox" data-testid="knob-keep-ends" checked={keepsEndsAt8Bit(layers)} disabled={disabled} onChange={(e) => setKnob('layers', withEndsAt8Bit(layers, e.target.checked))} /> First
      and last layer at 8-bit fixed
    </label>
  );
}

function LayerOverrides({ disabled }: { disabled: boolean }) {
  const layers = useStore((s) => s.config.layers);
  const setKnob = useStore((s) => s.setKnob);
  if (layers.length === 0) return null;
  return (
    <p className="overrides small" data-testid="layer-overrides">
      Per layer: {layers.map((o) => `${o.layer === -1 ? 'last' : `#${o.layer}`} ${describeScheme(o.scheme)}`).join(' · ')}{' '}
      <button className="small-button" data-testid="clear-layers" disabled={disabled} onClick={() => setKnob('layers', [])}>
        Clear
      </button>
    </p>
  );
}
