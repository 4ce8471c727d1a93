/**
 * suite=bench: each quantized dense kernel against tf.matMul float32, both on TF.js's WebGPU
 * device in this page. Per shape and batch: a seeded random layer (8-bit unsigned inputs, or sign
 * bits for BinaryNet; raw i32 logits out), its first launch checked against the CPU reference,
 * then many launches recorded into one command buffer and one onSubmittedWorkDone; the float side
 * records many matMuls and reads the last one back once (`await data()`). Each side: warm-up,
 * one launch to size the run, then 3 runs of about target-ms / 3, the fastest per launch kept.
 * A launch slower than target-ms is timed once.
 *
 * Query: shapes=784x100,100x10,4096x4096  batches=1,256  formats=lightnn-1,...  targetMs=1500
 * maxLaunches=500. Every case is also logged as `[bench] {json}` on the console.
 */
import * as tf from '@tensorflow/tfjs-core';
import { randomDenseLayer, randomLayerInput } from '../core/kernels/random';
import { denseReference, formatName } from '../core/kernels/reference';
import { createDenseKernel, readBuffer, uploadWords } from '../core/kernels/runner';
import { deriveSeed, mulberry32 } from '../core/rng';
import { flushTfWebGpu, timeLaunches } from '../worker/kernelRun';
import { FORMATS, parseFormats } from './exact';
import { heading, nextFrame, paragraph, setStatus, table, type BenchCase, type BenchSummary, type PageDevice } from './shared';

/** Largest batch x inputs x units the JS reference checks in full (else the first rows). */
const MAX_CHECK_WORK = 2 ** 27;
const REPEATS = 3;

