import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  configSlug,
  DEFAULT_QAT_CELLS,
  DEFAULT_SEED_EPOCHS,
  parseCli,
  parseConfigText,
  parseQatCells,
  UsageError,
  type CliCommand,
} from '../../src/cli/args';
import { formatDuration, formatProgress, progressPrinter, toCsv } from '../../src/cli/format';
import { defaultConfig, SEED003_PRESETS, type BatchMetrics } from '../../src/tf';

function usageError(argv: string[]): string {
  try {
    parseCli(argv);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error(`expected a UsageError for ${argv.join(' ')}`);
}

function parsed<C extends CliCommand['command']>(argv: string[], command: C): Extract<CliCommand, { command: C }> {
  const result = parseCli(argv);
  expect(result.command).toBe(command);
  return result as Extract<CliCommand, { command: C }>;
}

describe('CLI arguments', () => {
  it('rejects a missing or unknown command', () => {
    expect(usageError([])).toMatch(/No command/);
    expect(usageError(['fit'])).toMatch(/Unknown command "fit"; expected one of train, seed003, seed000, seed001/);
  });

  it('answers help', () => {
    expect(parseCli(['help'])).toEqual({ command: 'help' });
    expect(parseCli(['--help'])).toEqual({ command: 'help' });
  });

  it('rejects unknown flags, missing values and stray arguments', () => {
    expect(usageError(['train', '--config', 'model=mlp1', '--fast'])).toMatch(/Unknown option '--fast'/);
    expect(usageError(['seed003', '--model'])).toMatch(/argument missing/);
    expect(usageError(['seed003', '--model', 'mlp1', 'extra'])).toMatch(/Unexpected argument "extra"/);
    // Flags of one command are not accepted by another.
    expect(usageError(['seed001', '--model', 'mlp1', '--qat-cells', '2x2'])).toMatch(/Unknown option '--qat-cells'/);
  });

  it('train: needs --config, decodes it, picks the backend and the output path', () => {
    expect(usageError(['train'])).toMatch(/train needs --config/);
    const cmd = parsed(['train', '--config', 'model=mlp1&weights=lightnn:k=1&training=qat&epochs=5'], 'train');
    expect(cmd.config.weights).toEqual({ kind: 'lightnn', k: 1 });
    expect(cmd.config.training).toBe('qat');
    expect(cmd.config.epochs).toBe(5);
    expect(cmd.backend).toBe('wasm');
    expect(cmd.config.backend).toBe('wasm');
    expect(cmd.out).toBe('results/train-mlp1-lightnn-k-1-relu-qat');
    expect(parsed(['train', '--config', 'model=lenet'], 'train').backend).toBe('wasm');
    expect(parsed(['train', '--config', 'backend=cpu'], 'train').backend).toBe('cpu');
    const explicit = parsed(['train', '--config', 'epochs=1', '--backend', 'cpu', '--out', '/tmp/x'], 'train');
    expect(explicit.backend).toBe('cpu');
    expect(explicit.out).toBe('/tmp/x');
  });

  it('train: rejects a bad backend; lenet trains on wasm', () => {
    expect(usageError(['train', '--config', 'epochs=1', '--backend', 'webgl'])).toMatch(/--backend must be one of wasm, cpu/);
    expect(parsed(['train', '--config', 'model=lenet'], 'train').backend).toBe('wasm');
  });

  it('seed commands: defaults to the full data set and wasm', () => {
    const cmd = parsed(['seed003', '--model', 'mlp1'], 'seed003');
    expect(cmd.base.trainSize).toBe(60_000);
    expect(cmd.base.testSize).toBe(10_000);
    expect(cmd.base.epochs).toBe(DEFAULT_SEED_EPOCHS);
    expect(cmd.base.lr).toBe(defaultConfig().lr);
    expect(cmd.backend).toBe('wasm');
    expect(cmd.out).toBe('results/seed003-mlp1');
    expect(cmd.only).toEqual(SEED003_PRESETS.map((p) => p.id));
    expect(parsed(['seed003', '--model', 'lenet'], 'seed003').backend).toBe('wasm');
    expect(parsed(['seed000', '--model', 'mlp1'], 'seed000').qatCells).toEqual(DEFAULT_QAT_CELLS);
  });

  it('seed003 --batch-norm: each preset its own by default, or 1 / 0 for all', () => {
    expect(parsed(['seed003', '--model', 'mlp1'], 'seed003').batchNorm).toBeUndefined();
    expect(parsed(['seed003', '--model', 'mlp1', '--batch-norm', 'preset'], 'seed003').batchNorm).toBeUndefined();
    expect(parsed(['seed003', '--model', 'mlp1', '--batch-norm', '1'], 'seed003').batchNorm).toBe(true);
    expect(parsed(['seed003', '--model', 'mlp1', '--batch-norm', '0'], 'seed003').batchNorm).toBe(false);
    expect(usageError(['seed003', '--model', 'mlp1', '--batch-norm', 'on'])).toMatch(/--batch-norm: batchNorm="on" is not valid \(must be 0 or 1\)/);
  });

  it('seed commands: numeric flags go through the config schema', () => {
    const cmd = parsed(['seed000', '--model', 'mlp1', '--epochs', '12', '--train-size', '5000', '--lr', '0.001', '--batch', '64', '--seed', '7'], 'seed000');
    expect(cmd.base).toMatchObject({ epochs: 12, trainSize: 5000, lr: 0.001, batch: 64, dataSeed: 7, initSeed: 7 });
    expect(usageError(['seed003', '--model', 'mlp1', '--epochs', 'ten'])).toMatch(/--epochs: epochs="ten" is not valid \(must be an integer from 1 to 100\)/);
    expect(usageError(['seed003', '--model', 'mlp1', '--epochs', '0'])).toMatch(/must be an integer from 1 to 100/);
    // The URL's number grammar: plain decimals only, echoed as typed.
    expect(usageError(['seed003', '--model', 'mlp1', '--epochs', '0x10'])).toMatch(/--epochs: epochs="0x10" is not valid/);
    expect(usageError(['seed003', '--model', 'mlp1', '--train-size', '70000'])).toMatch(/--train-size: .*from 10 to 60000/);
  });

  it('seed commands: --model is required and checked, --only names presets', () => {
    expect(usageError(['seed003'])).toMatch(/seed003 needs --model \(mlp1, lenet, cifar3conv or cifar6conv\)/);
    expect(usageError(['seed000', '--model', 'resnet'])).toMatch(/--model must be one of mlp1, lenet, cifar3conv, cifar6conv \(got "resnet"\)/);
    expect(parsed(['seed003', '--model', 'mlp1', '--only', 'binarynet,conventional'], 'seed003').only).toEqual(['conventional', 'binarynet']);
    expect(usageError(['seed003', '--model', 'mlp1', '--only', 'lightnn-3'])).toMatch(/--only: unknown model "lightnn-3"/);
  });

  it('parses --qat-cells', () => {
    expect(parseQatCells('2x2, 3x8')).toEqual([
      { weightBits: 2, inputBits: 2 },
      { weightBits: 3, inputBits: 8 },
    ]);
    expect(parseQatCells('none')).toEqual([]);
    expect(() => parseQatCells('2-8')).toThrow(/not weightBits x inputBits/);
    expect(() => parseQatCells('9x2')).toThrow(/weight bits 9 are outside the grid 2..8/);
    expect(() => parseQatCells('2x0')).toThrow(/input bits 0 are outside the grid 1..8/);
  });
});

describe('CLI config strings', () => {
  it('decodes a URL-style config, with or without a leading ?', () => {
    const { config, notices } = parseConfigText('?model=lenet&weights=binary:scale=none&activations=sign&training=qat&trainSize=500');
    expect(config).toMatchObject({ model: 'lenet', weights: { kind: 'binary', scale: 'none' }, activations: { kind: 'sign' }, training: 'qat', trainSize: 500 });
    expect(notices).toEqual([]);
  });

  it('rejects unknown keys, naming them and the known ones', () => {
    expect(() => parseConfigText('model=mlp1&epoch=5')).toThrow(/Unknown config key "epoch" in --config\. Known keys: data, model, hidden, lenetWidths, batchNorm, trainSize/);
    expect(() => parseConfigText('foo=1&bar=2')).toThrow(/Unknown config keys "foo", "bar"/);
  });

  it('rejects bad values with the schema message instead of falling back to the default', () => {
    const message = (text: string) => {
      try {
        parseConfigText(text);
      } catch (error) {
        expect(error).toBeInstanceOf(UsageError);
        return (error as Error).message;
      }
      throw new Error('expected an error');
    };
    expect(message('epochs=0')).toBe('Bad --config: epochs="0" is not valid (must be an integer from 1 to 100).');
    expect(message('model=resnet')).toMatch(/model="resnet" is not valid \(must be one of mlp1, lenet, mlp, cifar3conv, cifar6conv\)\.$/);
    expect(message('weights=lightnn:k=9')).toMatch(/weights="lightnn:k=9" is not valid \(k: .*\)\.$/);
    expect(message('weights=quaternary')).toMatch(/unknown kind/);
    expect(message('v=9&epochs=2')).toMatch(/newer version/);
    expect(message('epochs=2&epochs=3')).toMatch(/epochs given more than once/);
    expect(message('sweep=weightBits:2-8')).toMatch(/sweep is not supported by the CLI/);
    expect(message('epochs=0')).not.toMatch(/using the default/);
  });

  it('passes info notices through', () => {
    const { notices } = parseConfigText('trainSize=100&batch=500');
    expect(notices.join(' ')).toMatch(/batch=500 is larger than trainSize=100/);
  });

  it('makes file-name-safe slugs', () => {
    expect(configSlug({ ...defaultConfig(), weights: { kind: 'minifloat', exponentBits: 4, mantissaBits: 3 } })).toBe('mlp1-minifloat-exponentBits-4-mantissaBits-3-relu-float');
  });
});

describe('CLI output formatting', () => {
  const metrics: BatchMetrics = {
    epoch: 2,
    step: 1000,
    batchInEpoch: 469,
    batchesPerEpoch: 938,
    loss: 0.123456,
    accuracy: 0.97,
    samplesDone: 90_000,
    samplesTotal: 300_000,
    elapsedMs: 18_000,
    samplesPerSec: 5012.4,
    etaMs: 83_000,
  };

  it('formats progress lines with epoch, batch %, loss, samples/s and ETA', () => {
    expect(formatProgress(metrics, 5, 'LightNN-1')).toBe('[LightNN-1] epoch 2/5  batch 50% (469/938)  loss 0.1235  5012 samples/s  ETA 1m23s');
  });

  it('prints progress at most every 2 s', () => {
    let t = 0;
    const lines: string[] = [];
    const onBatch = progressPrinter((l) => lines.push(l), 5, '', 2000, () => t);
    for (t = 0; t <= 10_000; t += 100) onBatch(metrics);
    expect(lines).toHaveLength(5);
  });

  it('formats durations and CSV', () => {
    expect(formatDuration(1234)).toBe('1.2s');
    expect(formatDuration(83_000)).toBe('1m23s');
    expect(formatDuration(2 * 3600_000 + 5 * 60_000)).toBe('2h05m');
    expect(toCsv(['a', 'b'], [[1, 'x,y'], ['say "hi"', null]])).toBe('a,b\n1,"x,y"\n"say ""hi""",\n');
  });
});

describe('CLI end to end', () => {
  const cli = (args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { encoding: 'utf8', timeout: 120_000 });

  /** `train --config <config> --backend wasm --out <temp>/run`: the process, and the JSON and CSV it wrote (null when absent). */
  const train = (config: string) => {
    const dir = mkdtempSync(join(tmpdir(), 'qp-cli-'));
    try {
      const out = join(dir, 'run');
      const r = cli(['train', '--config', config, '--backend', 'wasm', '--out', out]);
      const written = (ext: string) => (existsSync(`${out}.${ext}`) ? readFileSync(`${out}.${ext}`, 'utf8') : null);
      return { r, json: written('json'), csv: written('csv') };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  it('bad input: message and usage on stderr, exit code 2, no stack trace', () => {
    for (const args of [['fit'], ['train', '--config', 'model=mlp1&foo=1'], ['seed003', '--model', 'mlp1', '--epochs', '-1']]) {
      const r = cli(args);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/^error: /);
      expect(r.stderr).toMatch(/Usage: npm run cli -- <command>/);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('train: a diverged run says where, exits 1 and writes nothing', () => {
    // Issue 11's measured case: eight layers of 64, SGD at lr 10 with momentum 0.999.
    const config = 'model=mlp&hidden=64,64,64,64,64,64,64,64&lr=10&optimizer=sgd&momentum=0.999&batch=32&trainSize=2000&testSize=100&epochs=1&dataSeed=1&initSeed=1';
    const { r, json, csv } = train(config);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^error: The loss diverged at epoch 1, batch \d+: try a smaller learning rate\.\n$/);
    expect(r.stdout).not.toMatch(/test accuracy/);
    expect([json, csv]).toEqual([null, null]);
  });

  it('train: a tiny run writes JSON and CSV with the config, metrics and results', () => {
    const config = 'model=mlp1&weights=lightnn:k=1&training=qat&trainSize=200&testSize=100&epochs=1&dataSeed=3&initSeed=4';
    const { r, json: jsonText, csv: csvText } = train(config);
    expect(r.stderr).not.toMatch(/error/);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/test accuracy: \d+\.\d\d% \(QAT model\)/);
    expect(r.stdout).toMatch(/float vs quantized: float weights \(latent weights of the QAT run, same activations\) \d+\.\d\d%, quantized \d+\.\d\d%/);
    expect(r.stdout).toMatch(/storage: 318,040 bits/);
    expect(r.stdout).toMatch(/energy: [\d,.]+ pJ per inference/);
    expect(r.stdout).toMatch(/wall time: /);

    expect([jsonText, csvText]).not.toContain(null);
    const json = JSON.parse(jsonText!);
    expect(json.command).toBe('train');
    expect(json.config).toMatchObject({ model: 'mlp1', trainSize: 200, testSize: 100, epochs: 1, training: 'qat', weights: { kind: 'lightnn', k: 1 } });
    expect(json.configUrl).toContain('trainSize=200');
    expect(json.configUrl).toContain('weights=lightnn:k=1');
    expect(json.seeds).toEqual({ dataSeed: 3, initSeed: 4 });
    expect(json.backend).toBe('wasm');
    expect(json.epochs).toHaveLength(1);
    expect(json.epochs[0]).toMatchObject({ epoch: 1 });
    expect(json.quantizedAccuracy).toBe(json.epochs[0].testAccuracy);
    for (const key of ['floatAccuracy', 'quantizedAccuracy']) {
      expect(json[key]).toBeGreaterThan(0.1);
      expect(json[key]).toBeLessThanOrEqual(1);
    }
    // LightNN-1: 4 bits per parameter of 79,510.
    expect(json.storageBits).toBe(79_510 * 4);
    expect(json.energyPJ).toBeGreaterThan(0);
    expect(json.wallS).toBeGreaterThan(0);

    const csv = csvText!.trim().split('\n');
    expect(csv[0]).toBe('epoch,train_loss,train_accuracy,test_loss,test_accuracy,elapsed_s');
    expect(csv).toHaveLength(2);
    const row = csv[1].split(',').map(Number);
    expect(row[0]).toBe(1);
    expect(row[4]).toBe(json.epochs[0].testAccuracy);
  });
});
