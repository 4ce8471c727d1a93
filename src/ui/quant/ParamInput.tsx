/** A text box for one scheme parameter; commits on Enter or blur, and the config schema judges it. */
import { useEffect, useState, type ReactNode } from 'react';

export function ParamInput({
  testId,
  value,
  placeholder,
  disabled,
  onCommit,
}: {
  testId: string;
  value: number | undefined;
  /** Shown when the value is left blank (blank means "the default"). */
  placeholder?: string;
  disabled?: boolean;
  onCommit(value: number | undefined): void;
}) {
  const shown = value === undefined ? '' : String(value);
  const [text, setText] = useState(shown);
  useEffect(() => setText(shown), [shown]);
  const commit = () => {
    if (text.trim() === shown) return;
    // Blank is "default" only where there is one; NaN lets the schema name the problem.
    onCommit(text.trim() === '' ? (placeholder ? undefined : NaN) : Number(text));
  };
  return (
    <input
      data-testid={testId}
      inputMode="numeric"
      value={text}
      placeholder={placeholder}
      disabled={disabled}
      aria-invalid={text.trim() !== shown}
      onChange={(e) => setText(e.target.value)}
      onBlur={commit}
      onKeyDown={(e) => e.key === 'Enter' && commit()}
    />
  );
}

/** A knob with its label and a visible one-line explanation (students read it on the projector). */
export function QuantField({ label, help, children }: { label: string; help: string; children: ReactNode }) {
  return (
    <label className="field quant-field">
      <span className="field-label">{label}</span>
      {children}
      <small className="help">{help}</small>
    </label>
  );
}
