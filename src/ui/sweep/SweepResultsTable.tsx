/** Every cell of the sweep as a row: its configuration, accuracy, cost and time. */
import { useMemo } from 'react';
import { energyTableOf } from '../../core/config';
import { costOf } from '../../core/runRecord';
import { cellConfig, cellLabel } from '../../core/sweep';
import { formatArea, formatEnergy, formatMs, formatStorage } from '../format';
import { useStore } from '../store';
import { useSweep } from './sweepStore';

export function SweepResultsTable() {
  const definition = useSweep((s) => s.definition);
  const base = useSweep((s) => s.base);
  const cells = useSweep((s) => s.cells);
  const results = useSweep((s) => s.results);
  const cellMs = useSweep((s) => s.cellMs);
  const energy = useStore((s) => s.config.energy);
  const costs = useMemo(() => {
    if (!definition || !base) return [];
    const table = energyTableOf({ energy });
    return cells.map((cell) => costOf(cellConfig(base, definition, cell), table));
  }, [definition, base, cells, energy]);
  if (!definition || !base) return null;
  const done = results.filter((r) => r !== null).length;
  return (
    <details className="sweep-table" data-testid="sweep-table">
      <summary>
        Results table ({done} of {cells.length} cells)
      </summary>
      <table>
        <thead>
          <tr>
            <th>cell</th>
            <th>accuracy</th>
            <th>energy</th>
            <th>storage</th>
            <th>area</th>
            <th>time</th>
          </tr>
        </thead>
        <tbody>
          {cells.map((cell) => (
            <tr key={cell.index} data-testid="sweep-table-row" data-filled={results[cell.index] !== null}>
              <td>{cellLabel(definition, cell)}</td>
              <td>{results[cell.index] !== null ? `${(results[cell.index]! * 100).toFixed(2)}%` : '…'}</td>
              <td>{formatEnergy(costs[cell.index]?.energyPJ ?? NaN)}</td>
              <td>{formatStorage(costs[cell.index]?.storageBits ?? NaN)}</td>
              <td>{formatArea(costs[cell.index]?.areaUm2 ?? NaN)}</td>
              <td>{cellMs[cell.index] !== null ? formatMs(cellMs[cell.index]!) : ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}
