/**
 * LeNet training throughput in Node on the wasm backend (with the kernels of
 * src/tf/wasmConvGradients.ts; one thread in Node) against the cpu backend, in one process:
 * batch 64, one warm-up batch per backend, then one epoch over the training subset (wasm 512
 * images; cpu 128 by default, as it trains about 1 sample/s). Prints samples/s and the ratio.
 *
 *   npx tsx scripts/bench-wasm-conv.ts [--wasm-samples 512] [--cpu-samples 128] [--profile]
 *
 * --profile also prints the WASM kernels of one training step, slowest first.
 */
import * as tf from '@tensorflow/tfjs-core';
import { createNetwork, disposeNetwork, forward, selectTestSubset, selectTrainingSubset, train, trainableVariables } from '../src/tf';
import { useNodeBackend, type NodeBackend } from '../src/tf/tfNode';
import { loadMnistFromPackage } from '../tests/helpers/mnist';

const BATCH = 64;

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const data = loadMnistFromPackage();
const test = selectTestSubset(data.test, 64);
const options = { epochs: 1, batch: BATCH, lr: 0.002, optimizer: 'adam' as const, momentum: 0.9, dataSeed: 1 };

async function samplesPerSec(backend: NodeBackend, samples: number): Promise<number> {
  await useNodeBackend(backend);
  const net = createNetwork({ model: 'lenet' }, 1);
  try {
    // Warm-up: one batch (XNNPACK operators, wasm compilation, first allocations).
    await train(net, { train: selectTrainingSubset(data.train, BATCH, 2), test }, options);
    const result = await train(net, { train: selectTrainingSubset(data.train, samples, 1), test }, options);
    return result.samplesPerSec;
  } finally {
    disposeNetwork(net);
  }
}

async function profileStep(): Promise<void> {
  await useNodeBackend('wasm');
  const net = createNetwork({ model: 'lenet' }, 1);
  const set = selectTrainingSubset(data.train, BATCH, 3);
  const x = tf.tensor2d(Float32Array.from(set.images, (v) => v / 255), [BATCH, 784]);
  const y = tf.tidy(() => tf.oneHot(tf.tensor1d(Array.from(set.labels), 'int32'), 10));
  const step = () =>
    tf.tidy(() => {
      const { value, grads } = tf.variableGrads(
        () => tf.losses.softmaxCrossEntropy(y, forward(net, x)) as tf.Scalar,
        trainableVariables(net),
      );
      return [value, ...Object.values(grads)];
    });
  tf.dispose(step());
  const info = await tf.profile(() => step());
  tf.dispose(info.result as tf.Tensor[]);
  const byKernel = new Map<string, number>();
  for (const k of info.kernels) byKernel.set(k.name, (byKernel.get(k.name) ?? 0) + (k.kernelTimeMs as number));
  console.log('wasm kernels of one lenet step (batch 64), ms:');
  for (const [name, ms] of [...byKernel].sort((a, b) => b[1] - a[1]).slice(0, 12)) console.log(`  ${name.padEnd(22)} ${ms.toFixed(1)}`);
  tf.dispose([x, y]);
  disposeNetwork(net);
}

const wasmSamples = flag('--wasm-samples', 512);
const cpuSamples = flag('--cpu-samples', 128);
if (process.argv.includes('--profile')) await profileStep();
const wasm = await samplesPerSec('wasm', wasmSamples);
const simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT') ? 'SIMD' : 'no SIMD';
const threads = tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT') ? 'threads available' : 'one thread';
console.log(`wasm: ${wasm.toFixed(1)} samples/s (lenet, batch ${BATCH}, ${wasmSamples} images, ${simd}, ${threads})`);
const cpu = await samplesPerSec('cpu', cpuSamples);
console.log(`cpu:  ${cpu.toFixed(1)} samples/s (lenet, batch ${BATCH}, ${cpuSamples} images)`);
console.log(`wasm / cpu: ${(wasm / cpu).toFixed(1)}x`);
console.log(`tensors left: ${tf.memory().numTensors}`);