function list(params: URLSearchParams, name: string, fallback: string): string[] {
  return (params.get(name) ?? fallback)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function equalPrefix(got: Int32Array, want: Int32Array): boolean {
  for (let i = 0; i < want.length; i++) if (got[i] !== want[i]) return false;
  return true;
}

/** tf.matMul float32 [batch, inputs] x [inputs, units]: many launches, one read-back. */
async function timeFloat(device: GPUDevice, inputs: number, units: number, batch: number, seed: number, targetMs: number, maxLaunches: number) {
  const x = tf.randomUniform([batch, inputs], 0, 1, 'float32', seed);
  const w = tf.randomUniform([inputs, units], -1, 1, 'float32', seed + 1);
  const launch = async (count: number): Promise<number> => {
    await flushTfWebGpu(device);
    const started = performance.now();
    let last: tf.Tensor | null = null;
    for (let i = 0; i < count; i++) {
      last?.dispose();
      last = tf.matMul(x, w);
    }
    await last!.data();
    last!.dispose();
    return performance.now() - started;
  };
  try {
    await launch(1); // warm-up (shader compile, buffers)
    const one = await launch(1);
    if (one >= targetMs) return { ms: one, launches: 1 };
    const n = Math.max(1, Math.min(maxLaunches, Math.round(targetMs / REPEATS / Math.max(one, 1e-3))));
    let best = Infinity;
    for (let r = 0; r < REPEATS; r++) best = Math.min(best, (await launch(n)) / n);
    return { ms: best, launches: n };
  } finally {
    x.dispose();
    w.dispose();
  }
}

export async function runBenchSuite(page: PageDevice, params: URLSearchParams): Promise<BenchSummary> {
  const started = performance.now();
  const { device } = page;
  const shapes = list(params, 'shapes', '784x100,100x10,4096x4096').map((s) => {
    const [inputs, units] = s.split('x').map(Number);
    if (!(Number.isInteger(inputs) && inputs > 0 && Number.isInteger(units) && units > 0)) throw new Error(`bad shape "${s}": expected INPUTSxUNITS`);
    return { name: s, inputs, units };
  });
  const batches = list(params, 'batches', '1,256').map(Number);
  const formatIds = parseFormats(params.get('formats'), Object.keys(FORMATS));
  const targetMs = Number(params.get('targetMs') ?? 1500);
  const maxLaunches = Number(params.get('maxLaunches') ?? 500);
  const tensorsBefore = tf.memory().numTensors;

  heading('Quantized kernels vs tf.matMul float32 on the same WebGPU device');
  paragraph(`ms per launch; speedup = float ms / kernel ms; GB/s = packed weight bytes per launch / ms. Adapter: ${page.adapter}`);
  const rows = table(
    ['case', 'scheme', 'batch', 'ms', 'float ms', 'speedup', 'bit-exact', 'checked rows', 'weight bytes', 'weight GB/s', 'float GB/s', 'GPU ms', 'launches'],
    'bench-table',
  );
  const cases: BenchCase[] = [];
  window.__kernelProgress = cases;
  const total = shapes.length * batches.length * formatIds.length;

  for (const shape of shapes) {
    for (const batch of batches) {
      setStatus(`running: float ${shape.name} batch ${batch} (${cases.length} of ${total} cases done)`);
      await nextFrame();
      const float = await timeFloat(device, shape.inputs, shape.units, batch, deriveSeed(3, shape.inputs, shape.units, batch), targetMs, maxLaunches);
      for (const id of formatIds) {
        const format = FORMATS[id];
        setStatus(`running: ${formatName(format)} ${shape.name} batch ${batch} (${cases.length} of ${total} cases done)`);
        await nextFrame();
        const rng = mulberry32(deriveSeed(1, shape.inputs, shape.units, batch, formatIds.indexOf(id)));
        const layer = randomDenseLayer(rng, {
          name: `${shape.name} ${formatName(format)}`,
          inputs: shape.inputs,
          units: shape.units,
          format,
          inputBits: 8,
          output: 'logits',
        });
        const input = randomLayerInput(rng, layer, batch);
        await flushTfWebGpu(device);
        const kernel = await createDenseKernel(device, layer);
        const inputBuffer = uploadWords(device, input, 'bench input');
        const outputBuffer = kernel.createOutputBuffer(batch);
        let bitExact = false;
        let checkedRows = 0;
        let timing;
        try {
          // First launch: the correctness check (and a warm-up).
          const encoder = device.createCommandEncoder();
          kernel.encode(encoder, inputBuffer, batch, outputBuffer);
          device.queue.submit([encoder.finish()]);
          const got = new Int32Array(await readBuffer(device, outputBuffer, kernel.outputBytes(batch)));
          checkedRows = Math.min(batch, Math.max(1, Math.floor(MAX_CHECK_WORK / (layer.inputs * layer.units))));
          const want = denseReference(layer, input.subarray(0, checkedRows * kernel.inputWordsPerRow)) as Int32Array;
          bitExact = equalPrefix(got, want);
          timing = await timeLaunches(device, (e) => kernel.encode(e, inputBuffer, batch, outputBuffer), {
            targetMs,
            maxLaunches,
            repeats: REPEATS,
            warmup: false, // the checked launch above was the warm-up
          });
        } finally {
          inputBuffer.destroy();
          outputBuffer.destroy();
          kernel.destroy();
        }
        const weightBytes = layer.weights.byteLength;
        const c: BenchCase = {
          case: shape.name,
          scheme: formatName(format),
          batch,
          ms: +timing.msPerLaunch.toPrecision(4),
          floatMs: +float.ms.toPrecision(4),
          speedup: +(float.ms / timing.msPerLaunch).toPrecision(3),
          bitExact,
          checkedRows,
          weightBytes,
          weightGBps: +(weightBytes / (timing.msPerLaunch / 1000) / 1e9).toPrecision(3),
          floatWeightGBps: +((shape.inputs * shape.units * 4) / (float.ms / 1000) / 1e9).toPrecision(3),
          gpuMs: timing.gpuMsPerLaunch === null ? null : +timing.gpuMsPerLaunch.toPrecision(4),
          launches: timing.launches,
          floatLaunches: float.launches,
          adapter: page.adapter,
        };
        cases.push(c);
        console.log(`[bench] ${JSON.stringify(c)}`);
        rows.add([c.case, c.scheme, c.batch, c.ms, c.floatMs, c.speedup, c.bitExact, c.checkedRows, c.weightBytes, c.weightGBps, c.floatWeightGBps, c.gpuMs, c.launches]);
      }
    }
  }
  const tensorsAfter = tf.memory().numTensors;
  if (tensorsAfter !== tensorsBefore) paragraph(`TF.js tensors: ${tensorsBefore} before, ${tensorsAfter} after`, 'bad');
  const exact = cases.filter((c) => c.bitExact).length;
  paragraph(`${exact} of ${cases.length} cases bit-exact on the rows checked`, exact === cases.length ? 'ok' : 'bad');
  return { suite: 'bench', adapter: page.adapter, cases, uncapturedErrors: [...page.uncapturedErrors], ms: performance.now() - started };
}
