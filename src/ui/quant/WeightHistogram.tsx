/**
 * One layer's trained float weights as a histogram over a robust range (the 0.1-99.9 percentiles,
 * widened to where the edge weights land), the scheme's legal values inside it as ticks, and how
 * many weights land on each level after quantization.
 */
import { memo, useDeferredValue, useMemo, useState } from 'react';
import { Area, CartesianGrid, ComposedChart, ResponsiveContainer, Scatter, Tooltip, XAxis, YAxis, usePlotArea, useXAxisScale } from 'recharts';
import { maxOf } from '../../core/arrays';
import { describeScheme } from '../../core/quant/schemes';
import type { LayerSummary, WeightStats } from '../../worker/protocol';
import { schemeForLayer } from '../quantKnobs';
import { useStore } from '../store';
import { useKeptModelQuery } from './useKeptModelQuery';

const BIN_STROKE = '#2563eb';
const BIN_FILL = '#bfdbfe';
const LEGAL_COLOUR = '#dc2626';
const LEVEL_COLOUR = '#ea580c';
const AXIS_FONT = { fontSize: 12 };
/** Length of the legal-value marks under the x axis, in pixels. */
const RUG = 8;
/** Above this many sticks the heads would overlap; plain thinner lines read better. */
const STICKS_WITH_HEADS = 48;

export function WeightHistogram({ layers, height = 220, compact = false }: { layers: LayerSummary[]; height?: number; compact?: boolean }) {
  const [picked, setPicked] = useState(0);
  const [log, setLog] = useState(false);
  const layerIndex = Math.min(picked, layers.length - 1);
  const modelVersion = useStore((s) => s.modelVersion);
  const scheme = useStore((s) => schemeForLayer(s.config, layerIndex, layers.length));
  const fetchWeightStats = useStore((s) => s.fetchWeightStats);
  const schemeKey = JSON.stringify(scheme);
  const { value: stats, error } = useKeptModelQuery(() => fetchWeightStats(layerIndex, scheme), [modelVersion, layerIndex, schemeKey]);
  // The chart is the heaviest thing a slider step redraws: render it at low priority, in slices
  // React can interrupt, so the accuracy number and the slider itself never wait for it.
  const deferredStats = useDeferredValue(stats);
  return (
    <figure className="histogram" data-testid="weight-histogram">
      <figcaption style={{ display: 'flex', flexWrap: 'wrap', alignItems: 'center', gap: '4px 10px' }}>
        <label>
          Layer{' '}
          <select aria-label="Layer" data-testid="histogram-layer" value={layerIndex} onChange={(e) => setPicked(Number(e.target.value))}>
            {layers.map((l) => (
              <option key={l.index} value={l.index}>
                {l.name} ({l.shape.join('×')})
              </option>
            ))}
          </select>
        </label>
        <span>
          {compact ? '' : 'weights in '}
          <strong>{describeScheme(scheme)}</strong>
        </span>
        <label style={{ marginLeft: 'auto', fontSize: 13, whiteSpace: 'nowrap' }}>
          <input type="checkbox" data-testid="histogram-log-toggle" checked={log} onChange={(e) => setLog(e.target.checked)} /> log count
        </label>
      </figcaption>
      {error && <p className="error-text">{error}</p>}
      {deferredStats && <HistogramChart stats={deferredStats} log={log} height={height} />}
      {stats && <HistogramLegend stats={stats} compact={compact} />}
    </figure>
  );
}

/** Short label: 0.05, -0.2, 1.5, 2e-3; never "0.050" or "-0". */
export function formatTick(v: number): string {
  const rounded = Number(v.toPrecision(2));
  return rounded === 0 ? '0' : String(rounded);
}

/**
 * 3 to 5 round ticks over [-hi, hi], always with 0: the step is the smallest of 1, 2, 2.5, 5 x 10^k
 * with at most two ticks a side (recharts' own land on values like 8e-3 for ±0.17).
 */
