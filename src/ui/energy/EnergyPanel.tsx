/**
 * Energy per inference of the current config, from the cost model (45 nm): per-layer compute and
 * memory as stacked bars, totals, where the weights live, the shift convention, and the table.
 */
import { useMemo } from 'react';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { energyTableOf } from '../../core/config';
import { estimateCost, type CostEstimate } from '../../core/cost/estimate';
import { formatArea, formatEnergy, formatStorage, formatTick } from '../format';
import { useStore } from '../store';
import { EnergyTableEditor } from './EnergyTableEditor';

/** The current config's cost under the current table (TF.js-free, on the main thread). */
export function useCostEstimate(): { estimate: CostEstimate | null; error: string | null } {
  const config = useStore((s) => s.config);
  return useMemo(() => {
    try {
      return { estimate: estimateCost(config, energyTableOf(config)), error: null };
    } catch (error) {
      return { estimate: null, error: error instanceof Error ? error.message : String(error) };
    }
  }, [config]);
}

export function EnergyPanel() {
  const { estimate, error } = useCostEstimate();
  return (
    <section className="panel energy" data-testid="energy-panel">
      <h2>Energy, storage and area (per inference)</h2>
      {error && <p className="error-text">{error}</p>}
      {estimate && (
        <>
          <div className="energy-overview">
            <EnergyTotals estimate={estimate} />
            <LayerEnergyChart estimate={estimate} />
          </div>
          <details className="assumptions">
            <summary>Assumptions behind these numbers</summary>
            <ul>
              {estimate.assumptions.map((a) => (
                <li key={a}>{a}</li>
              ))}
            </ul>
          </details>
        </>
      )}
      <EnergyTableEditor />
    </section>
  );
}

function EnergyTotals({ estimate }: { estimate: CostEstimate }) {
  const shiftCost = useStore((s) => energyTableOf(s.config).shiftCost);
  const sramBytes = useStore((s) => energyTableOf(s.config).sramBytes);
  return (
    <div className="energy-totals">
      <div className="stat">
        <h3>Energy per inference</h3>
        <p className="big-number" data-testid="energy-total" data-pj={estimate.energyPJ}>
          {formatEnergy(estimate.energyPJ)}
        </p>
        <p className="muted small">
          compute <span data-testid="energy-compute">{formatEnergy(estimate.computePJ)}</span> · memory{' '}
          <span data-testid="energy-memory">{formatEnergy(estimate.memoryPJ)}</span>
        </p>
      </div>
      <div className="stat">
        <h3>Storage</h3>
        <p className="big-number" data-testid="energy-storage" data-bits={estimate.storageBits}>
          {formatStorage(estimate.storageBits)}
        </p>
        <p className="muted small">{estimate.bitsPerWeight} bits per weight</p>
      </div>
      <div className="stat">
        <h3>Area (MAC datapaths)</h3>
        <p className="big-number" data-testid="energy-area" data-um2={estimate.areaUm2}>
          {formatArea(estimate.areaUm2)}
        </p>
      </div>
      <div className="stat">
        <h3>Weights read from</h3>
        <p className="big-number" data-testid="energy-weight-memory">
          {estimate.weightsInSram ? 'SRAM' : 'DRAM'}
        </p>
        <p className="muted small">
          {formatStorage(estimate.weightMemoryBits)} with 32-bit biases; SRAM buffer {formatStorage(sramBytes * 8)}
        </p>
      </div>
      <div className="stat">
        <h3>Shift convention</h3>
        <p className="big-number" data-testid="energy-shift-convention">
          {shiftCost === 'adder' ? 'shift = adder' : 'Aladdin ratio'}
        </p>
        <p className="muted small">{shiftCost === 'adder' ? 'QKeras: a shift costs an adder of the same width' : 'adder × 3.79 (energy), × 1.87 (area)'}</p>
      </div>
    </div>
  );
}

function LayerEnergyChart({ estimate }: { estimate: CostEstimate }) {
  const data = estimate.layers.map((l) => ({ name: l.name, compute: l.computePJ, memory: l.memoryPJ, macs: l.macs }));
  return (
    <figure className="layer-energy" data-testid="energy-layer-chart">
      <figcaption>Per layer: compute (MAC datapaths) and memory (weights, activations), pJ</figcaption>
      <ResponsiveContainer width="100%" height={Math.max(160, 60 + 44 * data.length)}>
        <BarChart data={data} layout="vertical" margin={{ top: 4, right: 24, bottom: 4, left: 8 }}>
          <CartesianGrid strokeDasharray="3 3" horizontal={false} />
          <XAxis type="number" tickFormatter={formatTick} />
          <YAxis type="category" dataKey="name" width={90} />
          <Tooltip formatter={(v, name) => [formatEnergy(Number(v)), String(name)]} />
          <Legend />
          <Bar dataKey="compute" name="compute" stackId="energy" fill="#2563eb" isAnimationActive={false} />
          <Bar dataKey="memory" name="memory" stackId="energy" fill="#f59e0b" isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </figure>
  );
}
