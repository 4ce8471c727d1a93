/**
 * Inputs for config fields. Sliders apply on every move; typed knobs apply as soon as what is typed
 * is valid (no Enter needed) and say next to themselves, in plain words, what is wrong otherwise.
 */
import { useEffect, useId, useState, type ReactNode } from 'react';
import { FIELD_HELP, parseDecimal, rangeOf, type ConfigKey } from '../core/config';
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

/** A typed knob's text box: every keystroke is shown and applied; an error marks it invalid. */
function TypedInput({
  testId,
  numeric,
  text,
  error,
  disabled,
  onType,
  onBlur,
}: {
  testId: string;
  numeric?: boolean;
  text: string;
  error: string | null;
  disabled?: boolean;
  onType(typed: string): void;
  onBlur?(): void;
}) {
  return (
    <input
      data-testid={testId}
      inputMode={numeric ? 'decimal' : undefined}
      value={text}
      disabled={disabled}
      aria-invalid={error !== null}
      onChange={(e) => onType(e.target.value)}
      onBlur={onBlur}
    />
  );
}

/** "Epochs must be a whole number from 1 to 100 (you typed "abc")." */
export function plainKnobError(label: string, key: ConfigKey, typed: string, schemaMessage: string): string {
  const range = rangeOf(key)?.replace('an integer', 'a whole number');
  const echo = typed.length > 40 ? `${typed.slice(0, 40)}…` : typed;
  if (range) return `${label} must be ${range} (you typed "${echo}").`;
  return `${label}: ${schemaMessage}`;
}

/** A typed number: taken as soon as it is valid; otherwise the message shows beside it and the config keeps its value. */
export function NumberKnob({ name, label, disabled }: { name: ConfigKey; label: string; disabled?: boolean }) {
  const value = useStore((s) => s.config[name]);
  const trySetKnob = useStore((s) => s.trySetKnob);
  const [text, setText] = useState(String(value));
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setText((t) => (parseDecimal(t) === value ? t : String(value)));
    setError(null);
  }, [value]);
  const apply = (typed: string) => {
    if (parseDecimal(typed) === value) {
      setError(null);
      return;
    }
    // The text itself: updateConfig reads it as the URL does and its message quotes it.
    const message = trySetKnob(name, typed);
    setError(message === null ? null : plainKnobError(label, name, typed, message));
  };
  return (
    <Field label={label} help={FIELD_HELP[name]} error={error}>
      <TypedInput
        testId={`knob-${name}`}
        numeric
        text={text}
        error={error}
        disabled={disabled}
        onType={(typed) => {
          setText(typed);
          apply(typed);
        }}
        onBlur={() => error === null && setText(String(value))}
      />
    </Field>
  );
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

export function HiddenKnob({ disabled }: { disabled?: boolean }) {
  const hidden = useStore((s) => s.config.hidden);
  const trySetKnob = useStore((s) => s.trySetKnob);
  const [text, setText] = useState(hidden.join(','));
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setText((t) => (t.replace(/\s/g, '') === hidden.join(',') ? t : hidden.join(',')));
    setError(null);
  }, [hidden]);
  const apply = (typed: string) => {
    if (typed.replace(/\s/g, '') === hidden.join(',')) return setError(null);
    const message = trySetKnob('hidden', typed);
    setError(message === null ? null : `Hidden widths: a comma list of 1 to 8 widths, each a whole number from 1 to 8192 (you typed "${typed.length > 40 ? `${typed.slice(0, 40)}…` : typed}").`);
  };
  return (
    <Field label="Hidden widths" help={FIELD_HELP.hidden} error={error}>
      <TypedInput
        testId="knob-hidden"
        text={text}
        error={error}
        disabled={disabled}
        onType={(typed) => {
          setText(typed);
          apply(typed);
        }}
      />
    </Field>
  );
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
