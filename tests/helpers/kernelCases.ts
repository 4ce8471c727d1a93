/** Weight formats, shapes and matrix cells of the integer kernels' tests (src/core/kernels). */
import type { WeightFormat } from '../../src/core/kernels/reference';

/** Every LightNN-K, every fixed-point width with its own field layout, both binary kinds. */
export const ALL_KERNEL_FORMATS: readonly WeightFormat[] = [
  { kind: 'lightnn', k: 1 },
  { kind: 'lightnn', k: 2 },
  { kind: 'lightnn', k: 3 },
  { kind: 'lightnn', k: 4 },
  { kind: 'fixed', bits: 2 },
  { kind: 'fixed', bits: 3 },
  { kind: 'fixed', bits: 4 },
  { kind: 'fixed', bits: 6 },
  { kind: 'fixed', bits: 8 },
  { kind: 'binaryconnect' },
  { kind: 'binarynet' },
];

const name = (format: WeightFormat): string => JSON.stringify(format);

/** The formats the GPU tests run once each, outside their shape-by-format matrices. */
export const EXTRA_GPU_FORMATS: readonly WeightFormat[] = [
  { kind: 'lightnn', k: 4 },
  { kind: 'fixed', bits: 3 },
  { kind: 'fixed', bits: 6 },
];

/** The formats of the GPU tests' shape-by-format matrices: all the others. */
export const MATRIX_GPU_FORMATS: readonly WeightFormat[] = ALL_KERNEL_FORMATS.filter(
  (format) => !EXTRA_GPU_FORMATS.some((extra) => name(extra) === name(format)),
);

/** LeNet's conv layers (models.ts lenet): 28x28x1 -> 5x5 -> 20 and 12x12x20 -> 5x5 -> 50. */
export const LENET_CONV1 = { inHeight: 28, inWidth: 28, inChannels: 1, kernel: 5, filters: 20 } as const;
export const LENET_CONV2 = { inHeight: 12, inWidth: 12, inChannels: 20, kernel: 5, filters: 50 } as const;

/** The matrix cells are the product's (src/core/kernels/random.ts), shared with kernels.html. */
export { KERNEL_OUTPUT_KINDS as OUTPUT_KINDS, kernelMatrixCell as matrixCell } from '../../src/core/kernels/random';
