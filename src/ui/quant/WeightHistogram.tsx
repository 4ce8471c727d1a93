/** One layer's trained float weights as a histogram, with the current scheme's legal values drawn over it. */
import { useState } from 'react';
import { Area, AreaChart, CartesianGrid, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { describeScheme } from '../../core/quant/schemes';
import type { LayerSummary, WeightStats } from '../../worker/protocol';
import { schemeForLayer } from '../quantConfig';
import { useStore } from '../store';
import { useKeptModelQuery } from './useKeptModelQuery';


export function WeightHistogram({ layers }: { layers: LayerSummary[] }) {
  const [picked, setPicked] = useState(0);
  const layerIndex = Math.min(picked, layers.length - 1);
  const modelVersion = useStore((s) => s.modelVersion);
  const scheme = useStore((s) => schemeForLayer(s.config, layerIndex, layers.length));
  const fetchWeightStats = useStore((s) => s.fetchWeightStats);
  const schemeKey = JSON.stringify(scheme);
  const { value: stats, error } = useKeptModelQuery(() => fetchWeightStats(layerIndex, scheme), [modelVersion, layerIndex, schemeKey]);
  return (
    <figure className="histogram" data-testid="weight-histogram">
      <figcaption>
        <label>
          Layer{' '}
          <select data-testid="histogram-layer" value={layerIndex} onChange={(e) => setPicked(Number(e.target.value))}>
            {layers.map((l) => (
              <option key={l.index} value={l.index}>
                {l.name} ({l.shape.join('×')})
              </option>
            ))}
          </select>
        </label>{' '}
        weights, with the legal values of <strong>{describeScheme(scheme)}</strong> in red
      </figcaption>
      {error && <p className="error-text">{error}</p>}
      {stats && <HistogramChart stats={stats} />}
      {stats && <LegalValueLine stats={stats} />}
    </figure>
  );
}

function HistogramChart({ stats }: { stats: WeightStats }) {
  const last = stats.bins[stats.bins.length - 1];
  // Step points at the left edges, plus the right edge, draw the bars of the histogram.
  const data = [...stats.bins.map((b) => ({ x: b.x0, count: b.count })), { x: last.x1, count: last.count }];
  const legal = stats.legal ?? [];
  const reach = Math.max(last.x1, ...legal.map(Math.abs));
  // Symmetric ticks: recharts' own land on values like 8e-3 for a range of ±0.17.
  const ticks = [-reach, -reach / 2, 0, reach / 2, reach];
  return (
    <ResponsiveContainer width="100%" height={260}>
      <AreaChart data={data} margin={{ top: 8, right: 16, bottom: 8, left: 0 }}>
        <CartesianGrid strokeDasharray="3 3" />
        <XAxis dataKey="x" type="number" domain={[-reach, reach]} ticks={ticks} tickFormatter={(v: number) => (v === 0 ? '0' : v.toPrecision(2))} allowDataOverflow />
        <YAxis width={56} />
        <Tooltip formatter={(v) => [String(v), 'weights']} labelFormatter={(v) => `from ${Number(v).toPrecision(3)}`} />
        <Area type="stepAfter" dataKey="count" stroke="#2563eb" fill="#93c5fd" isAnimationActive={false} />
        {legal.map((v, i) => (
          <ReferenceLine key={i} x={v} stroke="#dc2626" strokeOpacity={legal.length > 64 ? 0.35 : 0.8} ifOverflow="hidden" />
        ))}
      </AreaChart>
    </ResponsiveContainer>
  );
}

function LegalValueLine({ stats }: { stats: WeightStats }) {
  return (
    <p className="muted small">
      <span className="legal-count" data-testid="legal-value-count">
        {stats.legal?.length ?? 0}
      </span>{' '}
      legal values drawn
      {stats.legalTotal !== null && stats.legalTotal !== (stats.legal?.length ?? 0) ? ` (of ${stats.legalTotal})` : ''}
      {stats.legalNote ? ` · ${stats.legalNote}` : ''} · {stats.weightCount.toLocaleString('en-US')} weights, max |w| {stats.maxAbs.toPrecision(3)}
    </p>
  );
}
