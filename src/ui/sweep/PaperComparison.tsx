/** The paper's numbers beside ours, for a sweep that reproduces a seed. */
import { paperComparison, SWEEP_PRESETS } from '../../core/sweep';
import { useFields } from '../common/useFields';
import { TableHead } from '../common/TableHead';
import { useSweep } from './sweepStore';

export function PaperComparison() {
  const { presetId, definition, results, floatAccuracy } = useFields(useSweep, 'presetId', 'definition', 'results', 'floatAccuracy');
  if (!presetId || !definition) return null;
  const preset = SWEEP_PRESETS.find((p) => p.id === presetId)!;
  const rows = paperComparison(presetId, definition, results, floatAccuracy);
  return (
    <div className="paper-comparison" data-testid="sweep-paper">
      <h3>{preset.name}: paper beside ours</h3>
      <p className="muted small">{preset.paper}</p>
      <table>
        <TableHead columns={[null, 'paper', 'ours']} />
        <tbody>
          {rows.map((row) => (
            <tr key={row.what}>
              <td>{row.what}</td>
              <td>{row.paper}</td>
              <td className="ours">{row.ours}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="muted small">Ours: this page's training subset and epochs, so expect lower numbers than the paper's full training.</p>
    </div>
  );
}
