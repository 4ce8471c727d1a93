/**
 * suite=bench: each quantized dense kernel against tf.matMul float32, and each quantized conv
 * kernel against tf.conv2d float32 (NHWC, 'valid', stride 1), all on TF.js's WebGPU device in
 * this page. Per shape and batch: a seeded random layer (8-bit unsigned inputs, or sign bits for
 * BinaryNet; raw i32 outputs), its first launch checked against the CPU reference,
 * then many launches recorded into one command buffer and one onSubmittedWorkDone; the float side
 * records many matMuls and reads the last one back once (`await data()`). Each side: warm-up,
 * one launch to size the run, then 3 runs of about target-ms / 3, the fastest per launch kept.
 * A launch slower than target-ms is timed once.
 *
 * Query: shapes=784x100,100x10,4096x4096  convs=conv1,conv2 (lenet's two convolutions; `convs=`
 * for none)  batches=1,256  formats=lightnn-1,...  targetMs=1500  maxLaunches=500.
 * Every case is also logged as `[bench] {json}` on the console.
 */
import * as tf from '@tensorflow/tfjs-core';
import { benchLayers, FORMATS, LENET_CONVS, measureReadBandwidth, parseBatches, parseConvs, parseDenseShapes, parseFormats, runBenchCases } from './benchCases';
import { heading, nextFrame, paragraph, setStatus, table, type BenchSummary, type PageDevice } from './shared';

export async function runBenchSuite(page: PageDevice, params: URLSearchParams): Promise<BenchSummary> {
  const started = performance.now();
  const { device } = page;
  const shapes = parseDenseShapes(params.get('shapes') ?? '784x100,100x10,4096x4096');
  const convs = parseConvs(params.get('convs') ?? Object.keys(LENET_CONVS).join(','));
  const batches = parseBatches(params.get('batches') ?? '1,256');
  const formatIds = parseFormats(params.get('formats'), Object.keys(FORMATS));
  const targetMs = Number(params.get('targetMs') ?? 1500);
  const maxLaunches = Number(params.get('maxLaunches') ?? 500);
  const tensorsBefore = tf.memory().numTensors;

  heading('Quantized kernels vs tf.matMul / tf.conv2d float32 on the same WebGPU device');
  paragraph(`ms per launch; speedup = float ms / kernel ms; GB/s = packed weight bytes per launch / ms. Adapter: ${page.adapter}`);
  const rows = table(
    ['case', 'scheme', 'batch', 'ms', 'float ms', 'speedup', 'float matMul ms', 'bit-exact', 'checked rows', 'weight bytes', 'weight GB/s', 'float GB/s', 'GPU ms', 'launches'],
    'bench-table',
  );
  setStatus('running: read bandwidth');
  const bandwidth = await measureReadBandwidth(device);
  console.log(`[bench] ${JSON.stringify({ case: 'read bandwidth', ...bandwidth, adapter: page.adapter })}`);
  paragraph(`Read bandwidth of this device (a kernel streaming ${bandwidth.bytes} bytes once): ${bandwidth.GBps} GB/s`);
  const progress: unknown[] = [];
  window.__kernelProgress = progress;
  const cases = await runBenchCases(device, benchLayers(device, shapes, convs, { targetMs, maxLaunches }), batches, formatIds.map((id) => FORMATS[id]), {
    targetMs,
    maxLaunches,
    adapter: page.adapter,
    readGBps: bandwidth.GBps,
    onProgress: async (text, done, total) => {
      setStatus(`running: ${text} (${done} of ${total} cases done)`);
      await nextFrame();
    },
    onCase: (c) => {
      progress.push(c);
      console.log(`[bench] ${JSON.stringify(c)}`);
      rows.add([c.case, c.scheme, c.batch, c.ms, c.floatMs, c.speedup, c.floatMatMulMs ?? null, c.bitExact, c.checkedRows, c.weightBytes, c.weightGBps, c.floatWeightGBps, c.gpuMs, c.launches]);
    },
  });
  const tensorsAfter = tf.memory().numTensors;
  if (tensorsAfter !== tensorsBefore) paragraph(`TF.js tensors: ${tensorsBefore} before, ${tensorsAfter} after`, 'bad');
  const exact = cases.filter((c) => c.bitExact).length;
  paragraph(`${exact} of ${cases.length} cases bit-exact on the rows checked`, exact === cases.length ? 'ok' : 'bad');
  return { suite: 'bench', adapter: page.adapter, readGBps: bandwidth.GBps, cases, uncapturedErrors: [...page.uncapturedErrors], ms: performance.now() - started };
}
