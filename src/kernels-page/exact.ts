/**
 * suite=exact: seeded random dense layers of many shapes (odd ones included) in every weight
 * format, run through createDenseKernel / createNetworkRunner on TF.js's WebGPU device and compared
 * with the CPU reference (reference.ts) bit for bit.
 *
 * Query: shapes=BxIxU,... (default below), formats=lightnn-1,... (default all eight).
 */
import { kernelMatrixCell, randomDenseLayer, randomLayerInput, type RandomLayerSpec } from '../core/kernels/random';
import { denseReference, formatName, mlpReference } from '../core/kernels/reference';
import { deriveSeed, mulberry32 } from '../core/rng';
import { readBuffer, uploadWords } from '../gpu/buffers';
import { flushTfWebGpu } from '../gpu/device';
import { createDenseKernel } from '../gpu/kernels';
import { createNetworkRunner } from '../gpu/network';
import { FORMATS, parseFormats } from './benchCases';
import { heading, nextFrame, paragraph, setStatus, table, type Cell, type ExactCase, type ExactSummary, type PageDevice } from './shared';

/** (batch, inputs, units): one element, odd sizes, MNIST's first layer, wider than a workgroup. */
export const EXACT_SHAPES: [number, number, number][] = [
  [1, 1, 1],
  [7, 33, 10],
  [64, 784, 100],
  [3, 100, 10],
  [130, 300, 257],
];

export function parseShapes(text: string | null): [number, number, number][] {
  if (!text) return EXACT_SHAPES;
  return text.split(',').map((s) => {
    const parts = s.split('x').map(Number);
    if (parts.length !== 3 || !parts.every((n) => Number.isInteger(n) && n > 0)) throw new Error(`bad shape "${s}": expected BATCHxINPUTSxUNITS`);
    return parts as [number, number, number];
  });
}

type Verdict = Pick<ExactCase, 'bitExact' | 'words' | 'mismatches' | 'firstMismatch' | 'ms'>;

/** A case's outcome: `got` against the reference `want` word for word, and the time since `caseStart`. */
function verdict(got: ArrayLike<number>, want: ArrayLike<number>, caseStart: number): Verdict {
  const { mismatches, firstMismatch } = compare(got, want);
  return { bitExact: mismatches === 0, words: want.length, mismatches, firstMismatch, ms: performance.now() - caseStart };
}

function compare(got: ArrayLike<number>, want: ArrayLike<number>): { mismatches: number; firstMismatch: string } {
  if (got.length !== want.length) return { mismatches: Math.max(got.length, want.length), firstMismatch: `length ${got.length} != ${want.length}` };
  let mismatches = 0;
  let firstMismatch = '';
  for (let i = 0; i < want.length; i++) {
    if (got[i] !== want[i]) {
      if (mismatches === 0) firstMismatch = `word ${i}: got ${got[i]}, want ${want[i]}`;
      mismatches++;
    }
  }
  return { mismatches, firstMismatch };
}

interface MlpCase {
  title: string;
  batch: number;
  layers: RandomLayerSpec[];
}

const MLP_CASES: MlpCase[] = [
  {
    title: 'LightNN-2 784-100-10, 2-bit activations',
    batch: 64,
    layers: [
      { name: 'hidden1', inputs: 784, units: 100, format: { kind: 'lightnn', k: 2 }, inputBits: 8, output: { kind: 'requant', bits: 2 } },
      { name: 'output', inputs: 100, units: 10, format: { kind: 'lightnn', k: 2 }, inputBits: 2, output: 'logits' },
    ],
  },
  {
    title: 'BinaryNet 784-100-33-10 (BinaryConnect first layer, sign activations)',
    batch: 37,
    layers: [
      { name: 'hidden1', inputs: 784, units: 100, format: { kind: 'binaryconnect' }, inputBits: 8, output: 'sign' },
      { name: 'hidden2', inputs: 100, units: 33, format: { kind: 'binarynet' }, inputBits: 1, output: 'sign' },
      { name: 'output', inputs: 33, units: 10, format: { kind: 'binarynet' }, inputBits: 1, output: 'logits' },
    ],
  },
  {
    title: 'fixed-4 / LightNN-3 / fixed-8 odd widths 33-7-65-10, 3- and 5-bit activations',
    batch: 5,
    layers: [
      { name: 'hidden1', inputs: 33, units: 7, format: { kind: 'fixed', bits: 4 }, inputBits: 8, output: { kind: 'requant', bits: 3 } },
      { name: 'hidden2', inputs: 7, units: 65, format: { kind: 'lightnn', k: 3 }, inputBits: 3, output: { kind: 'requant', bits: 5 } },
      { name: 'output', inputs: 65, units: 10, format: { kind: 'fixed', bits: 8 }, inputBits: 5, output: 'logits' },
    ],
  },
];

