/**
 * The latency lookup table built from WGSL kernel timings (Dawn in Node; SwiftShader without a
 * GPU). Skipped without a WebGPU adapter.
 */
import { describe, expect, it } from 'vitest';
import { defaultConfig, latencyResource, withWidths, type Config } from '../../src/core';
import { buildLatencyTable, randomKernelNetwork, timeKernelNetwork } from '../../src/gpu/latencyTable';
import { createNetworkRunner } from '../../src/gpu/network';
import { convNetReference, randomNetInput } from '../../src/core/kernels/conv';
import { mulberry32 } from '../../src/core/rng';
import { minOf } from '../../src/core/arrays';
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
    expect(progress).toBe(12); // 6 cells, 2 passes
    for (const layer of table.layers) for (const row of layer.ms) for (const ms of row) expect(ms).toBeGreaterThan(0);
    const latency = latencyResource(table);
    const full = latency.measure(config);
    expect(latency.measure(withWidths(config, [40]))).toBeLessThanOrEqual(full);
    expect(latency.measure(withWidths(config, [1]))).toBeLessThanOrEqual(latency.measure(withWidths(config, [40])));
  }, 120_000);

  it('refuses formats the kernels do not run', async () => {
    await expect(buildLatencyTable(gpu.device!, defaultConfig(), { points: 2, targetMs: 1 })).rejects.toThrow(/float32 weights do not run on the integer kernels/);
  });

  it('times a whole adapted network: the kernels it runs are the config\'s widths and formats, bit-exact', async () => {
    const config: Config = { ...withWidths({ ...defaultConfig(), model: 'lenet' }, [6, 12, 40]), weights: { kind: 'lightnn', k: 2 }, activations: { kind: 'relu', bits: 4 } };
    const layers = randomKernelNetwork(mulberry32(3), config);
    expect(layers.map((l) => l.kind)).toEqual(['conv2d', 'maxpool', 'conv2d', 'maxpool', 'flatten', 'dense', 'dense']);
    expect(layers.filter((l) => l.kind === 'conv2d').map((l) => (l.kind === 'conv2d' ? l.filters : 0))).toEqual([6, 12]);
    const runner = await createNetworkRunner(gpu.device!, layers);
    try {
      const input = randomNetInput(mulberry32(4), layers[0], 3);
      expect(Array.from(await runner.run(input, 3))).toEqual(Array.from(convNetReference(layers, input, 3)));
    } finally {
      runner.destroy();
    }
    const small = await timeKernelNetwork(gpu.device!, config, { targetMs: 5, rounds: 2 });
    expect(small.rounds).toHaveLength(2);
    expect(small.msPerImage).toBeGreaterThan(0);
    expect(small.msPerImage).toBe(minOf(small.rounds));
  }, 120_000);
});
