/**
 * Seed 003's seven models (Ding, Liu, Blanton, Marculescu, LightNN, ASP-DAC 2018), with the test
 * errors its table reports for MNIST and CIFAR-10, so every reproduction can print the paper value
 * beside ours.
 */
import { canonicalScheme } from './quant/quantConfig';
import type { ActivationScheme, WeightScheme } from './quant/schemes';

export interface SchemePreset {
  id: string;
  name: string;
  weights: WeightScheme;
  activations: ActivationScheme;
  /**
   * Batch normalisation after each hidden layer. All seven train with it, so that the rows differ
   * in their number formats only (docs/quantization.md, "Batch normalisation").
   */
  batchNorm: boolean;
  /** Seed 003's test error, percent: MNIST's three networks, then CIFAR-10's two. */
  paperError: { mlp1: number; lenet: number; mlp4096x3: number; cifar3conv: number; cifar6conv: number };
}

export const SEED003_PRESETS: readonly SchemePreset[] = [
  { id: 'conventional', name: 'Conventional', weights: { kind: 'float32' }, activations: { kind: 'relu' }, batchNorm: true, paperError: { mlp1: 1.72, lenet: 0.86, mlp4096x3: 0.75, cifar3conv: 21.16, cifar6conv: 10.94 } },
  { id: 'lightnn-2', name: 'LightNN-2', weights: { kind: 'lightnn', k: 2 }, activations: { kind: 'relu' }, batchNorm: true, paperError: { mlp1: 1.86, lenet: 1.29, mlp4096x3: 0.83, cifar3conv: 24.62, cifar6conv: 8.84 } },
  { id: 'lightnn-1', name: 'LightNN-1', weights: { kind: 'lightnn', k: 1 }, activations: { kind: 'relu' }, batchNorm: true, paperError: { mlp1: 2.09, lenet: 2.31, mlp4096x3: 0.89, cifar3conv: 26.11, cifar6conv: 8.79 } },
  { id: 'binaryconnect', name: 'BinaryConnect', weights: { kind: 'binary', scale: 'none' }, activations: { kind: 'relu' }, batchNorm: true, paperError: { mlp1: 4.1, lenet: 4.63, mlp4096x3: 1.29, cifar3conv: 43.22, cifar6conv: 9.9 } },
  { id: 'lightnn-2-bin', name: 'LightNN-2-bin', weights: { kind: 'lightnn', k: 2 }, activations: { kind: 'sign' }, batchNorm: true, paperError: { mlp1: 2.94, lenet: 1.67, mlp4096x3: 0.89, cifar3conv: 32.58, cifar6conv: 10.12 } },
  { id: 'lightnn-1-bin', name: 'LightNN-1-bin', weights: { kind: 'lightnn', k: 1 }, activations: { kind: 'sign' }, batchNorm: true, paperError: { mlp1: 3.1, lenet: 1.86, mlp4096x3: 0.94, cifar3conv: 36.56, cifar6conv: 9.05 } },
  { id: 'binarynet', name: 'BinaryNet', weights: { kind: 'binary', scale: 'none' }, activations: { kind: 'sign' }, batchNorm: true, paperError: { mlp1: 6.79, lenet: 3.16, mlp4096x3: 0.96, cifar3conv: 73.82, cifar6conv: 11.4 } },
];

/** The preset whose weights and activations equal these, if any (for labelling the current config). */
export function matchPreset(weights: WeightScheme, activations: ActivationScheme): SchemePreset | null {
  const same = (a: object, b: object) => canonicalScheme(a) === canonicalScheme(b);
  return SEED003_PRESETS.find((p) => same(p.weights, weights) && same(p.activations, activations)) ?? null;
}
