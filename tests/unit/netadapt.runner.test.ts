import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig, disposeNetwork, quantOf, runConfig, type Config } from '../../src/tf';
import { useNodeBackend } from '../../src/tf/tfNode';
import { defaultHoldout, runNetAdapt, type KeptModel } from '../../src/worker/netadaptRunner';
import type { NetAdaptEvent } from '../../src/worker/protocol';
import { loadMnistFromPackage } from '../helpers/mnist';

const small: Config = { ...defaultConfig(), model: 'mlp1', trainSize: 600, testSize: 200, epochs: 1, batch: 32, backend: 'cpu' };

describe('NetAdapt in the worker (netadaptRunner, cpu backend)', () => {
  beforeAll(async () => {
    await useNodeBackend('cpu');
  });

  it('holds out a tenth of the training subset, at most 1,000 images', () => {
    expect(defaultHoldout(600)).toBe(60);
    expect(defaultHoldout(60_000)).toBe(1000);
    expect(defaultHoldout(5)).toBe(1);
  });

  it('refuses without a kept model', async () => {
    const data = loadMnistFromPackage();
    const request = { resource: 'energy' as const, budget: 0.5, iterations: 2, finetuneBatches: 2, finalEpochs: 0, uniformBaseline: false, quant: quantOf(small) };
    await expect(runNetAdapt(request, { dataOf: () => data, kept: () => null, replaceKept: () => undefined, signal: new AbortController().signal, onEvent: () => undefined })).rejects.toThrow(
      /train one first/,
    );
  });

  it('streams one step per iteration, keeps the adapted network, and on cancel keeps the trained one at the same tensor count', async () => {
    const data = loadMnistFromPackage();
    const run = await runConfig(small, data);
    let kept: KeptModel = { network: run.network, trainSet: run.trainSet, testSet: run.testSet, config: small };
    const replaceKept = (next: KeptModel) => {
      disposeNetwork(kept.network);
      kept = next;
    };
    const request = { resource: 'energy' as const, budget: 0.5, iterations: 2, finetuneBatches: 3, holdout: 100, finalEpochs: 1, uniformBaseline: false, quant: quantOf(small) };
    const before = tf.memory().numTensors;

    // Cancelled after the first iteration: the steps so far, nothing replaced.
    const abort = new AbortController();
    const cancelledEvents: NetAdaptEvent[] = [];
    const cancelled = await runNetAdapt(request, {
      dataOf: () => data,
      kept: () => kept,
      replaceKept,
      signal: abort.signal,
      onEvent: (event) => {
        cancelledEvents.push(event);
        if (event.type === 'step' && event.step.iteration === 1) abort.abort();
      },
    });
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.steps.map((s) => s.iteration)).toEqual([0, 1]);
    expect(kept.network).toBe(run.network);
    expect(tf.memory().numTensors).toBe(before);

    const events: NetAdaptEvent[] = [];
    const done = await runNetAdapt(request, { dataOf: () => data, kept: () => kept, replaceKept, signal: new AbortController().signal, onEvent: (e) => events.push(e) });
    expect(done.status).toBe('done');
    const steps = events.filter((e) => e.type === 'step');
    expect(steps.map((e) => e.step.iteration)).toEqual(done.steps.map((s) => s.iteration));
    expect(events.some((e) => e.type === 'phase' && e.phase === 'final')).toBe(true);
    expect(done.resource).toBeLessThanOrEqual(0.5 * done.initialResource);
    expect(done.config).toMatchObject({ model: 'mlp', hidden: done.steps[done.steps.length - 1].widths });
    expect(done.testAccuracy).toBeGreaterThan(0.3);
    // The adapted network is kept now, at its own widths; the trained one was freed.
    expect(kept.config).toEqual(done.config);
    expect(kept.network.params[0].kernel.shape).toEqual([784, done.config.hidden[0]]);
    expect(tf.memory().numTensors).toBe(before);
    expect(done.tensorsAfter).toBe(done.tensorsBefore);
    // A small subset leaves room for the holdout after it: none of it was trained on.
    expect(done.holdoutSeen).toBe(0);
    disposeNetwork(kept.network);
  });
});
