/** The paper's numbers beside ours, for a sweep that reproduces a seed. */
import { paperComparison, SWEEP_PRESETS } from '../../core/sweep';
import { useSweep } from './sweepStore';

export function PaperComparison() {
  const presetId = useSweep((s) => s.presetId);
  const definition = useSweep((s) => s.definition);
  const results = useSweep((s) => s.results);
  const floatAccuracy = useSweep((s) => s.floatAccuracy);
  if (!presetId || !definition) return null;
  const preset = SWEEP_PRESETS.find((p) => p.id === presetId)!;
  const rows = paperComparison(presetId, definition, results, floatAccuracy);
  return (
    <div className="paper-comparison" data-testid="sweep-paper">
      <h3>{preset.name}: paper beside ours</h3>
      <p className="muted small">{preset.paper}</p>
      <table>
        <thead>
          <tr>
            <th />
            <th>paper</th>
            <th>ours</th>
          </tr>
        </thead>
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
