/**
 * `backend=auto` by measurement: the pure rules (src/core/autoBackend.ts: order, choice, text,
 * memory) and the probe itself (src/worker/backendProbe.ts) on Node's wasm and cpu backends: it
 * times real training steps, leaves no tensor behind, and gives way when asked to stop.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { chooseBackend, describeAuto, memoryKey, modelKey, probeOrder, readRemembered, type ProbeResult } from '../../src/core/autoBackend';
import { probeBackends, timeTrainingSteps } from '../../src/worker/backendProbe';
import { useNodeBackend } from '../../src/tf/tfNode';

const result = (backend: ProbeResult['backend'], samplesPerSec: number | null, extra: Partial<ProbeResult> = {}): ProbeResult => ({
  backend,
  samplesPerSec,
  adapter: '',
  emulated: false,
  threads: null,
  steps: 3,
  warmupMs: 10,
  note: null,
  ...extra,
});

const on = (backend: ProbeResult['backend'], threads: number | null = null) => ({ backend, threads });

describe('auto rules', () => {
  it('times the active backend first, then WebGPU, WebGL, WASM; never a lost one; CPU not in the first round', () => {
    expect(probeOrder('wasm')).toEqual(['wasm', 'webgpu', 'webgl']);
    expect(probeOrder('webgl', ['webgpu'])).toEqual(['webgl', 'wasm']);
    expect(probeOrder('cpu')).toEqual(['webgpu', 'webgl', 'wasm']);
  });

  it('picks the fastest, but keeps the running backend when it is within 5%', () => {
    const results = [result('wasm', 1790), result('webgpu', 114, { emulated: true, adapter: 'SwiftShader' }), result('webgl', null, { note: 'failed' })];
    expect(chooseBackend(results, on('webgpu'))).toEqual(on('wasm'));
    expect(chooseBackend([result('wasm', 1000), result('webgl', 1040)], on('wasm'))).toEqual(on('wasm'));
    expect(chooseBackend([result('wasm', 1000), result('webgl', 1100)], on('wasm'))).toEqual(on('webgl'));
    expect(chooseBackend([result('webgl', null)], on('wasm'))).toBeNull();
  });

  it("picks WASM's thread count by the same rule", () => {
    const two = result('wasm', 1000, { threads: 2 });
    const one = result('wasm', 2200, { threads: 1 });
    expect(chooseBackend([two, one, result('webgl', 300)], on('wasm', 2))).toEqual(on('wasm', 1));
    expect(chooseBackend([two, result('wasm', 1030, { threads: 1 })], on('wasm', 2))).toEqual(on('wasm', 2));
    // GPU picks carry no thread count.
    expect(chooseBackend([result('webgpu', 9000), two], on('wasm', 2))).toEqual(on('webgpu'));
  });

  it('says what it measured, the choice first', () => {
    const results = [result('wasm', 1790.4, { threads: 2 }), result('webgpu', 114.2, { emulated: true, adapter: 'SwiftShader' }), result('webgl', null, { note: 'initialisation failed' })];
    expect(describeAuto(on('wasm', 2), results)).toBe('auto: WASM (2 threads), 1,790 samples/s; WebGPU 114 (SwiftShader); WebGL: initialisation failed');
    expect(describeAuto(on('webgpu'), [result('webgpu', 5000), result('wasm', 1790, { threads: 4 })])).toBe('auto: WebGPU, 5,000 samples/s; WASM 1,790 (4 threads)');
    expect(describeAuto(on('wasm', 1), [result('wasm', 1000, { threads: 2 }), result('wasm', 2200, { threads: 1 })])).toBe('auto: WASM (1 thread), 2,200 samples/s; WASM 1,000 (2 threads)');
    // WebGL names its renderer at length: the badge says what matters.
    const webgl = result('webgl', 142, { emulated: true, adapter: 'ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero) (0x0000C0DE)), SwiftShader driver)' });
    expect(describeAuto(on('wasm'), [result('wasm', 569), webgl])).toBe('auto: WASM, 569 samples/s; WebGL 142 (SwiftShader)');
  });

  it('keys the memory by device and architecture, and reads back only well-formed entries', () => {
    expect(modelKey({ model: 'mlp1' })).toBe('mlp1');
    expect(modelKey({ model: 'mlp', hidden: [64, 32], batchNorm: true })).toBe('mlp:64,32+bn');
    // Widths of another model do not split its memory.
    expect(modelKey({ model: 'lenet', hidden: [64] })).toBe('lenet');
    expect(modelKey({ model: 'lenet', lenetWidths: [20, 50, 500] })).toBe('lenet');
    expect(modelKey({ model: 'lenet', lenetWidths: [10, 20, 100] })).toBe('lenet:10,20,100');
    const key = memoryKey('dev', { model: 'lenet' });
    const entry = { choice: 'wasm', threads: 1, results: [result('wasm', 300)], batch: 32, measuredAt: 5 };
    expect(readRemembered({ [key]: entry }, key)).toEqual(entry);
    expect(readRemembered({ [key]: { ...entry, choice: 'tpu' } }, key)).toBeNull();
    expect(readRemembered({ [key]: { ...entry, results: [{ backend: 'wasm' }] } }, key)).toBeNull();
    expect(readRemembered('junk', key)).toBeNull();
    expect(readRemembered({}, key)).toBeNull();
  });
});

describe('the probe (Node: wasm and cpu)', () => {
  const training = { batch: 32, lr: 0.002, optimizer: 'adam' as const, momentum: 0.9 };
  const activate = async (name: 'wasm' | 'cpu' | 'webgpu' | 'webgl') => {
    if (name !== 'wasm' && name !== 'cpu') throw new Error(`${name} does not exist in Node`);
    await useNodeBackend(name);
    return { adapter: name, emulated: false, threads: name === 'wasm' ? 1 : null };
  };

  it('times training steps of lenet on wasm after a warm-up step, and leaves no tensor behind', async () => {
    await useNodeBackend('wasm');
    const before = tf.memory().numTensors;
    const timing = await timeTrainingSteps({ model: 'lenet' }, training, { maxSteps: 3, budgetMs: 10_000 });
    expect(timing).not.toBeNull();
    expect(timing!.steps).toBe(3);
    expect(timing!.samplesPerSec).toBeGreaterThan(0);
    expect(timing!.warmupMs).toBeGreaterThan(0);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('ranks wasm and cpu on mlp1, says why the others failed, and returns to the tensor baseline', async () => {
    await useNodeBackend('wasm');
    const before = tf.memory().numTensors;
    const report = await probeBackends({ active: 'wasm', activate, model: { model: 'mlp1' }, training, limits: { maxSteps: 3, budgetMs: 2000 } });
    expect(report.status).toBe('done');
    // CPU is not timed while another backend trains.
    expect(report.results.map((r) => r.backend)).toEqual(['wasm', 'webgpu', 'webgl']);
    expect(report.results[0].samplesPerSec).toBeGreaterThan(0);
    expect(report.results[1]).toMatchObject({ samplesPerSec: null, note: 'webgpu does not exist in Node' });
    expect(chooseBackend(report.results, on('wasm'))).toEqual(on('wasm', 1));
    expect(tf.memory().numTensors).toBe(before);

    // Given both, it times both.
    const both = await probeBackends({ active: 'wasm', candidates: ['wasm', 'cpu'], activate, model: { model: 'mlp1' }, training, limits: { maxSteps: 2, budgetMs: 1000 } });
    expect(both.results.every((r) => r.samplesPerSec! > 0)).toBe(true);
    await useNodeBackend('wasm');
    expect(tf.memory().numTensors).toBe(before);
  });

  it('cuts a backend after one timed step when it is under half of a rate measured before', async () => {
    const report = await probeBackends({ active: 'wasm', candidates: ['cpu'], baseline: 1e9, activate, model: { model: 'mlp1' }, training, limits: { maxSteps: 5, budgetMs: 60_000 } });
    expect(report.results[0]).toMatchObject({ backend: 'cpu', steps: 1, note: 'cut after one step: under half the best' });
    await useNodeBackend('wasm');
  });

  it('falls back to timing cpu only when nothing else trains', async () => {
    const report = await probeBackends({
      active: 'wasm',
      activate: async (name) => {
        if (name === 'cpu') return activate(name);
        throw new Error(`no ${name} here`);
      },
      model: { model: 'mlp1' },
      training,
      limits: { maxSteps: 1, budgetMs: 500 },
    });
    expect(report.results.map((r) => r.backend)).toEqual(['wasm', 'webgpu', 'webgl', 'cpu']);
    expect(chooseBackend(report.results, on('wasm'))).toEqual(on('cpu'));
    await useNodeBackend('wasm');
  });

  it('stops at the next step when asked (a run wants the worker), leak-free', async () => {
    await useNodeBackend('wasm');
    const before = tf.memory().numTensors;
    let steps = 0;
    const report = await probeBackends({
      active: 'wasm',
      activate,
      model: { model: 'mlp1' },
      training,
      limits: { maxSteps: 50, budgetMs: 60_000 },
      // Lets the warm-up and one timed step through, then stops.
      shouldStop: () => ++steps > 3,
    });
    expect(report.status).toBe('cancelled');
    expect(report.results).toEqual([]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
