/**
 * The energy table, editable: every number with its unit and its source. Edits are checked by
 * validateEnergyTable, kept in the URL (`energy=` with only the changed entries), and the
 * "reset" button returns to Horowitz 45 nm.
 */
import { useEffect, useState } from 'react';
import { compactEnergyOverrides, type EnergyOverrides } from '../../core/config';
import {
  DEFAULT_ENERGY_TABLE,
  ENERGY_TABLE_SOURCES,
  ENERGY_TABLE_UNITS,
  validateEnergyTable,
  type EnergyTableKey,
  type NumericEnergyTableKey,
} from '../../core/cost/energyTable';
import { TableHead } from '../common/TableHead';
import { useStore } from '../store';

/** What each entry is, in words. */
export const ENERGY_TABLE_LABELS: Record<EnergyTableKey, string> = {
  intAddPJPerBit: 'Integer add, per bit',
  intMultPJPerBitSquared: 'Integer multiply, quadratic term',
  intMultPJPerBit: 'Integer multiply, linear term',
  floatAdd16PJ: 'fp16 add',
  floatAdd32PJ: 'fp32 add',
  floatMult16PJ: 'fp16 multiply',
  floatMult32PJ: 'fp32 multiply',
  aladdinAdderPJ: 'Aladdin adder energy',
  aladdinShifterPJ: 'Aladdin shifter energy',
  aladdinAdderAreaUm2: 'Aladdin adder area',
  aladdinShifterAreaUm2: 'Aladdin shifter area',
  shiftCost: 'Shift cost convention',
  floatShiftBits: 'Shift width for float activations',
  intAdd8AreaUm2: '8-bit integer add area',
  intAdd32AreaUm2: '32-bit integer add area',
  intMult8AreaUm2: '8-bit integer multiply area',
  intMult32AreaUm2: '32-bit integer multiply area',
  floatAdd16AreaUm2: 'fp16 add area',
  floatAdd32AreaUm2: 'fp32 add area',
  floatMult16AreaUm2: 'fp16 multiply area',
  floatMult32AreaUm2: 'fp32 multiply area',
  sramPJPer64Bit: 'SRAM read, 64-bit word',
  dramPJPerBit: 'DRAM read, per bit',
  sramBytes: 'On-chip weight buffer (SRAM)',
};

const KEYS = Object.keys(DEFAULT_ENERGY_TABLE) as EnergyTableKey[];

/** Applies one edit: the overrides it makes, or the validator's complaints. */
function edit(overrides: EnergyOverrides, key: EnergyTableKey, value: unknown): { ok: true; overrides: EnergyOverrides } | { ok: false; message: string } {
  const next = { ...overrides, [key]: value };
  const { errors } = validateEnergyTable(next);
  if (errors.length > 0) return { ok: false, message: errors.join('; ') };
  return { ok: true, overrides: compactEnergyOverrides(next) };
}

export function EnergyTableEditor() {
  const overrides = useStore((s) => s.config.energy);
  const setKnob = useStore((s) => s.setKnob);
  const [error, setError] = useState<string | null>(null);
  const changed = Object.keys(overrides).length;
  const commit = (key: EnergyTableKey, value: unknown) => {
    const result = edit(overrides, key, value);
    if (!result.ok) {
      setError(result.message);
      return false;
    }
    setError(null);
    setKnob('energy', result.overrides);
    return true;
  };
  return (
    <div className="energy-table" data-testid="energy-table">
      <div className="energy-table-head">
        <h3>
          Energy and area table <span className="muted small">(45 nm; {changed === 0 ? 'all defaults' : `${changed} changed`})</span>
        </h3>
        <button
          data-testid="energy-reset"
          disabled={changed === 0}
          onClick={() => {
            setError(null);
            setKnob('energy', {});
          }}
        >
          Reset to Horowitz 45 nm
        </button>
      </div>
      {error && (
        <p className="error-text" data-testid="energy-table-error" role="alert">
          {error}
        </p>
      )}
      <div className="energy-table-scroll">
        <table>
          <TableHead columns={['Entry', 'Value', 'Unit', 'Source']} />
          <tbody>
            {KEYS.map((key) => (
              <tr key={key} className={overrides[key] !== undefined ? 'changed' : undefined}>
                <td>
                  {ENERGY_TABLE_LABELS[key]}
                  <div className="muted small mono">{key}</div>
                </td>
                <td>
                  {key === 'shiftCost' ? (
                    <select
                      data-testid="energy-input-shiftCost"
                      aria-label={ENERGY_TABLE_LABELS[key]}
                      value={overrides.shiftCost ?? DEFAULT_ENERGY_TABLE.shiftCost}
                      onChange={(e) => commit(key, e.target.value)}
                    >
                      <option value="adder">adder (QKeras)</option>
                      <option value="aladdin">Aladdin ratio</option>
                    </select>
                  ) : (
                    <NumberCell
                      testId={`energy-input-${key}`}
                      // The visible label sits in another cell; screen readers need it on the input itself.
                      label={`${ENERGY_TABLE_LABELS[key]} (${ENERGY_TABLE_UNITS[key as NumericEnergyTableKey]})`}
                      value={(overrides[key] as number | undefined) ?? (DEFAULT_ENERGY_TABLE[key] as number)}
                      onCommit={(value) => commit(key, value)}
                    />
                  )}
                  {overrides[key] !== undefined && <div className="muted small">default {String(DEFAULT_ENERGY_TABLE[key])}</div>}
                </td>
                <td className="unit-cell">{key === 'shiftCost' ? '-' : ENERGY_TABLE_UNITS[key as NumericEnergyTableKey]}</td>
                <td className="source-cell">{ENERGY_TABLE_SOURCES[key]}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

/** A number box that commits on Enter or blur; a refused value stays red until corrected. */
function NumberCell({ testId, label, value, onCommit }: { testId: string; label: string; value: number; onCommit(value: number): boolean }) {
  const [text, setText] = useState(String(value));
  useEffect(() => setText(String(value)), [value]);
  const commit = () => {
    if (text.trim() === String(value)) return;
    onCommit(text.trim() === '' ? NaN : Number(text));
  };
  return (
    <input
      data-testid={testId}
      aria-label={label}
      inputMode="decimal"
      value={text}
      aria-invalid={text.trim() !== String(value)}
      onChange={(e) => setText(e.target.value)}
      onBlur={commit}
      onKeyDown={(e) => e.key === 'Enter' && commit()}
    />
  );
}
