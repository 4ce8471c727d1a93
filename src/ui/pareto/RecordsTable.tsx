/**
 * Every evaluated configuration of this network as a table: the chart's points in words (for a
 * screen reader or a keyboard), Pareto-optimal ones first, and runs that diverged. Long sessions
 * show the front and the newest rows (a table of 100,000 rows takes seconds to lay out); the
 * export has them all.
 */
import { useMemo, useState } from 'react';
import { COST_AXES, type ChartPoint, type CostAxis } from '../../core/runRecord';
import { formatArea, formatEnergy, formatPercent, formatStorage } from '../format';
import { restorePoint } from './ParetoPanel';
import { useParetoRecords } from './useParetoData';

const MAX_ROWS = 200;

interface Row {
  point: ChartPoint;
  optimal: boolean;
}

const newestFirst = (a: Row, b: Row) => b.point.record.time - a.point.record.time;

export function RecordsTable() {
  const [axis, setAxis] = useState<CostAxis>('energy');
  const records = useParetoRecords(axis, true, false);
  const { rows, total } = useMemo(() => {
    const frontRows: Row[] = records.front.map((i) => ({ point: records.points[i], optimal: true })).sort(newestFirst);
    // Records are kept in the order they were made: the newest are at the end, no sort of all needed.
    const room = Math.max(0, MAX_ROWS - frontRows.length);
    const onFront = new Set(records.front);
    const latest: Row[] = [];
    for (let i = records.points.length - 1; i >= 0 && latest.length < room; i--) {
      if (!onFront.has(i)) latest.push({ point: records.points[i], optimal: false });
    }
    for (let i = records.diverged.length - 1; i >= 0 && i >= records.diverged.length - room; i--) {
      latest.push({ point: { record: records.diverged[i], cost: NaN, accuracy: 0 }, optimal: false });
    }
    latest.sort(newestFirst);
    return { rows: [...frontRows, ...latest].slice(0, MAX_ROWS), total: records.points.length + records.diverged.length };
  }, [records]);
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
            {rows.map(({ point, optimal }) => {
              const r = point.record;
              return (
                <tr key={r.id} className={optimal ? 'optimal' : undefined}>
                  <td>{r.label}</td>
                  <td data-testid={r.diverged ? 'record-diverged' : undefined}>
                    {r.diverged ? `diverged (epoch ${r.diverged.epoch}, batch ${r.diverged.batch})` : formatPercent(r.accuracy)}
                  </td>
                  <td>{formatEnergy(r.energyPJ)}</td>
                  <td>{formatStorage(r.storageBits)}</td>
                  <td>{formatArea(r.areaUm2)}</td>
                  <td>{optimal ? '▲ yes' : ''}</td>
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
      {total > rows.length && (
        <p className="muted small" data-testid="records-table-limited">
          Showing the latest {rows.length.toLocaleString('en-US')} of {total.toLocaleString('en-US')} records (Pareto-optimal ones first; export for all).
        </p>
      )}
    </section>
  );
}
