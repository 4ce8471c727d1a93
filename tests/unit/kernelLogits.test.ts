/**
 * The draw view's "integer kernels" toggle, its pure part (src/worker/kernelLogits.ts): one image
 * through the integer model on the CPU reference (the path without WebGPU, bit-exact with the
 * kernels), against the batch run runOnKernels does (its activationClips and toIntegerModel, then
 * the reference over many images), and against TF.js's fake-quantized forward pass. A short QAT mlp1
 * with LightNN-2 weights and 8-bit ReLU, wasm backend.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchInputs, disposeNetwork, INPUT_SIZE, NUM_CLASSES, quantOf, readWeights, runConfig, type Config, type RunOutcome } from '../../src/tf';
import { integerInputs, predictedClasses } from '../../src/core/kernels/fromNetwork';
import { mlpReference } from '../../src/core/kernels/reference';
import { activationClips, toIntegerModel } from '../../src/gpu/pipeline';
import { useNodeBackend } from '../../src/tf/tfNode';
import { KernelLogitsSession } from '../../src/worker/kernelLogits';
import { loadMnistFromPackage } from '../helpers/mnist';
import { briefQatConfig, tfForward } from '../helpers/trainedModels';
import { minOf, maxOf } from '../../src/core/arrays';

const IMAGES = 50;
const config = briefQatConfig('mlp1', 1, { trainSize: 2000, testSize: IMAGES }, { weights: { kind: 'lightnn', k: 2 }, activations: { kind: 'relu', bits: 8 } });

let outcome: RunOutcome;

beforeAll(async () => {
  await useNodeBackend('wasm');
  outcome = await runConfig(config, loadMnistFromPackage());
});
afterAll(() => {
  if (outcome) disposeNetwork(outcome.network);
});

const image = (i: number) => outcome.testSet.images.slice(i * INPUT_SIZE, (i + 1) * INPUT_SIZE);

describe('kernelLogits on the CPU reference', () => {
  it('gives, image by image, the logits of the batch run and (mostly) TF.js fake quantization\'s argmax', async () => {
    const q = quantOf(config);
    const session = await KernelLogitsSession.create(outcome.network, q, outcome.trainSet, null);
    expect(session.prepared.supported).toBe(true);

    // The batch path of runOnKernels: its clips and conversion, the whole subset at once.
    const clips = await activationClips(outcome.network, q, outcome.trainSet);
    const model = toIntegerModel(await readWeights(outcome.network), q, clips);
    if (model.kind !== 'mlp') throw new Error(`expected an MLP, got ${model.kind}`);
    const { pixels, n } = batchInputs(outcome.testSet, null, 0, IMAGES);
    const batchLogits = mlpReference(model.layers, integerInputs(pixels, q.inputBits));
    const batchPred = predictedClasses(batchLogits, NUM_CLASSES);

    // TF.js's quantized logits (the bars), same clips.
    const { logits: tfLogits } = await tfForward(outcome.network, q, clips, pixels, n);
    const tfPred = predictedClasses(tfLogits, NUM_CLASSES);

    let agree = 0;
    let worstRelative = 0;
    for (let i = 0; i < IMAGES; i++) {
      const answer = await session.logits(image(i));
      expect(answer.supported).toBe(true);
      expect(answer.device).toBe('cpu-reference');
      expect(answer.logits).toHaveLength(NUM_CLASSES);
      expect(answer.logits.every(Number.isInteger)).toBe(true);
      // Bit-exact with the batch run, and its argmax.
      expect(answer.logits).toEqual(Array.from(batchLogits.subarray(i * NUM_CLASSES, (i + 1) * NUM_CLASSES)));
      expect(answer.predicted).toBe(batchPred[i]);
      expect(answer.scale).toBe(model.outputScale);
      if (answer.predicted === tfPred[i]) agree++;
      // logits x scale is the float logit, up to the integer model's approximations (clip, rounding).
      const row = tfLogits.subarray(i * NUM_CLASSES, (i + 1) * NUM_CLASSES);
      const range = maxOf(row) - minOf(row);
      for (let c = 0; c < NUM_CLASSES; c++) worstRelative = Math.max(worstRelative, Math.abs(answer.logits[c] * answer.scale - row[c]) / range);
    }
    console.info(`[kernelLogits] argmax agreement with TF.js ${agree}/${IMAGES}; worst |logit x scale - TF.js logit| / logit range ${worstRelative.toFixed(4)}`);
    expect(agree).toBeGreaterThanOrEqual(IMAGES - 2);
    expect(worstRelative).toBeLessThan(0.1);
  });

  it('says why, without throwing, where the format cannot run on the kernels', async () => {
    const cases: [Partial<Config>, RegExp][] = [
      [{ weights: { kind: 'float32' } }, /stay float/],
      [{ weights: { kind: 'minifloat', exponentBits: 3, mantissaBits: 2 } }, /minifloat/],
    ];
    for (const [overrides, why] of cases) {
      const session = await KernelLogitsSession.create(outcome.network, quantOf({ ...config, ...overrides }), outcome.trainSet, null);
      const answer = await session.logits(image(0));
      expect(answer.supported).toBe(false);
      expect(answer.logits).toEqual([]);
      expect(answer.reason).toMatch(/^Cannot run on the integer kernels: /);
      expect(answer.reason).toMatch(why);
    }
  });
});
