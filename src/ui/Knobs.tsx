/**
 * Inputs for config fields. Sliders apply on every move; typed knobs apply as soon as what is typed
 * is valid (no Enter needed) and say next to themselves, in plain words, what is wrong otherwise.
 */
import { useEffect, useId, useState, type ReactNode } from 'react';
import { FIELD_HELP, parseDecimal, rangeOf, type ConfigKey } from '../core/config';
import { encodeLrSchedule, type LrSchedule } from '../core/lrSchedule';
import { useStore } from './store';

export function Field({ label, help, children, error }: { label: string; help?: string; children: ReactNode; error?: string | null }) {
  return (
    <label className="field" title={help}>
      <span className="field-label">{label}</span>
      {children}
      {error && (
        <span className="knob-error" role="alert" data-testid="knob-error">
          {error}
        </span>
      )}
    </label>
  );
}

/** "Epochs must be a whole number from 1 to 100 (you typed "abc")." */
export function plainKnobError(label: string, key: ConfigKey, typed: string, schemaMessage: string): string {
  const range = rangeOf(key)?.replace('an integer', 'a whole number');
  const echo = typed.length > 40 ? `${typed.slice(0, 40)}…` : typed;
  if (range) return `${label} must be ${range} (you typed "${echo}").`;
  return `${label}: ${schemaMessage}`;
}

/** How a typed knob's config value reads as text, and whether a typed text already means that value. */
interface TypedCodec<T> {
  text(value: T): string;
  means(typed: string, value: T): boolean;
}

const DECIMAL: TypedCodec<number> = { text: String, means: (typed, value) => parseDecimal(typed) === value };
const SCHEDULE: TypedCodec<LrSchedule> = { text: encodeLrSchedule, means: (typed, value) => typed.trim() === encodeLrSchedule(value) };
const WIDTHS: TypedCodec<number[]> = { text: (value) => value.join(','), means: (typed, value) => typed.replace(/\s/g, '') === value.join(',') };

/**
 * A typed knob: every keystroke is shown and, unless it means the current value, tried on the config;
 * an error marks the box invalid and `explain` words it beside the box (the config keeps its value).
 * A numeric knob shows the config's own spelling again on blur ("0.0100" becomes "0.01").
 */
function TypedKnob<T>({
  name,
  label,
  codec,
  numeric,
  disabled,
  explain,
}: {
  name: ConfigKey;
  label: string;
  codec: TypedCodec<T>;
  numeric?: boolean;
  disabled?: boolean;
  explain(typed: string, schemaMessage: string): string;
}) {
  const value = useStore((s) => s.config[name]) as T;
  const trySetKnob = useStore((s) => s.trySetKnob);
  const [text, setText] = useState(codec.text(value));
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setText((t) => (codec.means(t, value) ? t : codec.text(value)));
    setError(null);
  }, [codec, value]);
  const apply = (typed: string) => {
    if (codec.means(typed, value)) return setError(null);
    // The text itself: updateConfig reads it as the URL does and its message quotes it.
    const message = trySetKnob(name, typed);
    setError(message === null ? null : explain(typed, message));
  };
  return (
    <Field label={label} help={FIELD_HELP[name]} error={error}>
      <input
        data-testid={`knob-${name}`}
        inputMode={numeric ? 'decimal' : undefined}
        value={text}
        disabled={disabled}
        aria-invalid={error !== null}
        onChange={(e) => {
          setText(e.target.value);
          apply(e.target.value);
        }}
        onBlur={numeric ? () => error === null && setText(codec.text(value)) : undefined}
      />
    </Field>
  );
}

/** A typed number: taken as soon as it is valid; otherwise the message shows beside it and the config keeps its value. */
export function NumberKnob({ name, label, disabled }: { name: ConfigKey; label: string; disabled?: boolean }) {
  return <TypedKnob name={name} label={label} codec={DECIMAL} numeric disabled={disabled} explain={(typed, message) => plainKnobError(label, name, typed, message)} />;
}

/** A typed knob whose message states the rule and quotes what was typed. */
function RuleKnob<T>({ name, label, codec, rule, disabled }: { name: ConfigKey; label: string; codec: TypedCodec<T>; rule: string; disabled?: boolean }) {
  return <TypedKnob name={name} label={label} codec={codec} disabled={disabled} explain={(typed) => `${label}: ${rule} (you typed "${typed.length > 40 ? `${typed.slice(0, 40)}…` : typed}").`} />;
}

/** The learning rate by epoch, typed as the URL writes it: constant, exp:0.9 or cosine. */
export function LrScheduleKnob({ disabled }: { disabled?: boolean }) {
  return <RuleKnob name="lrSchedule" label="LR schedule" codec={SCHEDULE} disabled={disabled} rule="constant, exp:<decay per epoch, above 0 and at most 1> or cosine" />;
}

export function SelectKnob<T extends string>({
  name,
  label,
  options,
  disabled,
}: {
  name: ConfigKey;
  label: string;
  options: readonly { value: T; label: string }[];
  disabled?: boolean;
}) {
  const value = useStore((s) => s.config[name]) as T;
  const setKnob = useStore((s) => s.setKnob);
  return (
    <Field label={label} help={FIELD_HELP[name]}>
      <select data-testid={`knob-${name}`} value={value} disabled={disabled} onChange={(e) => setKnob(name, e.target.value)}>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </Field>
  );
}

/** A 0/1 config key as a checkbox (the URL's 1 and 0). */
export function CheckboxKnob({ name, label, disabled }: { name: ConfigKey; label: string; disabled?: boolean }) {
  const on = useStore((s) => s.config[name]) === true;
  const setKnob = useStore((s) => s.setKnob);
  return (
    <Field label={label} help={FIELD_HELP[name]}>
      <input type="checkbox" data-testid={`knob-${name}`} checked={on} disabled={disabled} onChange={(e) => setKnob(name, e.target.checked)} />
    </Field>
  );
}

export function HiddenKnob({ disabled }: { disabled?: boolean }) {
  return <RuleKnob name="hidden" label="Hidden widths" codec={WIDTHS} disabled={disabled} rule="a comma list of 1 to 8 widths, each a whole number from 1 to 8192" />;
}

/**
 * A slider with its value shown: arrow keys step it, and every move applies at once (the store
 * evaluates the latest value and drops stale ones).
 */
export function Slider({
  testId,
  label,
  value,
  min,
  max,
  step = 1,
  hint,
  disabled,
  format = String,
  onChange,
}: {
  testId: string;
  label: string;
  value: number;
  min: number;
  max: number;
  step?: number;
  hint?: ReactNode;
  disabled?: boolean;
  format?(value: number): string;
  onChange(value: number): void;
}) {
  const id = useId();
  return (
    <div className="slider">
      <div className="slider-head">
        <label htmlFor={id}>{label}</label>
        <output htmlFor={id} className="slider-value" data-testid={`${testId}-value`}>
          {format(value)}
        </output>
      </div>
      <input
        id={id}
        type="range"
        data-testid={testId}
        min={min}
        max={max}
        step={step}
        value={value}
        disabled={disabled}
        aria-valuetext={format(value)}
        onChange={(e) => onChange(Number(e.target.value))}
      />
      {hint && <div className="hint">{hint}</div>}
    </div>
  );
}
