/** The weight format: a row of buttons, then sliders for that format's widths. */
import { bitsPerWeight, defaultMinifloatBias, FIXED_BITS, fixedLevelCount, LIGHTNN_K, MINIFLOAT_EXPONENT_BITS, MINIFLOAT_MANTISSA_BITS, minifloatBiasRange, WEIGHT_FORMATS, WEIGHT_KINDS, type WeightScheme } from '../../core/quant/schemes';
import { Slider } from '../Knobs';
import { SchemeFormula } from '../teach/Formula';
import { defaultScheme, normalizeScheme, type SchemeKind } from '../quantKnobs';
import { useStore } from '../store';

/** The format buttons, in the registry's order: a new format gets its button here by itself. */
export const FORMAT_CHOICES: readonly { kind: SchemeKind; label: string; description: string }[] = WEIGHT_KINDS.map((kind) => ({
  kind,
  label: WEIGHT_FORMATS[kind].name,
  description: WEIGHT_FORMATS[kind].description,
}));

/** The last scheme used of each kind, so going fixed → LightNN → fixed comes back to the same bits. */
const lastOfKind = new Map<SchemeKind, WeightScheme>();

export function WeightSchemeKnobs({ disabled }: { disabled: boolean }) {
  const weights = useStore((s) => s.config.weights);
  const setKnob = useStore((s) => s.setKnob);
  // Partial updates of the current scheme; the schema validates the result.
  const update = (patch: Record<string, unknown>) => setKnob('weights', normalizeScheme({ ...weights, ...patch } as WeightScheme));
  const pick = (kind: SchemeKind) => {
    lastOfKind.set(weights.kind, weights);
    setKnob('weights', lastOfKind.get(kind) ?? defaultScheme(kind));
  };
  const description = FORMAT_CHOICES.find((k) => k.kind === weights.kind)?.description ?? '';
  return (
    <div className="weight-format">
      <div className="knob-title" id="weight-format-label">
        Weight format
      </div>
      <div className="button-row" role="group" aria-labelledby="weight-format-label" data-testid="knob-weights" data-value={weights.kind}>
        {FORMAT_CHOICES.map((k) => (
          <button
            key={k.kind}
            type="button"
            className={k.kind === weights.kind ? 'choice selected' : 'choice'}
            aria-pressed={k.kind === weights.kind}
            data-testid={`knob-weights-${k.kind}`}
            disabled={disabled}
            onClick={() => pick(k.kind)}
          >
            {k.label}
          </button>
        ))}
      </div>
      <SchemeFormula scheme={weights} hardwareNote={false} />
      <p className="hint" data-testid="weight-format-description">
        {description}
      </p>
      <SchemeParams scheme={weights} disabled={disabled} update={update} />
    </div>
  );
}

type Update = (patch: Record<string, unknown>) => void;

