/**
 * The latency lookup table built from WGSL kernel timings (Dawn in Node; SwiftShader without a
 * GPU). Skipped without a WebGPU adapter.
 */
import { describe, expect, it } from 'vitest';
import { defaultConfig, latencyResource, withWidths, type Config } from '../../src/core';
import { buildLatencyTable } from '../../src/gpu/latencyTable';
import { testDevice } from '../helpers/gpuDevice';

const gpu = await testDevice('netadapt latency');

describe.skipIf(!gpu.device)('NetAdapt latency table on the kernels', () => {
  it('times every layer at every grid width and gives a resource that falls as widths shrink', async () => {
    const config: Config = { ...defaultConfig(), model: 'mlp1', weights: { kind: 'fixed', bits: 4 }, activations: { kind: 'relu', bits: 4 } };
    let progress = 0;
    const table = await buildLatencyTable(gpu.device!, config, { points: 3, targetMs: 5, device: gpu.description, onProgress: (done) => (progress = done) });
    expect(table.layers.map((l) => [l.name, l.inputs, l.outputs])).toEqual([
      ['hidden1', [1], [1, 51, 100]],
      ['output', [1, 51, 100], [10]],
    ]);
    expect(progress).toBe(6);
    for (const layer of table.layers) for (const row of layer.ms) for (const ms of row) expect(ms).toBeGreaterThan(0);
    const latency = latencyResource(table);
    const full = latency.measure(config);
    expect(latency.measure(withWidths(config, [40]))).toBeLessThanOrEqual(full);
    expect(latency.measure(withWidths(config, [1]))).toBeLessThanOrEqual(latency.measure(withWidths(config, [40])));
  }, 120_000);

  it('refuses formats the kernels do not run', async () => {
    await expect(buildLatencyTable(gpu.device!, defaultConfig(), { points: 2, targetMs: 1 })).rejects.toThrow(/float32 weights do not run on the integer kernels/);
  });
});
