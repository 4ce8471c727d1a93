import { describe, expect, it } from 'vitest';
import { defaultConfig, latencyGrid, latencyResource, lookupLatency, monotoneTable, proposeWidth, widthGrid, withWidths, type LatencyTable } from '../../src/core';

describe('NetAdapt latency lookup table', () => {
  it('measures widths from 1 to the layer width, evenly spaced', () => {
    expect(widthGrid(100, 5)).toEqual([1, 26, 51, 75, 100]);
    expect(widthGrid(20, 3)).toEqual([1, 11, 20]);
    expect(latencyGrid({ model: 'lenet' }, 3).map((g) => [g.name, g.inputs, g.outputs])).toEqual([
      ['conv1', [1], [1, 11, 20]],
      ['conv2', [1, 11, 20], [1, 26, 50]],
      ['fc1', [1, 26, 50], [1, 251, 500]],
      ['output', [1, 251, 500], [10]],
    ]);
  });

  it('interpolates between measured widths and removes timing noise that would make a narrower layer slower', () => {
    const layer = { name: 'x', inputs: [1, 11], outputs: [1, 5, 9], ms: [[1, 3, 2], [2, 4, 8]] };
    const flat = monotoneTable(layer);
    // 2 at (1, 9) was below 3 at (1, 5): raised to it.
    expect(flat.ms).toEqual([[1, 3, 3], [2, 4, 8]]);
    expect(lookupLatency(flat, 1, 5)).toBe(3);
    // Halfway in both: the mean of the four corners 3, 3, 4, 8.
    expect(lookupLatency(flat, 6, 7)).toBe(4.5);
    expect(lookupLatency(flat, 11, 3)).toBe(3);
  });

  it('sums the layers of a network and drives the per-layer search like any resource', () => {
    const table: LatencyTable = {
      device: 'hand-made',
      key: 'mlp1',
      batch: 1,
      layers: [
        { name: 'hidden1', inputs: [1], outputs: [1, 101], ms: [[0, 1]] },
        { name: 'output', inputs: [1, 101], outputs: [10], ms: [[0], [0.5]] },
      ],
    };
    const latency = latencyResource(table);
    // Width h: (h - 1) / 100 + 0.5 (h - 1) / 100, linear between the widths 1 and 101.
    expect(latency.measure(defaultConfig())).toBeCloseTo(1.5 * (99 / 100), 12);
    expect(latency.measure(withWidths(defaultConfig(), [51]))).toBeCloseTo(0.75, 12);
    // 0.75 ms allows h = 51 and no more.
    expect(proposeWidth(defaultConfig(), 0, 0.75, latency)).toBe(51);
  });
});
