/**
 * What NetAdapt budgets. A resource maps a config (its widths, formats) to one number: energy and
 * storage from the 45 nm cost model (direct metrics of the modelled hardware), MACs and parameters
 * (the indirect metrics the paper compares against), latency from a per-layer lookup table of
 * measured kernel times (latency.ts). Each must not grow when a width shrinks.
 */
import { energyTableOf, type Config } from '../config';
import { estimateCost, type CostConfig } from '../cost/estimate';
import { architecture, isWeightLayer, macCount, parameterCount, type WeightLayer } from '../models';

export const RESOURCE_NAMES = ['latency', 'energy', 'storage', 'macs', 'params'] as const;
export type ResourceName = (typeof RESOURCE_NAMES)[number];

/** The config fields a resource may read. */
export type ResourceConfig = CostConfig & Partial<Pick<Config, 'energy'>>;

export interface Resource {
  name: ResourceName;
  /** Unit of measure(), for display: 'pJ', 'bits', 'MACs', 'parameters', 'ms'. */
  unit: string;
  measure(config: ResourceConfig): number;
}

const macsOf = (config: ResourceConfig) =>
  architecture(config)
    .filter(isWeightLayer)
    .reduce((sum, layer) => sum + macCount(layer), 0);

/** A resource that is a sum over weight layers of a per-layer lookup (how NetAdapt's tables work). */
export function layerSumResource(name: ResourceName, unit: string, lookup: (layer: WeightLayer, index: number) => number): Resource {
  return {
    name,
    unit,
    measure: (config) =>
      architecture(config)
        .filter(isWeightLayer)
        .reduce((sum, layer, i) => sum + lookup(layer, i), 0),
  };
}

/** The model-based resources; latency needs a measured table (latencyResource in latency.ts). */
export function modelResource(name: Exclude<ResourceName, 'latency'>): Resource {
  switch (name) {
    case 'energy':
      return { name, unit: 'pJ', measure: (c) => estimateCost(c, energyTableOf({ energy: c.energy ?? {} })).energyPJ };
    case 'storage':
      return { name, unit: 'bits', measure: (c) => estimateCost(c, energyTableOf({ energy: c.energy ?? {} })).storageBits };
    case 'macs':
      return { name, unit: 'MACs', measure: macsOf };
    case 'params':
      return { name, unit: 'parameters', measure: parameterCount };
  }
}
