/** The sweep definition: one or two knobs with their values, and PTQ or QAT. Kept in the URL (`sweep=`). */
import { useEffect, useState } from 'react';
import { encodeSweep, encodeValues, knobLabel, parseSweep, SWEEP_KNOBS, SWEEP_PRESETS, type SweepDefinition, type SweepKnob, type SweepMode } from '../../core/sweep';
import { useStore } from '../store';

interface Draft {
  axes: { knob: SweepKnob | 'none'; values: string }[];
  mode: SweepMode;
}

const DEFAULT_SWEEP = SWEEP_PRESETS[0].sweep;
const DEFAULT_VALUES: Record<SweepKnob, string> = {
  weightBits: '2-8',
  inputBits: '1-8',
  exponentBits: '2-8',
  mantissaBits: '0-7',
  lightnnK: '1-4',
  activationBits: '1-8',
  preset: 'all',
};

function draftOf(sweep: SweepDefinition): Draft {
  const axes: Draft['axes'] = sweep.axes.map((a) => ({ knob: a.knob, values: encodeValues(a).replace(/_/g, ', ') }));
  if (axes.length === 1) axes.push({ knob: 'none', values: '' });
  return { axes, mode: sweep.mode };
}

/** The draft as URL text: `values` may use commas or spaces between values. */
function textOf(draft: Draft): string {
  const axes = draft.axes.filter((a) => a.knob !== 'none').map((a) => `${a.knob}:${a.values.trim().replace(/[\s,]+/g, '_')}`);
  return `${axes.join(',')};mode=${draft.mode}`;
}

export function SweepEditor({ disabled }: { disabled: boolean }) {
  const sweep = useStore((s) => s.config.sweep);
  const setKnob = useStore((s) => s.setKnob);
  const shown = sweep ?? DEFAULT_SWEEP;
  const key = encodeSweep(shown);
  const [draft, setDraft] = useState<Draft>(() => draftOf(shown));
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setDraft(draftOf(shown));
    setError(null);
    // Follow the URL's definition (a preset click, a restored link), not every render.
  }, [key]);

  /** Takes the draft when it is a valid sweep (then it goes to the URL); else says why. */
  const commit = (next: Draft) => {
    setDraft(next);
    const parsed = parseSweep(textOf(next));
    if (!parsed.ok) {
      setError(parsed.message);
      return;
    }
    setError(null);
    if (encodeSweep(parsed.sweep) !== (sweep ? encodeSweep(sweep) : '')) setKnob('sweep', parsed.sweep);
  };
  const setAxis = (i: number, patch: Partial<Draft['axes'][number]>, now: boolean) => {
    const axes = draft.axes.map((a, j) => (j === i ? { ...a, ...patch } : a));
    const next = { ...draft, axes };
    if (now) commit(next);
    else setDraft(next);
  };

  return (
    <div className="sweep-editor">
      {draft.axes.map((axis, i) => (
        <div key={i} className="sweep-axis">
          <label className="field">
            <span className="field-label">{i === 0 ? 'Rows (first knob)' : 'Columns (second knob, optional)'}</span>
            <select
              data-testid={`sweep-axis-${i}-knob`}
              value={axis.knob}
              disabled={disabled}
              onChange={(e) => {
                const knob = e.target.value as SweepKnob | 'none';
                setAxis(i, { knob, values: knob === 'none' ? '' : DEFAULT_VALUES[knob] }, true);
              }}
            >
              {i === 1 && <option value="none">none (one knob)</option>}
              {SWEEP_KNOBS.map((k) => (
                <option key={k} value={k}>
                  {knobLabel(k)}
                </option>
              ))}
            </select>
          </label>
          {axis.knob !== 'none' && (
            <label className="field">
              <span className="field-label">Values {axis.knob === 'preset' ? '(ids, or all)' : '(2-8, or 2, 4, 8)'}</span>
              <input
                data-testid={`sweep-axis-${i}-values`}
                value={axis.values}
                disabled={disabled}
                onChange={(e) => setAxis(i, { values: e.target.value }, false)}
                onBlur={() => commit(draft)}
                onKeyDown={(e) => e.key === 'Enter' && commit(draft)}
              />
            </label>
          )}
        </div>
      ))}
      <label className="field">
        <span className="field-label">Mode</span>
        <select data-testid="sweep-mode" value={draft.mode} disabled={disabled} onChange={(e) => commit({ ...draft, mode: e.target.value as SweepMode })}>
          <option value="ptq">PTQ: train float once, quantize per cell (fast)</option>
          <option value="qat">QAT: train every cell through its quantizers</option>
        </select>
      </label>
      {error && (
        <p className="error-text" data-testid="sweep-definition-error">
          {error}
        </p>
      )}
    </div>
  );
}
