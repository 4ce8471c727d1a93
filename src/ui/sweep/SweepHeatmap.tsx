/** The sweep's grid: one cell per configuration, coloured by accuracy, the value printed in it. */
import { useId, useRef, useState, type KeyboardEvent } from 'react';
import { heatmapLayout, type SweepDefinition } from '../../core/sweep';
import { heatColour } from './heatColour';
import { divergenceMessage } from '../../core/divergence';
import type { CellDivergence } from './sweepStore';
import { maxOf, minOf } from '../../core/arrays';

/** WCAG relative luminance of an sRGB colour given as 0..255 channels. */
function relativeLuminance([r, g, b]: number[]): number {
  const lin = (c: number) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

/**
 * Black or white, whichever contrasts more with the background. One of the two always reaches
 * 4.58:1 (the worst case is a background of luminance 0.18), so every cell passes WCAG AA.
 */
export function readableText(background: string): '#000000' | '#ffffff' {
  const rgb = background.match(/\d+(\.\d+)?/g)?.slice(0, 3).map(Number);
  if (!rgb || rgb.length < 3) return '#000000';
  const l = relativeLuminance(rgb);
  return (l + 0.05) / 0.05 >= 1.05 / (l + 0.05) ? '#000000' : '#ffffff';
}

/** Pending cells keep the stylesheet's pale background; this grey reads on it at 6.9:1. */
const PENDING_TEXT = '#475569';

export function SweepHeatmap({
  sweep,
  results,
  diverged = [],
  errorView,
}: {
  sweep: SweepDefinition;
  results: readonly (number | null)[];
  /** Cells whose training diverged: they show "diverged" and take no part in the colour scale. */
  diverged?: readonly (CellDivergence | null)[];
  errorView?: boolean;
}) {
  const layout = heatmapLayout(sweep, results);
  const captionId = useId();
  const measured = results.filter((v): v is number => v !== null);
  const min = measured.length > 0 ? minOf(measured) : 0;
  const max = measured.length > 0 ? maxOf(measured) : 1;
  // Roving tabindex: the grid is one tab stop, the arrow keys move within it.
  const [active, setActive] = useState<{ row: number; col: number }>({ row: 0, col: 0 });
  const cellRefs = useRef(new Map<string, HTMLTableCellElement>());
  const rows = layout.grid.length;
  const cols = layout.grid[0]?.length ?? 0;
  const current = { row: Math.min(active.row, rows - 1), col: Math.min(active.col, cols - 1) };
  const [rowAxis, colAxis] = sweep.axes;
  // A knob's value in words: "Input bits 2"; a seed-003 model is named by itself.
  const part = (knob: string, title: string, value: string) => (knob === 'preset' ? value : `${title} ${value}`);

  const onKeyDown = (e: KeyboardEvent<HTMLTableElement>) => {
    const moves: Record<string, [number, number]> = {
      ArrowUp: [current.row - 1, current.col],
      ArrowDown: [current.row + 1, current.col],
      ArrowLeft: [current.row, current.col - 1],
      ArrowRight: [current.row, current.col + 1],
      Home: [current.row, 0],
      End: [current.row, cols - 1],
    };
    const target = moves[e.key];
    if (!target) return;
    e.preventDefault();
    const row = Math.max(0, Math.min(rows - 1, target[0]));
    const col = Math.max(0, Math.min(cols - 1, target[1]));
    setActive({ row, col });
    cellRefs.current.get(`${row},${col}`)?.focus();
  };

  return (
    <figure className="heatmap" data-testid="sweep-heatmap">
      <figcaption id={captionId}>
        Test accuracy (%) · rows: {layout.rowTitle}
        {sweep.axes.length > 1 ? ` · columns: ${layout.colTitle}` : ''}
        {measured.length > 0 && (
          <span className="muted">
            {' '}
            · colour from {(min * 100).toFixed(1)}% (dark) to {(max * 100).toFixed(1)}% (yellow)
          </span>
        )}
      </figcaption>
      <table role="grid" aria-labelledby={captionId} onKeyDown={onKeyDown}>
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
              {row.map((cell, c) => {
                const filled = cell.value !== null;
                const divergedAt = diverged[cell.index] ?? null;
                const colour = filled ? heatColour(cell.value!, min, max) : null;
                const shown = filled ? (errorView ? (1 - cell.value!) * 100 : cell.value! * 100).toFixed(1) : divergedAt ? 'diverged' : '·';
                const where = [part(rowAxis.knob, layout.rowTitle, layout.rowLabels[r])];
                if (colAxis) where.push(part(colAxis.knob, layout.colTitle, layout.colLabels[c]));
                const what = filled ? `${shown}%${errorView ? ' error' : ''}` : divergedAt ? divergenceMessage(divergedAt) : 'pending';
                return (
                  <td
                    key={cell.index}
                    ref={(el) => {
                      if (el) cellRefs.current.set(`${r},${c}`, el);
                      else cellRefs.current.delete(`${r},${c}`);
                    }}
                    data-testid="heatmap-cell"
                    data-filled={filled || divergedAt !== null}
                    data-diverged={divergedAt !== null}
                    data-index={cell.index}
                    tabIndex={r === current.row && c === current.col ? 0 : -1}
                    aria-label={`${where.join(', ')}: ${what}`}
                    onFocus={() => setActive({ row: r, col: c })}
                    title={`${cell.label}${filled ? `: ${(cell.value! * 100).toFixed(2)}%` : divergedAt ? `: ${divergenceMessage(divergedAt)}` : ' (pending)'}`}
                    style={colour ? { background: colour.background, color: readableText(colour.background) } : { color: PENDING_TEXT }}
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
