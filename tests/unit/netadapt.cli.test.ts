import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parseCli, UsageError, type NetadaptCommand } from '../../src/cli/args';

const parse = (argv: string[]) => parseCli(['netadapt', ...argv]) as NetadaptCommand;
const usageError = (argv: string[]) => {
  try {
    parseCli(['netadapt', ...argv]);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error('expected a UsageError');
};

describe('netadapt CLI arguments', () => {
  it('reads the model, resource, budget and options over --config', () => {
    const cmd = parse(['--model', 'lenet', '--resource', 'energy', '--budget', '0.4', '--iterations', '7', '--finetune-batches', '20', '--config', 'weights=lightnn:k=2&epochs=2', '--train-size', '5000', '--test-size', '1000']);
    expect(cmd).toMatchObject({ command: 'netadapt', resource: 'energy', budget: 0.4, iterations: 7, finetuneBatches: 20, holdout: 500, finalEpochs: 1, uniform: true, backend: 'wasm' });
    expect(cmd.config).toMatchObject({ model: 'lenet', weights: { kind: 'lightnn', k: 2 }, epochs: 2, trainSize: 5000, testSize: 1000 });
    expect(parse(['--resource', 'macs']).budget).toBe(0.5);
  });

  it('refuses a missing or unknown resource and out-of-range numbers', () => {
    expect(usageError(['--model', 'mlp1'])).toMatch(/netadapt needs --resource/);
    expect(usageError(['--resource', 'flops'])).toMatch(/--resource must be one of latency, energy, storage, macs, params/);
    expect(usageError(['--resource', 'energy', '--budget', '1.5'])).toMatch(/--budget must be a number from 0.01 to 1/);
    expect(usageError(['--resource', 'energy', '--iterations', '2.5'])).toMatch(/--iterations must be an integer/);
    expect(usageError(['--resource', 'energy', '--model', 'mlp'])).toMatch(/--model must be one of mlp1, lenet/);
  });

  it('--preset seed002 sets the formats, latency (energy without WebGPU) and the budget; flags still win', () => {
    const cmd = parse(['--preset', 'seed002', '--model', 'lenet', '--config', 'weights=fixed:bits=4&epochs=2']);
    expect(cmd).toMatchObject({ preset: 'seed002', resource: 'latency', fallbackResource: 'energy', budget: 0.5 });
    expect(cmd.config).toMatchObject({
      model: 'lenet',
      weights: { kind: 'binary', scale: 'l1', hysteresis: 0.1 },
      activations: { kind: 'relu', bits: 8 },
      training: 'qat',
      epochs: 2,
    });
    const named = parse(['--preset', 'seed002', '--resource', 'energy', '--budget', '0.3']);
    expect(named).toMatchObject({ resource: 'energy', budget: 0.3, fallbackResource: null });
    expect(parse(['--resource', 'energy'])).toMatchObject({ preset: null, fallbackResource: null });
    expect(usageError(['--preset', 'seed003'])).toMatch(/--preset must be seed002/);
  });
});

describe('netadapt CLI end to end', () => {
  it('prints one JSON line per iteration and a final line with the test accuracies', () => {
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', 'netadapt', '--model', 'mlp1', '--resource', 'params', '--budget', '0.5', '--iterations', '2', '--finetune-batches', '3',
        '--train-size', '300', '--test-size', '100', '--epochs', '1', '--holdout', '100', '--backend', 'cpu'],
      { encoding: 'utf8', timeout: 120_000 },
    );
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>);
    const steps = lines.filter((l) => 'iteration' in l);
    expect(steps[0]).toMatchObject({ iteration: 0, layer: null, widths: [100], resource: 79_510, resourceRatio: 1 });
    for (const step of steps.slice(1)) {
      expect(Object.keys(step)).toEqual(['iteration', 'layer', 'widths', 'resource', 'resourceRatio', 'holdoutAccuracy', 'ms']);
      expect(step.layer).toBe('hidden1');
    }
    const final = lines[lines.length - 1];
    expect(final).toMatchObject({ final: true, status: 'done', resourceName: 'params' });
    // 795 h + 10 parameters <= 39,755: h = 49 (38,965).
    expect(final.widths).toEqual([49]);
    expect(final.resource).toBe(38_965);
    expect(final.config).toContain('model=mlp&hidden=49');
    expect(typeof final.testAccuracy).toBe('number');
    expect((final.uniform as { widths: number[] }).widths).toEqual([49]);
  }, 120_000);
});