export function symmetricTicks(hi: number): number[] {
  if (!(hi > 0 && hi < Infinity)) return [0];
  const decade = Math.pow(10, Math.floor(Math.log10(hi)));
  const steps = [0.1, 0.2, 0.25, 0.5, 1, 2, 2.5, 5].map((m) => m * decade);
  const step = steps.find((s) => Math.floor(hi / s + 1e-9) <= 2) ?? decade;
  const perSide = Math.max(1, Math.floor(hi / step + 1e-9));
  const ticks: number[] = [];
  const seen = new Set<string>();
  for (let i = -perSide; i <= perSide; i++) {
    const v = Number((i * step).toPrecision(12));
    const label = formatTick(v);
    if (!seen.has(label)) {
      seen.add(label);
      ticks.push(v);
    }
  }
  return ticks;
}

/** 1234 -> "1.2k": the level counts reach tens of thousands and the axis is narrow. */
function formatCount(v: number): string {
  if (v >= 1e6) return `${Number((v / 1e6).toPrecision(2))}M`;
  if (v >= 1e3) return `${Number((v / 1e3).toPrecision(2))}k`;
  return String(Number(v.toPrecision(3)));
}

/**
 * Count-axis ticks and the domain's top: round steps (1, 2, 2.5, 5 x 10^k, at most 4 of them) on a
 * linear axis, powers of ten on a log one (recharts' own gave 550, 1.1k, 1.6k).
 */
export function countTicks(max: number, log: boolean): { ticks: number[]; top: number } {
  const m = Math.max(1, max);
  if (log) {
    const top = Math.pow(10, Math.ceil(Math.log10(m) - 1e-9));
    const ticks: number[] = [];
    for (let t = 1; t <= top; t *= 10) ticks.push(t);
    // Every other power when there are many, so the labels do not crowd a short axis.
    return { ticks: ticks.length > 5 ? ticks.filter((_, i) => (ticks.length - 1 - i) % 2 === 0) : ticks, top };
  }
  const decade = Math.pow(10, Math.floor(Math.log10(m)));
  const step = [0.1, 0.2, 0.25, 0.5, 1, 2].map((k) => k * decade).find((s) => Math.ceil(m / s - 1e-9) <= 4) ?? 2 * decade;
  const top = step * Math.ceil(m / step - 1e-9);
  const ticks: number[] = [];
  for (let i = 0; i * step <= top + step / 2; i++) ticks.push(Number((i * step).toPrecision(12)));
  return { ticks, top };
}

/** Exported for previews and tests; memo: redraws only when the stats or the toggle change. */
export const HistogramChart = memo(function HistogramChart({ stats, log, height }: { stats: WeightStats; log: boolean; height: number }) {
  const { binPoints, levelPoints, ticks, legal, binAxis, levelAxis } = useMemo(() => {
    // Log scale has no 0: an empty bin is a gap, not a bar down to 1.
    const y = (count: number) => (log && count === 0 ? null : count);
    const last = stats.bins[stats.bins.length - 1];
    // Step points at the left edges, plus the right edge, draw the bars of the histogram.
    const binPoints = [...stats.bins.map((b) => ({ x: b.x0, count: y(b.count) })), { x: last.x1, count: y(last.count) }];
    const levelPoints = (stats.levels ?? []).filter((l) => l.value >= stats.lo && l.value <= stats.hi).map((l) => ({ x: l.value, after: l.count }));
    return {
      binPoints,
      levelPoints,
      ticks: symmetricTicks(stats.hi),
      legal: stats.legal ?? [],
      binAxis: countTicks(Math.max(0, maxOf(stats.bins.map((b) => b.count))), log),
      levelAxis: countTicks(Math.max(0, maxOf(levelPoints.map((l) => l.after))), log),
    };
  }, [stats, log]);
  const yScale = log ? ('log' as const) : ('linear' as const);
  const bottom = log ? 1 : 0;
  const heads = levelPoints.length <= STICKS_WITH_HEADS;
  /** The props both count axes share (bins on the left, levels on the right): one scale from `bottom`, ticks in the series' colour. */
  const countAxis = (yAxisId: string, axis: { ticks: number[]; top: number }, colour: string) => ({
    yAxisId,
    scale: yScale,
    domain: [bottom, axis.top],
    ticks: axis.ticks,
    allowDataOverflow: true,
    width: 40,
    tick: { ...AXIS_FONT, fill: colour },
    tickFormatter: formatCount,
  });
  return (
    <ResponsiveContainer width="100%" height={height}>
      <ComposedChart data={binPoints} margin={{ top: 8, right: 4, bottom: 0, left: 0 }}>
        <CartesianGrid strokeDasharray="3 3" vertical={false} />
        <XAxis
          dataKey="x"
          type="number"
          domain={[stats.lo, stats.hi]}
          ticks={ticks}
          tickFormatter={formatTick}
          tick={AXIS_FONT}
          // No tick marks: the space under the axis line holds the legal values (see LegalTicks).
          tickLine={false}
          tickSize={RUG + 3}
          allowDataOverflow
        />
        <YAxis {...countAxis('bins', binAxis, BIN_STROKE)} />
        <YAxis {...countAxis('levels', levelAxis, LEVEL_COLOUR)} orientation="right" dataKey="after" hide={levelPoints.length === 0} />
        <Tooltip content={({ active, label }) => (active ? <BinTooltip stats={stats} x={Number(label)} /> : null)} />
        <Area yAxisId="bins" name="bin" baseValue={bottom} type="stepAfter" dataKey="count" stroke={BIN_STROKE} fill={BIN_FILL} isAnimationActive={false} />
        {levelPoints.length > 0 && (
          <Scatter
            yAxisId="levels"
            name="level"
            tooltipType="none"
            data={levelPoints}
            dataKey="after"
            fill={LEVEL_COLOUR}
            isAnimationActive={false}
            shape={<LevelStick heads={heads} />}
          />
        )}
        <LegalTicks values={legal} />
      </ComposedChart>
    </ResponsiveContainer>
  );
});

