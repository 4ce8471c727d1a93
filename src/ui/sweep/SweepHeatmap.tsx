/** The sweep's grid: one cell per configuration, coloured by accuracy, the value printed in it. */
import { heatColour, heatmapLayout, type SweepDefinition } from '../../core/sweep';

export function SweepHeatmap({ sweep, results, errorView }: { sweep: SweepDefinition; results: readonly (number | null)[]; errorView?: boolean }) {
  const layout = heatmapLayout(sweep, results);
  const measured = results.filter((v): v is number => v !== null);
  const min = measured.length > 0 ? Math.min(...measured) : 0;
  const max = measured.length > 0 ? Math.max(...measured) : 1;
  return (
    <figure className="heatmap" data-testid="sweep-heatmap">
      <figcaption>
        Test accuracy (%) · rows: {layout.rowTitle}
        {sweep.axes.length > 1 ? ` · columns: ${layout.colTitle}` : ''}
        {measured.length > 0 && (
          <span className="muted">
            {' '}
            · colour from {(min * 100).toFixed(1)}% (dark) to {(max * 100).toFixed(1)}% (yellow)
          </span>
        )}
      </figcaption>
      <table>
        {sweep.axes.length > 1 && (
          <thead>
            <tr>
              <th />
              {layout.colLabels.map((label) => (
                <th key={label} scope="col">
                  {label}
                </th>
              ))}
            </tr>
          </thead>
        )}
        <tbody>
          {layout.grid.map((row, r) => (
            <tr key={r}>
              <th scope="row">{layout.rowLabels[r]}</th>
              {row.map((cell) => {
                const filled = cell.value !== null;
                const colour = filled ? heatColour(cell.value!, min, max) : null;
                const shown = filled ? (errorView ? (1 - cell.value!) * 100 : cell.value! * 100).toFixed(1) : '·';
                return (
                  <td
                    key={cell.index}
                    data-testid="heatmap-cell"
                    data-filled={filled}
                    data-index={cell.index}
                    title={`${cell.label}${filled ? `: ${(cell.value! * 100).toFixed(2)}%` : ' (pending)'}`}
                    style={colour ? { background: colour.background, color: colour.text } : undefined}
                  >
                    {shown}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
