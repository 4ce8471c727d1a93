/** The weight scheme: its kind, then the parameters of that kind. */
import { defaultMinifloatBias, minifloatBiasRange, type WeightScheme } from '../../core/quant/schemes';
import { defaultScheme, normalizeScheme, type SchemeKind } from '../quantConfig';
import { useStore } from '../store';
import { ParamInput, QuantField } from './ParamInput';

const KINDS: readonly { kind: SchemeKind; label: string; help: string }[] = [
  { kind: 'float32', label: 'float32', help: 'No quantization: 32-bit floats.' },
  { kind: 'fixed', label: 'fixed point', help: "Uniform grid of 2^bits − 1 levels; the layer's largest |w| is the top level." },
  { kind: 'minifloat', label: 'minifloat', help: 'A tiny float: sign, E exponent bits, M mantissa bits.' },
  { kind: 'lightnn', label: 'LightNN', help: '±(sum of k powers of two 2^−m, m = 0..7): a multiply becomes k shifts.' },
  { kind: 'binary', label: 'binary', help: 'One bit: ±1 (BinaryConnect) or ±mean|w| of the layer (L1 scale).' },
];

export function WeightSchemeKnobs({ disabled }: { disabled: boolean }) {
  const weights = useStore((s) => s.config.weights);
  const setKnob = useStore((s) => s.setKnob);
  // Partial updates of the current scheme; the schema validates the result.
  const update = (patch: Record<string, unknown>) => setKnob('weights', normalizeScheme({ ...weights, ...patch } as WeightScheme));
  const help = KINDS.find((k) => k.kind === weights.kind)?.help ?? '';
  return (
    <>
      <QuantField label="Weight format" help={help}>
        <select
          data-testid="knob-weights"
          value={weights.kind}
          disabled={disabled}
          onChange={(e) => setKnob('weights', defaultScheme(e.target.value as SchemeKind))}
        >
          {KINDS.map((k) => (
            <option key={k.kind} value={k.kind}>
              {k.label}
            </option>
          ))}
        </select>
      </QuantField>
      <div className="grid">
        <SchemeParams scheme={weights} disabled={disabled} update={update} />
      </div>
    </>
  );
}

type Update = (patch: Record<string, unknown>) => void;

function SchemeParams({ scheme, disabled, update }: { scheme: WeightScheme; disabled: boolean; update: Update }) {
  switch (scheme.kind) {
    case 'float32':
      return null;
    case 'fixed':
      return (
        <QuantField label="Bits" help="2..16, sign included.">
          <ParamInput testId="knob-weights-bits" value={scheme.bits} disabled={disabled} onCommit={(bits) => update({ bits })} />
        </QuantField>
      );
    case 'minifloat':
      return <MinifloatParams scheme={scheme} disabled={disabled} update={update} />;
    case 'lightnn':
      return (
        <>
          <QuantField label="Terms k" help="1..4 powers of two per weight (4k bits stored).">
            <ParamInput testId="knob-weights-k" value={scheme.k} disabled={disabled} onCommit={(k) => update({ k })} />
          </QuantField>
          <QuantField label="Rounding" help="Stochastic: rounds up with probability by distance (training only).">
            <select data-testid="knob-weights-rounding" value={scheme.rounding ?? 'nearest'} disabled={disabled} onChange={(e) => update({ rounding: e.target.value })}>
              <option value="nearest">nearest</option>
              <option value="stochastic">stochastic</option>
            </select>
          </QuantField>
          <Toggle testId="knob-weights-allowZero" label="Allow zero" help="Adds 0 to the legal values (not in seed 003)." checked={scheme.allowZero ?? false} disabled={disabled} onChange={(allowZero) => update({ allowZero })} />
        </>
      );
    case 'binary':
      return (
        <QuantField label="Scale" help="none: ±1; l1: ±mean|w| per layer (seed 002).">
          <select data-testid="knob-weights-scale" value={scheme.scale} disabled={disabled} onChange={(e) => update({ scale: e.target.value })}>
            <option value="none">none (±1)</option>
            <option value="l1">l1 (±α)</option>
          </select>
        </QuantField>
      );
  }
}

function MinifloatParams({ scheme, disabled, update }: { scheme: Extract<WeightScheme, { kind: 'minifloat' }>; disabled: boolean; update: Update }) {
  const range = minifloatBiasRange(scheme.exponentBits);
  return (
    <>
      <QuantField label="Exponent bits E" help="2..8: the range of magnitudes.">
        <ParamInput testId="knob-weights-exponentBits" value={scheme.exponentBits} disabled={disabled} onCommit={(exponentBits) => update({ exponentBits })} />
      </QuantField>
      <QuantField label="Mantissa bits M" help="0..23: the precision within a power of two.">
        <ParamInput testId="knob-weights-mantissaBits" value={scheme.mantissaBits} disabled={disabled} onCommit={(mantissaBits) => update({ mantissaBits })} />
      </QuantField>
      <QuantField label="Bias" help={`${range.min}..${range.max}; blank: 2^(E−1) − 1. Per-layer auto bias: under Trained weights.`}>
        <ParamInput
          testId="knob-weights-bias"
          value={scheme.bias}
          placeholder={`default ${defaultMinifloatBias(scheme.exponentBits)}`}
          disabled={disabled}
          onCommit={(bias) => update({ bias })}
        />
      </QuantField>
      <Toggle testId="knob-weights-subnormals" label="Subnormals" help="Off: values below the smallest normal go to 0 or to it." checked={scheme.subnormals ?? true} disabled={disabled} onChange={(subnormals) => update({ subnormals })} />
    </>
  );
}

export function Toggle({
  testId,
  label,
  help,
  checked,
  disabled,
  onChange,
}: {
  testId: string;
  label: string;
  help: string;
  checked: boolean;
  disabled: boolean;
  onChange(checked: boolean): void;
}) {
  return (
    <label className="field quant-field toggle">
      <span className="field-label">
        <input type="checkbox" data-testid={testId} checked={checked} disabled={disabled} onChange={(e) => onChange(e.target.checked)} /> {label}
      </span>
      <small className="help">{help}</small>
    </label>
  );
}