const fmt = (v: number) => Number(v.toPrecision(3)).toString();

/** Hovering a bin says how many weights it holds and which level the weights at its centre round to. */
function BinTooltip({ stats, x }: { stats: WeightStats; x: number }) {
  const bins = stats.bins;
  const bin = bins.find((b) => x >= b.x0 && x < b.x1) ?? bins[bins.length - 1];
  if (!bin || !Number.isFinite(x)) return null;
  const centre = (bin.x0 + bin.x1) / 2;
  let level: { value: number; count: number } | null = null;
  for (const l of stats.levels ?? []) if (!level || Math.abs(l.value - centre) < Math.abs(level.value - centre)) level = l;
  return (
    <div style={{ background: 'white', border: '1px solid #94a3b8', borderRadius: 6, padding: '4px 8px', fontSize: 13 }}>
      <div style={{ color: BIN_STROKE }}>
        w in [{fmt(bin.x0)}, {fmt(bin.x1)}): {bin.count.toLocaleString('en-US')} weights
      </div>
      {level && (
        <div style={{ color: '#9a3412' }}>
          nearest level {fmt(level.value)}: {level.count.toLocaleString('en-US')} weights after quantization
        </div>
      )}
    </div>
  );
}

/** A stick from the axis up to the count of one level (recharts passes cx, cy). */
function LevelStick({ cx, cy, heads }: { cx?: number; cy?: number; heads: boolean }) {
  const plot = usePlotArea();
  if (cx === undefined || cy === undefined || !plot || !Number.isFinite(cy)) return null;
  const bottom = plot.y + plot.height;
  return (
    <g>
      <line x1={cx} x2={cx} y1={bottom} y2={cy} stroke={LEVEL_COLOUR} strokeWidth={heads ? 2 : 1} strokeOpacity={heads ? 1 : 0.6} />
      {heads && <circle cx={cx} cy={cy} r={3} fill={LEVEL_COLOUR} />}
    </g>
  );
}

/**
 * The legal values as a rug of short marks just under the x axis line: full-height lines hid the
 * histogram, and under the axis they never cover the bars or the orange sticks above each level.
 */
function LegalTicks({ values }: { values: number[] }) {
  const x = useXAxisScale();
  const plot = usePlotArea();
  if (!x || !plot || values.length === 0) return null;
  const axis = plot.y + plot.height;
  return (
    <g pointerEvents="none">
      {values.map((v) => {
        const px = x(v);
        return px === undefined ? null : <line key={v} x1={px} x2={px} y1={axis + 1} y2={axis + RUG} stroke={LEGAL_COLOUR} strokeWidth={1.5} />;
      })}
    </g>
  );
}

