/**
 * The seed commands end to end on a few hundred images: what they compute and write, not the
 * accuracies (those need full MNIST and belong in docs/results.md).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseCli, type Seed000Command, type Seed003Command } from '../../src/cli/args';
import { runSeed000 } from '../../src/cli/seed000';
import { runSeed003 } from '../../src/cli/seed003';
import { useNodeBackend } from '../../src/tf/tfNode';
import { loadMnistFromPackage } from '../helpers/mnist';

const out = (name: string) => join(mkdtempSync(join(tmpdir(), 'seed-')), name);
const quiet = () => undefined;

beforeAll(async () => {
  await useNodeBackend('wasm');
});

describe('seed commands on a small subset', () => {
  it('seed000: the max|w| grid and the calibrated (mse) grid, 56 cells each, in the JSON and CSV', async () => {
    const path = out('s000');
    const cmd = parseCli(['seed000', '--model', 'mlp1', '--epochs', '1', '--train-size', '500', '--test-size', '200', '--qat-cells', 'none', '--out', path]) as Seed000Command;
    const json = await runSeed000(cmd, loadMnistFromPackage(), quiet);
    expect(json.grid).toHaveLength(56);
    expect(json.timing.evaluations).toBe(112);
    for (const cell of json.grid) {
      expect(cell.ptqMseAccuracy).toBeGreaterThanOrEqual(0);
      expect(cell.ptqMseAccuracy).toBeLessThanOrEqual(1);
    }
    // At 8 bits the two clips give nearly the same model.
    const eight = json.grid.find((c) => c.weightBits === 8 && c.inputBits === 8)!;
    expect(Math.abs(eight.ptqMseAccuracy - eight.ptqAccuracy)).toBeLessThanOrEqual(0.02);
    const csv = readFileSync(`${path}.csv`, 'utf8').split('\n');
    expect(csv[0]).toMatch(/^weight_bits,input_bits,ptq_accuracy,ptq_mse_accuracy,/);
    expect(csv.filter((line) => line.trim() !== '')).toHaveLength(57);
  }, 300_000);

  it('seed003: each preset trains with its batch norm, --batch-norm 0 overrides, and the settings say which', async () => {
    const path = out('s003');
    const args = ['seed003', '--model', 'mlp1', '--epochs', '1', '--train-size', '300', '--test-size', '100', '--only', 'binarynet', '--lr-schedule', 'exp:0.5', '--out', path];
    const rows = await runSeed003(parseCli(args) as Seed003Command, loadMnistFromPackage(), quiet);
    expect(rows.map((r) => r.id)).toEqual(['binarynet']);
    const json = JSON.parse(readFileSync(`${path}.json`, 'utf8'));
    expect(json.settings).toMatchObject({ batchNorm: 'preset', lrSchedule: { kind: 'exp', decay: 0.5 } });
    expect(json.runs[0].config.batchNorm).toBe(true);
    await runSeed003(parseCli([...args, '--batch-norm', '0']) as Seed003Command, loadMnistFromPackage(), quiet);
    const off = JSON.parse(readFileSync(`${path}.json`, 'utf8'));
    expect(off.settings.batchNorm).toBe(false);
    expect(off.runs[0].config.batchNorm).toBe(false);
  }, 300_000);
});
