/**
 * Latency as NetAdapt measures it: a lookup table per weight layer, indexed by the layer's input
 * width (the previous prunable width: input channels or units) and output width, filled by
 * timing the WGSL kernels on the device (src/gpu/latencyTable.ts builds it). A network's latency
 * is the sum over its layers (each weight layer with the pool after it), read from the table by
 * bilinear interpolation between the measured widths.
 */
import type { ArchitectureConfig } from '../models';
import { architecture, isWeightLayer } from '../models';
import type { Resource } from './resources';
import { prunableWidths } from './widths';

export interface LatencyLayerTable {
  name: string;
  /** Input widths measured, ascending ([1] for the first layer: the image). */
  inputs: number[];
  /** Output widths measured, ascending ([10] for the output layer). */
  outputs: number[];
  /** ms per image, [input index][output index]. */
  ms: number[][];
}

export interface LatencyTable {
  /** What it was measured on (adapter), for the cache key and for display. */
  device: string;
  /** Model, weight formats, activations and batch: a table holds for these only. */
  key: string;
  batch: number;
  layers: LatencyLayerTable[];
}

/** Widths to measure between 1 and `max`: `points` of them, evenly spaced, both ends included. */
export function widthGrid(max: number, points: number): number[] {
  if (max <= 1 || points <= 1) return [max];
  const grid = new Set<number>();
  for (let j = 0; j < points; j++) grid.add(Math.max(1, Math.round(1 + ((max - 1) * j) / (points - 1))));
  return [...grid].sort((a, b) => a - b);
}

/** The grids of each weight layer of `config` (what the builder times). */
export function latencyGrid(config: ArchitectureConfig, points: number): { name: string; inputs: number[]; outputs: number[] }[] {
  const widths = prunableWidths(config);
  const layers = architecture(config).filter(isWeightLayer);
  return layers.map((layer, i) => ({
    name: layer.name,
    inputs: i === 0 ? [1] : widthGrid(widths[i - 1], points),
    outputs: i < widths.length ? widthGrid(widths[i], points) : [layer.kind === 'dense' ? layer.units : layer.filters],
  }));
}

/**
 * Makes a table non-decreasing along both widths (a running maximum): timing noise can make a
 * narrower layer look slower, and NetAdapt's search needs a resource that never grows as a width
 * shrinks. The change is within the noise it removes.
 */
export function monotoneTable(layer: LatencyLayerTable): LatencyLayerTable {
  const ms = layer.ms.map((row) => [...row]);
  for (let i = 0; i < ms.length; i++) {
    for (let j = 0; j < ms[i].length; j++) {
      if (i > 0) ms[i][j] = Math.max(ms[i][j], ms[i - 1][j]);
      if (j > 0) ms[i][j] = Math.max(ms[i][j], ms[i][j - 1]);
    }
  }
  return { ...layer, ms };
}

/** Position of `x` in an ascending grid: the cell's lower index and the weight of the upper one. */
function locate(grid: readonly number[], x: number): [number, number] {
  if (grid.length === 1 || x <= grid[0]) return [0, 0];
  for (let i = 0; i + 1 < grid.length; i++) {
    if (x <= grid[i + 1]) return [i, (x - grid[i]) / (grid[i + 1] - grid[i])];
  }
  // Past the last measured width (wider than the table): extrapolate along the last cell.
  const last = grid.length - 2;
  return [last, (x - grid[last]) / (grid[last + 1] - grid[last])];
}

/** One layer's time at (input width, output width), bilinear between the measured widths. */
export function lookupLatency(layer: LatencyLayerTable, input: number, output: number): number {
  const [i, u] = locate(layer.inputs, input);
  const [j, v] = locate(layer.outputs, output);
  const at = (a: number, b: number) => layer.ms[Math.min(a, layer.inputs.length - 1)][Math.min(b, layer.outputs.length - 1)];
  return (1 - u) * ((1 - v) * at(i, j) + v * at(i, j + 1)) + u * ((1 - v) * at(i + 1, j) + v * at(i + 1, j + 1));
}

/** The latency resource of a table: ms per image, summed over the weight layers (pools included). */
export function latencyResource(table: LatencyTable): Resource {
  const layers = table.layers.map(monotoneTable);
  return {
    name: 'latency',
    unit: 'ms',
    measure: (config) => {
      const widths = prunableWidths(config);
      if (widths.length + 1 !== layers.length) throw new Error(`the latency table has ${layers.length} layers, the network ${widths.length + 1}`);
      return layers.reduce((sum, layer, i) => sum + lookupLatency(layer, i === 0 ? 1 : widths[i - 1], i < widths.length ? widths[i] : layer.outputs[0]), 0);
    },
  };
}
