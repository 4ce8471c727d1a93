/** The weight format: a row of buttons, then sliders for that format's widths. */
import { bitsPerWeight, defaultMinifloatBias, FIXED_BITS, FLOAT_FORMATS, fixedLevelCount, LIGHTNN_K, MINIFLOAT_EXPONENT_BITS, MINIFLOAT_MANTISSA_BITS, minifloatBiasRange, WEIGHT_FORMATS, WEIGHT_KINDS, type WeightScheme } from '../../core/quant/schemes';
import type { ReactNode } from 'react';
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
type SchemeOf<K extends WeightScheme['kind']> = Extract<WeightScheme, { kind: K }>;

/**
 * One slider of a format's parameters, as data: a new parameter is one more entry in its format's list.
 * The slider moves `field` of the scheme unless `patch` says what else changes with it.
 */
interface SliderSpec<S extends WeightScheme> {
  field: keyof S & string;
  /** The slider's test id is `knob-slider-<key>` (the e2e tests' setSlider names it so). */
  key: string;
  label: string;
  range: { min: number; max: number } | ((scheme: S) => { min: number; max: number });
  /** The value shown; default: `scheme[field]`. */
  value?(scheme: S): number;
  format(value: number, scheme: S): string;
  hint?(scheme: S): ReactNode;
  patch?(value: number): Record<string, unknown>;
}

/** Where the fixed-point range ends (the clip c; step c / levels): one choice of scale, percentile and granularity. */
const FIXED_CLIPS: readonly { id: string; label: string; patch: Partial<SchemeOf<'fixed'>> }[] = [
  { id: 'max', label: 'largest |w|', patch: {} },
  { id: 'max-channel', label: 'largest |w| per neuron', patch: { granularity: 'channel' } },
  { id: 'p99.9', label: '99.9% of |w|', patch: { scale: 'percentile', percentile: 99.9 } },
  { id: 'p99', label: '99% of |w|', patch: { scale: 'percentile', percentile: 99 } },
  { id: 'p98', label: '98% of |w|', patch: { scale: 'percentile', percentile: 98 } },
  { id: 'p95', label: '95% of |w|', patch: { scale: 'percentile', percentile: 95 } },
  { id: 'mse', label: 'least error (MSE)', patch: { scale: 'mse' } },
  { id: 'mse-channel', label: 'least error per neuron', patch: { scale: 'mse', granularity: 'channel' } },
];

const clipKey = (s: SchemeOf<'fixed'>) => JSON.stringify(normalizeScheme({ kind: 'fixed', bits: 8, scale: s.scale, percentile: s.percentile, granularity: s.granularity }));

/** The clip choice, inline in the bits slider's hint line (the classroom screen has no spare row). */
function FixedClipSelect({ scheme, disabled, update }: { scheme: SchemeOf<'fixed'>; disabled: boolean; update: Update }) {
  const current = FIXED_CLIPS.find((c) => clipKey({ kind: 'fixed', bits: 8, ...c.patch }) === clipKey(scheme));
  return (
    <select
      className="inline-select"
      data-testid="knob-weights-clip"
      aria-label="Range ends at"
      value={current?.id ?? 'custom'}
      disabled={disabled}
      // The three fields are set together: a choice replaces all of them.
      onChange={(e) => update({ scale: undefined, percentile: undefined, granularity: undefined, ...FIXED_CLIPS.find((c) => c.id === e.target.value)?.patch })}
    >
      {FIXED_CLIPS.map((c) => (
        <option key={c.id} value={c.id}>
          {c.label}
        </option>
      ))}
      {!current && <option value="custom">from the link</option>}
    </select>
  );
}

function fixedSliders(disabled: boolean, update: Update): SliderSpec<SchemeOf<'fixed'>>[] {
  return [
    {
      field: 'bits',
      key: 'weightBits',
      label: 'Weight bits',
      range: FIXED_BITS,
      format: (b) => `${b} bits`,
      hint: (s) => (
        <>
          ±{fixedLevelCount(s.bits)} level{s.bits === 2 ? '' : 's'}, up to <FixedClipSelect scheme={s} disabled={disabled} update={update} />
        </>
      ),
    },
  ];
}

const LIGHTNN_SLIDERS: SliderSpec<SchemeOf<'lightnn'>>[] = [
  {
    field: 'k',
    key: 'lightnnK',
    label: 'LightNN K (shifts per weight)',
    range: LIGHTNN_K,
    format: (k) => `K = ${k}`,
    hint: (s) => (
      <>
        w ≈ ±(2<sup>−m₁</sup>{s.k > 1 ? ' + … ' : ''}
        {s.k > 1 && (
          <>
            + 2<sup>−m{subscript(s.k)}</sup>
          </>
        )}
        ): {s.k} shift{s.k > 1 ? `s and ${s.k - 1} add${s.k > 2 ? 's' : ''}` : ''}, {bitsPerWeight(s)} bits stored
      </>
    ),
  },
];

const MINIFLOAT_SLIDERS: SliderSpec<SchemeOf<'minifloat'>>[] = [
  {
    field: 'exponentBits',
    key: 'exponentBits',
    label: 'Exponent bits (range)',
    range: MINIFLOAT_EXPONENT_BITS,
    format: (e) => `E${e}`,
    // A bias fitted to the old width would be out of range for the new one.
    patch: (exponentBits) => ({ exponentBits, bias: undefined }),
  },
  {
    field: 'mantissaBits',
    key: 'mantissaBits',
    label: 'Mantissa bits (precision)',
    range: MINIFLOAT_MANTISSA_BITS,
    format: (m) => `M${m}`,
    hint: (s) => `${1 + s.exponentBits + s.mantissaBits} bits: 1 sign + ${s.exponentBits} exponent + ${s.mantissaBits} mantissa`,
  },
];

