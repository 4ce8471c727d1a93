/**
 * Every evaluated configuration of this network as a table: the chart's points in words (for a
 * screen reader or a keyboard), Pareto-optimal ones first. Long sessions show the front and the
 * newest rows; the export has them all.
 */
import { useState } from 'react';
import { COST_AXES, type CostAxis } from '../../core/runRecord';
import { formatArea, formatEnergy, formatPercent, formatStorage } from '../format';
import { restorePoint } from './ParetoPanel';
import { useParetoRecords } from './useParetoData';

const MAX_ROWS = 200;

export function RecordsTable() {
  const [axis, setAxis] = useState<CostAxis>('energy');
  const records = useParetoRecords(axis, true, false);
  const front = new Set(records.front);
  const order = records.points.map((_, i) => i);
  order.sort((a, b) => Number(front.has(b)) - Number(front.has(a)) || records.points[b].record.time - records.points[a].record.time);
  const shown = order.slice(0, MAX_ROWS);
  return (
    <section className="panel records" data-testid="records-panel">
      <h2>All results for this network</h2>
      <p className="hint">
        Each row is one tested setting. Pareto-optimal: no other row is both more accurate and cheaper in{' '}
        <select aria-label="cost used for Pareto-optimal" value={axis} onChange={(e) => setAxis(e.target.value as CostAxis)}>
          {(['energy', 'storage', 'area'] as const).map((a) => (
            <option key={a} value={a}>
              {COST_AXES[a].label.toLowerCase()}
            </option>
          ))}
        </select>
        .
      </p>
      <div className="table-scroll">
        <table data-testid="records-table">
          <thead>
            <tr>
              <th scope="col">setting</th>
              <th scope="col">accuracy</th>
              <th scope="col">energy / image</th>
              <th scope="col">storage</th>
              <th scope="col">area</th>
              <th scope="col">Pareto-optimal</th>
              <th scope="col">
                <span className="sr-only">use</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {shown.map((i) => {
              const point = records.points[i];
              const r = point.record;
              return (
                <tr key={r.id} className={front.has(i) ? 'optimal' : undefined}>
                  <td>{r.label}</td>
                  <td>{formatPercent(r.accuracy)}</td>
                  <td>{formatEnergy(r.energyPJ)}</td>
                  <td>{formatStorage(r.storageBits)}</td>
                  <td>{formatArea(r.areaUm2)}</td>
                  <td>{front.has(i) ? '▲ yes' : ''}</td>
                  <td>
                    <button className="small-button" onClick={() => restorePoint(point)} aria-label={`Use the setting ${r.label}`}>
                      Use
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {order.length > MAX_ROWS && (
        <p className="muted small">
          Showing {MAX_ROWS} of {order.length.toLocaleString('en-US')}: the Pareto-optimal ones and the newest. Export has them all.
        </p>
      )}
    </section>
  );
}
