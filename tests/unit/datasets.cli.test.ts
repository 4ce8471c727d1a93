import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCli, UsageError } from '../../src/cli/args';
import { applyDataSpec, extractDataFlag, loadCliData, parseDataSpec } from '../../src/cli/datasets';
import { cifarArchive, gzip, IDX_NAMES, idxFiles } from '../helpers/datasets';

const dir = mkdtempSync(join(tmpdir(), 'qp-datasets-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('--data', () => {
  it('is taken out of any command line and parsed', () => {
    expect(extractDataFlag(['train', '--data', 'fashion:/x', '--config', 'epochs=1'])).toEqual({ argv: ['train', '--config', 'epochs=1'], spec: { kind: 'fashion', path: '/x' } });
    expect(extractDataFlag(['seed000', '--data=cifar10:c.tar.gz']).spec).toEqual({ kind: 'cifar10', path: 'c.tar.gz' });
    expect(extractDataFlag(['seed001', '--model', 'mlp1'])).toEqual({ argv: ['seed001', '--model', 'mlp1'], spec: null });
    expect(parseDataSpec('mnist')).toEqual({ kind: 'mnist', path: null });
    expect(() => parseDataSpec('svhn:/x')).toThrow(new UsageError('--data: unknown data set "svhn"; expected --data mnist | fashion:<dir> | idx:<dir> | cifar10:<archive or dir>.'));
    expect(() => parseDataSpec('cifar10')).toThrow('--data cifar10 needs the files\' path, e.g. --data cifar10:cifar-10-binary.tar.gz.');
    expect(() => extractDataFlag(['train', '--data', 'mnist', '--data', 'mnist'])).toThrow('--data given more than once.');
  });

  it('sets the data set of every command\'s config, and refuses data= without files', () => {
    const train = parseCli(['train', '--config', 'model=cifar3conv&epochs=1']);
    if (train.command !== 'train') throw new Error('train expected');
    expect(applyDataSpec(train, { kind: 'cifar10', path: 'c.tar.gz' }).cmd.config.data).toBe('cifar10');
    const seed = parseCli(['seed000', '--model', 'mlp1']);
    if (seed.command !== 'seed000') throw new Error('seed000 expected');
    expect(applyDataSpec(seed, { kind: 'fashion', path: '/d' }).cmd.base.data).toBe('fashion');
    expect(applyDataSpec(seed, null).spec).toEqual({ kind: 'mnist', path: null });
    const wants = parseCli(['train', '--config', 'data=cifar10&model=cifar3conv']);
    if (wants.command !== 'train') throw new Error('train expected');
    expect(() => applyDataSpec(wants, null)).toThrow('data=cifar10 needs its files: add --data cifar10:<path>.');
    expect(() => applyDataSpec(wants, { kind: 'fashion', path: '/d' })).toThrow('--config says data=cifar10 but --data says fashion.');
  });

  it('loads a folder of IDX files (READMEs beside them left alone) and a CIFAR-10 archive from disk', async () => {
    const idxDir = join(dir, 'idx');
    spawnSync('mkdir', ['-p', idxDir]);
    const files = idxFiles(20, 10);
    for (const [role, name] of Object.entries(IDX_NAMES)) writeFileSync(join(idxDir, `${name}.gz`), await gzip(files[role as keyof typeof files]));
    writeFileSync(join(idxDir, 'README.md'), 'not data');
    const idx = await loadCliData({ kind: 'idx', path: idxDir });
    expect(idx.data.train.count).toBe(20);
    expect(idx.line).toMatch(/^IDX set 20 train \/ 10 test images from .*idx \(\d+ ms\); IDX set: 20 training and 10 test images, 28x28, 10 classes \(784 bytes an image\)\.$/);
    const archive = join(dir, 'cifar-10-binary.tar.gz');
    writeFileSync(archive, await cifarArchive(3, 4));
    const cifar = await loadCliData({ kind: 'cifar10', path: archive });
    expect(cifar.data.train.count).toBe(15);
    expect(cifar.data.train.shape).toEqual({ height: 32, width: 32, channels: 3 });
    await expect(loadCliData({ kind: 'cifar10', path: join(dir, 'nothing') })).rejects.toThrow(`${join(dir, 'nothing')}: no such file or folder.`);
  });

  it('trains cifar3conv from a CIFAR-10 archive end to end (npm run cli -- train --data cifar10:...)', async () => {
    const archive = join(dir, 'cifar-e2e.tar.gz');
    writeFileSync(archive, await cifarArchive(4, 10));
    const out = join(dir, 'run');
    const run = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', 'train', '--config', 'model=cifar3conv&epochs=1&trainSize=20&testSize=10&batch=10', '--data', `cifar10:${archive}`, '--out', out],
      { encoding: 'utf8', timeout: 120_000 },
    );
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/backend wasm; CIFAR-10 20 train \/ 10 test images from .*cifar-e2e\.tar\.gz/);
    expect(run.stdout).toContain('training cifar3conv, float, 20 train / 10 test images');
    expect(existsSync(`${out}.json`)).toBe(true);
    expect(JSON.parse(readFileSync(`${out}.json`, 'utf8')).configUrl).toContain('data=cifar10&model=cifar3conv');
  });

  it('reproduces seed 003\'s 3-conv column on CIFAR-10 where the user gives the files (seed003 --model cifar3conv --data cifar10:...)', async () => {
    const seed = parseCli(['seed003', '--model', 'cifar3conv']);
    if (seed.command !== 'seed003') throw new Error('seed003 expected');
    expect(() => applyDataSpec(seed, null)).toThrow("--model cifar3conv is seed 003's CIFAR-10 network: give --data cifar10:<path of cifar-10-binary.tar.gz or its .bin files>.");
    const archive = join(dir, 'cifar-seed003.tar.gz');
    writeFileSync(archive, await cifarArchive(4, 10));
    const out = join(dir, 'seed003-cifar');
    const run = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', 'seed003', '--model', 'cifar3conv', '--only', 'conventional,binarynet', '--epochs', '1', '--train-size', '20', '--test-size', '10', '--batch', '10', '--data', `cifar10:${archive}`, '--out', out],
      { encoding: 'utf8', timeout: 240_000 },
    );
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    // Each row beside the paper's CIFAR-10 3-conv error.
    const rows = (JSON.parse(readFileSync(`${out}.json`, 'utf8')) as { rows: { id: string; paperErrorPct: number }[] }).rows;
    expect(rows.map((r) => [r.id, r.paperErrorPct])).toEqual([
      ['conventional', 21.16],
      ['binarynet', 73.82],
    ]);
  }, 300_000);
});