function SchemeParams({ scheme, disabled, update }: { scheme: WeightScheme; disabled: boolean; update: Update }) {
  switch (scheme.kind) {
    case 'float32':
    case 'ternary':
      return null;
    case 'fixed':
      return (
        <Slider
          testId="knob-slider-weightBits"
          label="Weight bits"
          value={scheme.bits}
          min={FIXED_BITS.min}
          max={FIXED_BITS.max}
          disabled={disabled}
          format={(b) => `${b} bits`}
          hint={`${fixedLevelCount(scheme.bits)} level${scheme.bits === 2 ? '' : 's'} each side of 0, sign included`}
          onChange={(bits) => update({ bits })}
        />
      );
    case 'minifloat':
      return <MinifloatParams scheme={scheme} disabled={disabled} update={update} />;
    case 'lightnn':
      return (
        <>
          <Slider
            testId="knob-slider-lightnnK"
            label="LightNN K (shifts per weight)"
            value={scheme.k}
            min={LIGHTNN_K.min}
            max={LIGHTNN_K.max}
            disabled={disabled}
            format={(k) => `K = ${k}`}
            hint={
              <>
                w ≈ ±(2<sup>−m₁</sup>{scheme.k > 1 ? ' + … ' : ''}
                {scheme.k > 1 && (
                  <>
                    + 2<sup>−m{subscript(scheme.k)}</sup>
                  </>
                )}
                ): {scheme.k} shift{scheme.k > 1 ? `s and ${scheme.k - 1} add${scheme.k > 2 ? 's' : ''}` : ''}, {bitsPerWeight(scheme)} bits stored
              </>
            }
            onChange={(k) => update({ k })}
          />
          <details className="more">
            <summary>More: rounding, zero</summary>
            <label className="inline-field">
              Rounding{' '}
              <select data-testid="knob-weights-rounding" value={scheme.rounding ?? 'nearest'} disabled={disabled} onChange={(e) => update({ rounding: e.target.value })}>
                <option value="nearest">nearest</option>
                <option value="stochastic">stochastic (training only)</option>
              </select>
            </label>
            <label className="inline-field">
              <input type="checkbox" data-testid="knob-weights-allowZero" checked={scheme.allowZero ?? false} disabled={disabled} onChange={(e) => update({ allowZero: e.target.checked })} /> allow
              zero weights (not in the paper)
            </label>
          </details>
        </>
      );
    case 'binary':
      return (
        <div className="button-row compact" role="group" aria-label="Binary scale" data-testid="knob-weights-scale" data-value={scheme.scale}>
          {(
            [
              ['none', '±1 (BinaryConnect)'],
              ['l1', '±mean|w| (scaled)'],
            ] as const
          ).map(([scale, label]) => (
            <button
              key={scale}
              type="button"
              className={scheme.scale === scale ? 'choice selected' : 'choice'}
              aria-pressed={scheme.scale === scale}
              data-testid={`knob-weights-scale-${scale}`}
              disabled={disabled}
              onClick={() => update({ scale })}
            >
              {label}
            </button>
          ))}
        </div>
      );
  }
}

const subscript = (n: number) => String(n).replace(/\d/g, (d) => '₀₁₂₃₄₅₆₇₈₉'[Number(d)]);

function MinifloatParams({ scheme, disabled, update }: { scheme: Extract<WeightScheme, { kind: 'minifloat' }>; disabled: boolean; update: Update }) {
  const range = minifloatBiasRange(scheme.exponentBits);
  const defaultBias = defaultMinifloatBias(scheme.exponentBits);
  const total = 1 + scheme.exponentBits + scheme.mantissaBits;
  return (
    <>
      <Slider
        testId="knob-slider-exponentBits"
        label="Exponent bits (range)"
        value={scheme.exponentBits}
        min={MINIFLOAT_EXPONENT_BITS.min}
        max={MINIFLOAT_EXPONENT_BITS.max}
        disabled={disabled}
        format={(e) => `E${e}`}
        // A bias fitted to the old width would be out of range for the new one.
        onChange={(exponentBits) => update({ exponentBits, bias: undefined })}
      />
      <Slider
        testId="knob-slider-mantissaBits"
        label="Mantissa bits (precision)"
        value={scheme.mantissaBits}
        min={MINIFLOAT_MANTISSA_BITS.min}
        max={MINIFLOAT_MANTISSA_BITS.max}
        disabled={disabled}
        format={(m) => `M${m}`}
        hint={`${total} bits: 1 sign + ${scheme.exponentBits} exponent + ${scheme.mantissaBits} mantissa`}
        onChange={(mantissaBits) => update({ mantissaBits })}
      />
      <details className="more">
        <summary>More: bias, subnormals</summary>
        <Slider
          testId="knob-slider-bias"
          label="Exponent bias"
          value={scheme.bias ?? defaultBias}
          min={range.min}
          max={range.max}
          disabled={disabled}
          format={(b) => (b === defaultBias ? `${b} (default)` : String(b))}
          hint="Shifts the whole range: a larger bias reaches smaller weights. Per-layer auto bias: under Weights."
          onChange={(bias) => update({ bias })}
        />
        <label className="inline-field">
          <input type="checkbox" data-testid="knob-weights-subnormals" checked={scheme.subnormals ?? true} disabled={disabled} onChange={(e) => update({ subnormals: e.target.checked })} />{' '}
          subnormals (tiny values between 0 and the smallest normal)
        </label>
      </details>
    </>
  );
}
