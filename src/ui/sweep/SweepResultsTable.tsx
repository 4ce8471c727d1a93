/** Every cell of the sweep as a row: its configuration, accuracy, cost and time. */
import { useMemo } from 'react';
import { energyTableOf } from '../../core/config';
import { costOf } from '../../core/runRecord';
import { cellConfig, cellLabel } from '../../core/sweep';
import { formatArea, formatEnergy, formatMs, formatStorage } from '../format';
import { divergenceMessage } from '../../core/divergence';
import { useFields } from '../common/useFields';
import { TableHead } from '../common/TableHead';
import { useStore } from '../store';
import { useSweep } from './sweepStore';

export function SweepResultsTable() {
  const { definition, base, cells, results, diverged, cellMs } = useFields(useSweep, 'definition', 'base', 'cells', 'results', 'diverged', 'cellMs');
  const energy = useStore((s) => s.config.energy);
  const costs = useMemo(() => {
    if (!definition || !base) return [];
    const table = energyTableOf({ energy });
    return cells.map((cell) => costOf(cellConfig(base, definition, cell), table));
  }, [definition, base, cells, energy]);
  if (!definition || !base) return null;
  const done = cells.filter((cell) => results[cell.index] !== null || diverged[cell.index]).length;
  return (
    <details className="sweep-table" data-testid="sweep-table">
      <summary>
        Results table ({done} of {cells.length} cells)
      </summary>
      <table>
        <TableHead columns={['cell', 'accuracy', 'energy', 'storage', 'area', 'time']} />
        <tbody>
          {cells.map((cell) => {
            const accuracy = results[cell.index];
            const divergedAt = diverged[cell.index] ?? null;
            return (
              <tr key={cell.index} data-testid="sweep-table-row" data-filled={accuracy !== null || divergedAt !== null} data-diverged={divergedAt !== null}>
                <td>{cellLabel(definition, cell)}</td>
                <td title={divergedAt ? divergenceMessage(divergedAt) : undefined}>{accuracy !== null ? `${(accuracy * 100).toFixed(2)}%` : divergedAt ? 'diverged' : '…'}</td>
                <td>{formatEnergy(costs[cell.index]?.energyPJ ?? NaN)}</td>
                <td>{formatStorage(costs[cell.index]?.storageBits ?? NaN)}</td>
                <td>{formatArea(costs[cell.index]?.areaUm2 ?? NaN)}</td>
                <td>{cellMs[cell.index] !== null ? formatMs(cellMs[cell.index]!) : ''}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </details>
  );
}
