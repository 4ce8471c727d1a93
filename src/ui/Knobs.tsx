/** Inputs for config fields. Typed values are validated by the config schema on commit. */
import { useEffect, useState, type ReactNode } from 'react';
import { FIELD_HELP, parseHiddenText, type ConfigKey } from '../core/config';
import { useStore } from './store';

export function Field({ label, help, children }: { label: string; help?: string; children: ReactNode }) {
  return (
    <label className="field" title={help}>
      <span className="field-label">{label}</span>
      {children}
    </label>
  );
}

/** A text box that commits on Enter or blur; the schema decides whether the value is taken. */
export function NumberKnob({ name, label, disabled }: { name: ConfigKey; label: string; disabled?: boolean }) {
  const value = useStore((s) => s.config[name]);
  const setKnob = useStore((s) => s.setKnob);
  const [text, setText] = useState(String(value));
  useEffect(() => setText(String(value)), [value]);
  const commit = () => {
    if (text === String(value)) return;
    setKnob(name, text.trim() === '' ? NaN : Number(text));
  };
  return (
    <Field label={label} help={FIELD_HELP[name]}>
      <input
        data-testid={`knob-${name}`}
        inputMode="decimal"
        value={text}
        disabled={disabled}
        aria-invalid={text !== String(value)}
        onChange={(e) => setText(e.target.value)}
        onBlur={commit}
        onKeyDown={(e) => e.key === 'Enter' && commit()}
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
  const setKnob = useStore((s) => s.setKnob);
  const [text, setText] = useState(hidden.join(','));
  useEffect(() => setText(hidden.join(',')), [hidden]);
  const commit = () => {
    if (text.replace(/\s/g, '') === hidden.join(',')) return;
    setKnob('hidden', parseHiddenText(text));
  };
  return (
    <Field label="Hidden widths" help={FIELD_HELP.hidden}>
      <input
        data-testid="knob-hidden"
        value={text}
        disabled={disabled}
        aria-invalid={text.replace(/\s/g, '') !== hidden.join(',')}
        onChange={(e) => setText(e.target.value)}
        onBlur={commit}
        onKeyDown={(e) => e.key === 'Enter' && commit()}
      />
    </Field>
  );
}