export async function runExactSuite(page: PageDevice, params: URLSearchParams): Promise<ExactSummary> {
  const started = performance.now();
  const { device } = page;
  const shapes = parseShapes(params.get('shapes'));
  const formatIds = parseFormats(params.get('formats'), Object.keys(FORMATS));
  await flushTfWebGpu(device);

  heading('Dense layers against the CPU reference');
  const rows = table(['format', 'batch', 'inputs', 'units', 'output', 'in bits', 'per thread', 'words', 'bit-exact', 'mismatches', 'ms'], 'exact-table');
  const cases: ExactCase[] = [];
  const total = formatIds.length * shapes.length * 2 + MLP_CASES.length;
  /** Keeps a case, shows its row, and lets the page paint before the next one. */
  const keep = async (c: ExactCase, into: { add(row: Cell[]): void }, row: Cell[]) => {
    cases.push(c);
    into.add(row);
    setStatus(`running: ${cases.length} of ${total} cases`);
    await nextFrame();
  };

  for (const id of formatIds) {
    const format = FORMATS[id];
    const formatIndex = Object.keys(FORMATS).indexOf(id);
    for (let shapeIndex = 0; shapeIndex < shapes.length; shapeIndex++) {
      const [batch, inputs, units] = shapes[shapeIndex];
      for (const outputsPerThread of [1, 4] as const) {
        // Cycle output stages and activation bits so each format meets all of them.
        const { outputKind, inputBits, outBits, output } = kernelMatrixCell(formatIndex, shapeIndex, formatIndex + shapeIndex + outputsPerThread);
        const caseStart = performance.now();
        const rng = mulberry32(deriveSeed(2025, formatIndex, shapeIndex, outputsPerThread));
        const layer = randomDenseLayer(rng, {
          name: `${formatName(format)} ${batch}x${inputs}x${units}`,
          inputs,
          units,
          format,
          inputBits,
          output,
        });
        const input = randomLayerInput(rng, layer, batch);
        const kernel = await createDenseKernel(device, layer, { outputsPerThread });
        const inputBuffer = uploadWords(device, input, 'exact input');
        const outputBuffer = kernel.run(inputBuffer, batch);
        let bytes: ArrayBuffer;
        try {
          bytes = await readBuffer(device, outputBuffer, kernel.outputBytes(batch));
        } finally {
          inputBuffer.destroy();
          outputBuffer.destroy();
          kernel.destroy();
        }
        const got = layer.output.kind === 'logits' ? new Int32Array(bytes) : new Uint32Array(bytes);
        const c: ExactCase = {
          kind: 'dense',
          name: layer.name,
          format: formatName(format),
          batch,
          inputs,
          units,
          output: outputKind === 'requant' || outputKind === 'threshold' ? `${outputKind} ${outBits}-bit` : outputKind,
          inputBits: layer.inputBits,
          outputsPerThread,
          ...verdict(got, denseReference(layer, input), caseStart),
        };
        await keep(c, rows, [c.format, batch, inputs, units, c.output, c.inputBits, outputsPerThread, c.words, c.bitExact, c.mismatches, c.ms]);
      }
    }
  }

  heading('Whole MLPs through createNetworkRunner (activations stay on the GPU)');
  const mlpRows = table(['MLP', 'batch', 'layers', 'words', 'bit-exact', 'mismatches', 'ms'], 'exact-mlp-table');
  for (let m = 0; m < MLP_CASES.length; m++) {
    const mc = MLP_CASES[m];
    const caseStart = performance.now();
    const rng = mulberry32(deriveSeed(77, m));
    const layers = mc.layers.map((spec) => randomDenseLayer(rng, spec));
    const input = randomLayerInput(rng, layers[0], mc.batch);
    const runner = await createNetworkRunner(device, layers);
    let got: Int32Array;
    try {
      got = await runner.run(input, mc.batch);
    } finally {
      runner.destroy();
    }
    const widths = [layers[0].inputs, ...layers.map((l) => l.units)].join('-');
    const c: ExactCase = {
      kind: 'mlp',
      name: mc.title,
      format: layers.map((l) => formatName(l.format)).join(' / '),
      batch: mc.batch,
      inputs: layers[0].inputs,
      units: layers[layers.length - 1].units,
      output: widths,
      inputBits: layers[0].inputBits,
      outputsPerThread: 4,
      ...verdict(got, mlpReference(layers, input), caseStart),
    };
    await keep(c, mlpRows, [mc.title, mc.batch, widths, c.words, c.bitExact, c.mismatches, c.ms]);
  }

  const passed = cases.filter((c) => c.bitExact).length;
  paragraph(
    `${passed} of ${cases.length} cases bit-exact` + (page.uncapturedErrors.length ? `; ${page.uncapturedErrors.length} uncaptured WebGPU errors` : ''),
    passed === cases.length && page.uncapturedErrors.length === 0 ? 'ok' : 'bad',
  );
  return {
    suite: 'exact',
    adapter: page.adapter,
    total: cases.length,
    passed,
    failed: cases.length - passed,
    shapes: shapes.map((s) => s.join('x')),
    formats: formatIds.map((id) => formatName(FORMATS[id])),
    cases,
    uncapturedErrors: [...page.uncapturedErrors],
    ms: performance.now() - started,
  };
}