/** Behind "More" under the minifloat sliders. */
const MINIFLOAT_MORE_SLIDERS: SliderSpec<SchemeOf<'minifloat'>>[] = [
  {
    field: 'bias',
    key: 'bias',
    label: 'Exponent bias',
    range: (s) => minifloatBiasRange(s.exponentBits),
    value: (s) => s.bias ?? defaultMinifloatBias(s.exponentBits),
    format: (b, s) => (b === defaultMinifloatBias(s.exponentBits) ? `${b} (default)` : String(b)),
    hint: () => 'Shifts the whole range: a larger bias reaches smaller weights. Per-layer auto bias: under Weights.',
  },
];

function SchemeSliders<S extends WeightScheme>({ specs, scheme, disabled, update }: { specs: readonly SliderSpec<S>[]; scheme: S; disabled: boolean; update: Update }) {
  return specs.map((spec) => {
    const range = typeof spec.range === 'function' ? spec.range(scheme) : spec.range;
    return (
      <Slider
        key={spec.key}
        testId={`knob-slider-${spec.key}`}
        label={spec.label}
        value={spec.value ? spec.value(scheme) : (scheme[spec.field] as number)}
        min={range.min}
        max={range.max}
        disabled={disabled}
        format={(v) => spec.format(v, scheme)}
        hint={spec.hint?.(scheme)}
        onChange={(v) => update(spec.patch ? spec.patch(v) : { [spec.field]: v })}
      />
    );
  });
}

const STANDARD_FLOATS: readonly { name: keyof typeof FLOAT_FORMATS; label: string }[] = [
  { name: 'fp16', label: 'fp16' },
  { name: 'bf16', label: 'bf16' },
  { name: 'fp8e4m3fn', label: 'FP8 E4M3' },
  { name: 'fp8e5m2', label: 'FP8 E5M2' },
];

/** The formats hardware ships, one click each: the standard widths, bias and top code. */
function StandardFloats({ scheme, disabled, update }: { scheme: SchemeOf<'minifloat'>; disabled: boolean; update: Update }) {
  return (
    <div className="button-row standard-floats" role="group" aria-label="Standard float formats">
      {STANDARD_FLOATS.map(({ name, label }) => {
        const format: SchemeOf<'minifloat'> = FLOAT_FORMATS[name];
        const same = normalizeScheme({ ...format }) as SchemeOf<'minifloat'>;
        const current = normalizeScheme({ ...scheme, overflow: undefined }) as SchemeOf<'minifloat'>;
        const selected = JSON.stringify(same) === JSON.stringify(current);
        return (
          <button
            key={name}
            type="button"
            className={selected ? 'choice selected' : 'choice'}
            aria-pressed={selected}
            data-testid={`float-format-${name}`}
            disabled={disabled}
            onClick={() => update({ bias: undefined, subnormals: undefined, top: undefined, overflow: undefined, ...format })}
          >
            {label}
          </button>
        );
      })}
    </div>
  );
}

function SchemeParams({ scheme, disabled, update }: { scheme: WeightScheme; disabled: boolean; update: Update }) {
  switch (scheme.kind) {
    case 'float32':
    case 'ternary':
      return null;
    case 'fixed':
      return <SchemeSliders specs={fixedSliders(disabled, update)} scheme={scheme} disabled={disabled} update={update} />;
    case 'minifloat':
      return (
        <>
          <SchemeSliders specs={MINIFLOAT_SLIDERS} scheme={scheme} disabled={disabled} update={update} />
          <details className="more">
            <summary>More: fp16, FP8, bias, top code</summary>
            <StandardFloats scheme={scheme} disabled={disabled} update={update} />
            <SchemeSliders specs={MINIFLOAT_MORE_SLIDERS} scheme={scheme} disabled={disabled} update={update} />
            <label className="inline-field">
              <input type="checkbox" data-testid="knob-weights-subnormals" checked={scheme.subnormals ?? true} disabled={disabled} onChange={(e) => update({ subnormals: e.target.checked })} />{' '}
              subnormals (tiny values between 0 and the smallest normal; off: they flush to 0)
            </label>
            <label className="inline-field">
              Top exponent code{' '}
              <select
                data-testid="knob-weights-top"
                value={scheme.top ?? 'ieee'}
                disabled={disabled}
                // Only IEEE's top code holds infinities: another top saturates.
                onChange={(e) => update({ top: e.target.value, ...(e.target.value === 'ieee' ? {} : { overflow: undefined }) })}
              >
                <option value="ieee">IEEE: Inf and NaN</option>
                <option value="fn">FN: only NaN (E4M3 reaches 448)</option>
                <option value="finite">all finite</option>
              </select>
            </label>
            <label className="inline-field">
              Overflow{' '}
              <select data-testid="knob-weights-overflow" value={scheme.overflow ?? 'saturate'} disabled={disabled || (scheme.top ?? 'ieee') !== 'ieee'} onChange={(e) => update({ overflow: e.target.value })}>
                <option value="saturate">saturate at ±max</option>
                <option value="inf">±Infinity</option>
              </select>
            </label>
          </details>
        </>
      );
    case 'lightnn':
      return (
        <>
          <SchemeSliders specs={LIGHTNN_SLIDERS} scheme={scheme} disabled={disabled} update={update} />
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