/** "12 (−∞ 5, +∞ 7)": a count of infinities, split by sign where both occur. */
function infinityCount({ negative, positive }: { negative: number; positive: number }): string {
  const total = (negative + positive).toLocaleString('en-US');
  if (negative === 0) return `${total} (+∞)`;
  if (positive === 0) return `${total} (−∞)`;
  return `${total} (−∞ ${negative.toLocaleString('en-US')}, +∞ ${positive.toLocaleString('en-US')})`;
}

export function HistogramLegend({ stats, compact }: { stats: WeightStats; compact: boolean }) {
  const outliers = stats.outliersBelow + stats.outliersAbove;
  const beyond = (stats.levels ?? []).filter((l) => l.value < stats.lo || l.value > stats.hi);
  // Infinities are in no bin and on no level: counted here so that no weight goes unaccounted for.
  const infiniteWeights = stats.infiniteWeights ?? { negative: 0, positive: 0 };
  const infiniteAfter = stats.infiniteAfter ?? { negative: 0, positive: 0 };
  const notes = [
    outliers > 0
      ? `${outliers.toLocaleString('en-US')} weight${outliers > 1 ? 's' : ''} beyond ±${fmt(stats.hi)} not shown (max |w| ${fmt(stats.maxAbs)})` +
        (infiniteWeights.negative + infiniteWeights.positive > 0 ? `, ${infinityCount(infiniteWeights)} of them ±Inf` : '')
      : null,
    beyond.length > 0 && !compact
      ? `${beyond.reduce((s, l) => s + l.count, 0).toLocaleString('en-US')} land on ${beyond.length} level${beyond.length > 1 ? 's' : ''} beyond the range`
      : null,
    stats.legalNote ? `legal values: ${stats.legalNote}` : null,
    stats.levelsNote ? `after quantization: ${stats.levelsNote}` : null,
    compact ? null : `${stats.weightCount.toLocaleString('en-US')} weights`,
  ].filter((n): n is string => n !== null);
  return (
    <div style={{ fontSize: 13, lineHeight: 1.35 }}>
      <p style={{ margin: '2px 0', display: 'flex', flexWrap: 'wrap', gap: '2px 14px' }}>
        <span>
          <Swatch colour={BIN_FILL} border={BIN_STROKE} /> float weights
        </span>
        {stats.legalInRange !== null && (
          <span>
            <TickSwatch /> <strong data-testid="legal-value-count">{stats.legalInRange}</strong>
            {stats.legalTotal !== null && (
              <>
                {' '}
                of <span data-testid="legal-value-total">{stats.legalTotal}</span>
              </>
            )}{' '}
            legal values{compact ? '' : ' in view'}
          </span>
        )}
        {stats.levelsUsed !== null && (
          <span style={{ color: '#9a3412' }}>
            <Swatch colour={LEVEL_COLOUR} /> after quantization: <strong data-testid="histogram-levels-used">{stats.levelsUsed}</strong> level
            {stats.levelsUsed === 1 ? '' : 's'} used{stats.legalTotal !== null ? ` of ${stats.legalTotal}` : ''}
          </span>
        )}
        {infiniteAfter.negative + infiniteAfter.positive > 0 && (
          <span style={{ color: '#9a3412' }} data-testid="histogram-infinite-after" title="Weights past the largest finite value become ±Infinity (overflow=inf)">
            ±Inf after quantization: <strong>{infinityCount(infiniteAfter)}</strong>
          </span>
        )}
      </p>
      {notes.length > 0 && <p style={{ margin: 0, fontSize: 12, color: '#4b5563' }}>{notes.join(' · ')}</p>}
    </div>
  );
}

function Swatch({ colour, border }: { colour: string; border?: string }) {
  return (
    <span
      aria-hidden
      style={{ display: 'inline-block', width: 10, height: 10, background: colour, border: border ? `1px solid ${border}` : undefined, verticalAlign: 'baseline' }}
    />
  );
}

function TickSwatch() {
  return <span aria-hidden style={{ display: 'inline-block', width: 2, height: 11, background: LEGAL_COLOUR, margin: '0 4px', verticalAlign: 'baseline' }} />;
}
