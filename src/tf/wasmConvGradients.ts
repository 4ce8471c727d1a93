/**
 * Training kernels for TF.js's WASM backend (4.22), which has Conv2D but no Conv2DBackpropFilter,
 * so a conv net (lenet) cannot train on it. Registered for 'wasm' by `registerWasmConvGradients`:
 *  - Conv2DBackpropFilter (missing): dW[i,j,c,o] = sum over b,y,x of xPadded[b, y*s+i, x*s+j, c]
 *    * dy[b,y,x,o] is a convolution of x, transposed so the batch is its channel axis, with dy,
 *    transposed into an outH x outW filter from batch to outC channels, dilated by the stride;
 *  - Conv2DBackpropInput (WASM's is a plain loop, ~4x slower): at stride 1, a convolution of dy,
 *    padded by kernel - 1 - pad, with the filter rotated 180° and its in/out channels swapped;
 *    other strides fall back to WASM's own kernel;
 *  - MaxPoolGrad (WASM's drops the gradient of windows whose maximum is <= 0): the cpu backend's
 *    rule, in a loop over the WASM heap;
 *  - BatchMatMul with a transposed operand (WASM's plain loop, 5-10x slower than its XNNPACK path;
 *    every matMul gradient transposes): explicit transposes, then the XNNPACK path.
 * The convolutions run through WASM's XNNPACK Conv2D. Sub-kernels are called directly (their
 * kernelFunc with this backend), as TF.js's backends do inside their own kernels, so nothing
 * reaches the engine's tensor list or the gradient tape; each intermediate buffer is released
 * with backend.disposeData.
 */
import {
  backend_util,
  BatchMatMul,
  Conv2D,
  Conv2DBackpropFilter,
  Conv2DBackpropInput,
  getKernel,
  MaxPoolGrad,
  registerKernel,
  Reverse,
  Slice,
  Transpose,
  unregisterKernel,
  util,
  type DataId,
  type KernelConfig,
  type KernelFunc,
  type NamedAttrMap,
  type NamedTensorInfoMap,
  type TensorInfo,
} from '@tensorflow/tfjs-core';

const BACKEND = 'wasm';

/** The part of BackendWasm these kernels use. */
interface WasmBackendLike {
  disposeData(dataId: DataId, force?: boolean): boolean;
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  /** A view of a tensor's bytes on the WASM heap (invalid once the heap grows). */
  typedArrayFromHeap(info: TensorInfo): backend_util.TypedArray;
}

type Pad = backend_util.ExplicitPadding | 'valid' | 'same' | number;
type Rounding = 'floor' | 'round' | 'ceil' | undefined;

/** The forward convolution's attributes, which both gradients receive. */
interface ConvAttrs {
  strides: [number, number] | number;
  pad: Pad;
  dataFormat?: 'NHWC' | 'NCHW';
  dimRoundingMode?: Rounding;
}

interface BackpropFilterAttrs extends ConvAttrs {
  filterShape: [number, number, number, number];
}

interface BackpropInputAttrs extends ConvAttrs {
  inputShape: [number, number, number, number];
}

function run(name: string, backend: WasmBackendLike, inputs: NamedTensorInfoMap, attrs: NamedAttrMap = {}): TensorInfo {
  const kernel = getKernel(name, BACKEND);
  if (!kernel) throw new Error(`wasmConvGradients: the WASM backend has no '${name}' kernel.`);
  return kernel.kernelFunc({ inputs, backend, attrs }) as TensorInfo;
}

function refuseNchw(dataFormat: string | undefined, kernelName: string): void {
  if (dataFormat != null && dataFormat !== 'NHWC') {
    throw new Error(`${kernelName} on the WASM backend supports dataFormat 'NHWC' only, not '${dataFormat}'.`);
  }
}

/**
 * dW = conv2d(xT, dyT) with xT = x as [inC, H, W, batch] (batch as channels) and dyT = dy as
 * [outH, outW, batch, outC] (an outH x outW filter from batch to outC channels), dilated by the
 * stride, stride 1, padded like the forward pass: the result is [inC, kH, kW, outC].
 */
function filterGradientByConv(backend: WasmBackendLike, x: TensorInfo, dy: TensorInfo, info: backend_util.Conv2DInfo): TensorInfo {
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, outHeight: oh, outWidth: ow } = info;
  const { top, left } = info.padInfo;
  // Rows of (top-padded) x that the last output row's window reaches past the input: pad them.
  const bottom = (oh - 1) * sh + kh - top - info.inHeight;
  const right = (ow - 1) * sw + kw - left - info.inWidth;
  const temps: TensorInfo[] = [];
  try {
    const xT = run(Transpose, backend, { x }, { perm: [3, 1, 2, 0] });
    temps.push(xT);
    const dyT = run(Transpose, backend, { x: dy }, { perm: [1, 2, 0, 3] });
    temps.push(dyT);
    let grad = run(Conv2D, backend, { x: xT, filter: dyT }, {
      strides: [1, 1],
      dilations: [sh, sw],
      pad: [[0, 0], [top, Math.max(0, bottom)], [left, Math.max(0, right)], [0, 0]],
      dataFormat: 'NHWC',
      dimRoundingMode: undefined,
    } as unknown as NamedAttrMap);
    temps.push(grad);
    // Input rows past the last window (negative bottom/right) give extra output rows: drop them.
    if (grad.shape[1] !== kh || grad.shape[2] !== kw) {
      grad = run(Slice, backend, { x: grad }, { begin: [0, 0, 0, 0], size: [grad.shape[0], kh, kw, grad.shape[3]] });
      temps.push(grad);
    }
    return run(Transpose, backend, { x: grad }, { perm: [1, 2, 0, 3] });
  } finally {
    for (const t of temps) backend.disposeData(t.dataId);
  }
}

export const conv2DBackpropFilterWasm: KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as BackpropFilterAttrs;
  refuseNchw(dataFormat, Conv2DBackpropFilter);
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    'channelsLast',
  );
  return filterGradientByConv(backend as WasmBackendLike, x, dy, info);
};

let builtinBackpropInput: KernelFunc | null = null;

export const conv2DBackpropInputWasm: KernelFunc = (args) => {
  const { inputs, backend, attrs } = args;
  const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs as unknown as BackpropInputAttrs;
  refuseNchw(dataFormat, Conv2DBackpropInput);
  const info = backend_util.computeConv2DInfo(
    inputShape,
    filter.shape as [number, number, number, number],
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    'channelsLast',
  );
  const { filterHeight: kh, filterWidth: kw } = info;
  const { top, bottom, left, right } = info.padInfo;
  const fullPads = [kh - 1 - top, kh - 1 - bottom, kw - 1 - left, kw - 1 - right];
  if (info.strideHeight !== 1 || info.strideWidth !== 1 || fullPads.some((p) => p < 0)) {
    if (!builtinBackpropInput) throw new Error('Conv2DBackpropInput: the WASM backend kernel is missing.');
    return builtinBackpropInput(args);
  }
  const wasm = backend as WasmBackendLike;
  const temps: TensorInfo[] = [];
  try {
    const rotated = run(Reverse, wasm, { x: filter }, { dims: [0, 1] });
    temps.push(rotated);
    const swapped = run(Transpose, wasm, { x: rotated }, { perm: [0, 1, 3, 2] });
    temps.push(swapped);
    // Output size: outH + (kh - 1 - top) + (kh - 1 - bottom) - kh + 1 = inH, exactly.
    return run(Conv2D, wasm, { x: dy, filter: swapped }, {
      strides: [1, 1],
      dilations: [1, 1],
      pad: [[0, 0], [fullPads[0], fullPads[1]], [fullPads[2], fullPads[3]], [0, 0]],
      dataFormat: 'NHWC',
      dimRoundingMode: undefined,
    } as unknown as NamedAttrMap);
  } finally {
    for (const t of temps) wasm.disposeData(t.dataId);
  }
};

let builtinBatchMatMul: KernelFunc | null = null;

function swapLastTwo(backend: WasmBackendLike, x: TensorInfo): TensorInfo {
  const perm = x.shape.map((_, i) => i);
  const r = perm.length;
  [perm[r - 2], perm[r - 1]] = [perm[r - 1], perm[r - 2]];
  return run(Transpose, backend, { x }, { perm });
}

/**
 * WASM's BatchMatMul hands a transposed operand to a plain loop several times slower than its
 * XNNPACK path, which packs the right operand (cost ~ its size) and needs no transposes. The
 * matMul gradient always transposes (dA = dy·Bᵀ, dB = Aᵀ·dy), so for one matrix product with a
 * transposed operand this materialises the transposes and takes the cheaper of
 *   C = op(A)·op(B)            (transpose what is flagged; pack op(B)), and
 *   C = (op(B)ᵀ·op(A)ᵀ)ᵀ       (transpose what is not flagged; pack op(A)ᵀ; transpose C),
 * counting elements moved. Batched products (batch > 1) go to the built-in kernel unchanged.
 */
export const batchMatMulWasm: KernelFunc = (args) => {
  const { inputs, backend, attrs } = args;
  const { a, b } = inputs as { a: TensorInfo; b: TensorInfo };
  const { transposeA, transposeB } = attrs as { transposeA: boolean; transposeB: boolean };
  if (!builtinBatchMatMul) throw new Error('BatchMatMul: the WASM backend kernel is missing.');
  const batchA = util.sizeFromShape(a.shape.slice(0, -2));
  const batchB = util.sizeFromShape(b.shape.slice(0, -2));
  if ((!transposeA && !transposeB) || batchA !== 1 || batchB !== 1 || a.dtype !== 'float32' || b.dtype !== 'float32') {
    return builtinBatchMatMul(args);
  }
  const wasm = backend as WasmBackendLike;
  const sizeA = util.sizeFromShape(a.shape);
  const sizeB = util.sizeFromShape(b.shape);
  const rows = transposeA ? a.shape[a.shape.length - 1] : a.shape[a.shape.length - 2];
  const cols = transposeB ? b.shape[b.shape.length - 2] : b.shape[b.shape.length - 1];
  const direct = (transposeA ? sizeA : 0) + (transposeB ? sizeB : 0) + sizeB;
  const swapped = (transposeB ? 0 : sizeB) + (transposeA ? 0 : sizeA) + sizeA + rows * cols;
  const plain = { transposeA: false, transposeB: false };
  const temps: TensorInfo[] = [];
  try {
    if (direct <= swapped) {
      const left = transposeA ? swapLastTwo(wasm, a) : a;
      if (transposeA) temps.push(left);
      const right = transposeB ? swapLastTwo(wasm, b) : b;
      if (transposeB) temps.push(right);
      return builtinBatchMatMul({ inputs: { a: left, b: right }, backend, attrs: plain }) as TensorInfo;
    }
    const left = transposeB ? b : swapLastTwo(wasm, b);
    if (!transposeB) temps.push(left);
    const right = transposeA ? a : swapLastTwo(wasm, a);
    if (!transposeA) temps.push(right);
    const product = builtinBatchMatMul({ inputs: { a: left, b: right }, backend, attrs: plain }) as TensorInfo;
    temps.push(product);
    return swapLastTwo(wasm, product);
  } finally {
    for (const t of temps) wasm.disposeData(t.dataId);
  }
};

interface MaxPoolGradAttrs {
  filterSize: [number, number] | number;
  strides: [number, number] | number;
  pad: Pad;
  dimRoundingMode?: Rounding;
}

/**
 * WASM's own MaxPoolGrad (4.22) drops the gradient of every window whose maximum is not above
 * FLT_MIN (all-negative or all-zero windows), and its MaxPoolWithArgmax points those at element 0.
 * This is the cpu backend's rule instead: each window's dy goes to its first strictly greatest
 * input (row-major within the window), summed where windows overlap. A plain loop over the WASM
 * heap, as WASM's own Cast or Concat kernels do; it is also faster than the built-in kernel.
 */
export const maxPoolGradWasm: KernelFunc = ({ inputs, backend, attrs }) => {
  const { dy, input } = inputs as { dy: TensorInfo; input: TensorInfo };
  const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as MaxPoolGradAttrs;
  const info = backend_util.computePool2DInfo(input.shape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
  const { batchSize, inHeight, inWidth, inChannels: channels, outHeight, outWidth, strideHeight, strideWidth } = info;
  const { effectiveFilterHeight: fh, effectiveFilterWidth: fw } = info;
  const { top, left } = info.padInfo;
  const wasm = backend as WasmBackendLike;
  // Allocate first: growing the heap would detach views taken before.
  const out = wasm.makeOutput(input.shape, 'float32');
  const dx = wasm.typedArrayFromHeap(out);
  const x = wasm.typedArrayFromHeap(input);
  const g = wasm.typedArrayFromHeap(dy);
  dx.fill(0);
  const maxValue = new Float64Array(channels);
  const maxIndex = new Int32Array(channels);
  let gIndex = 0;
  for (let b = 0; b < batchSize; b++) {
    for (let oy = 0; oy < outHeight; oy++) {
      const y0 = oy * strideHeight - top;
      const yStart = Math.max(0, y0);
      const yEnd = Math.min(inHeight, y0 + fh);
      for (let ox = 0; ox < outWidth; ox++) {
        const x0 = ox * strideWidth - left;
        const xStart = Math.max(0, x0);
        const xEnd = Math.min(inWidth, x0 + fw);
        maxValue.fill(-Infinity);
        maxIndex.fill(-1);
        for (let yy = yStart; yy < yEnd; yy++) {
          for (let xx = xStart; xx < xEnd; xx++) {
            const base = ((b * inHeight + yy) * inWidth + xx) * channels;
            for (let c = 0; c < channels; c++) {
              const v = x[base + c];
              if (v > maxValue[c]) {
                maxValue[c] = v;
                maxIndex[c] = base + c;
              }
            }
          }
        }
        for (let c = 0; c < channels; c++, gIndex++) {
          if (maxIndex[c] >= 0) dx[maxIndex[c]] += g[gIndex];
        }
      }
    }
  }
  return out;
};

const filterConfig: KernelConfig = { kernelName: Conv2DBackpropFilter, backendName: BACKEND, kernelFunc: conv2DBackpropFilterWasm };

/** Puts `kernelFunc` in place of WASM's kernel, which it keeps (with its setupFunc) as a fallback. */
function replace(kernelName: string, kernelFunc: KernelFunc, keep: (builtin: KernelFunc) => void): void {
  const builtin = getKernel(kernelName, BACKEND);
  if (!builtin || builtin.kernelFunc === kernelFunc) return;
  keep(builtin.kernelFunc);
  unregisterKernel(kernelName, BACKEND);
  // The engine runs setupFunc when the backend starts: the built-in kernel needs it.
  registerKernel({ ...builtin, kernelFunc });
}

/**
 * Registers the kernels above for the 'wasm' backend. Call it after importing
 * @tensorflow/tfjs-backend-wasm (whose import registers the kernels replaced here), before or
 * after the backend starts; calling it again changes nothing.
 */
export function registerWasmConvGradients(): void {
  const filter = getKernel(Conv2DBackpropFilter, BACKEND);
  if (filter?.kernelFunc !== conv2DBackpropFilterWasm) {
    if (filter) unregisterKernel(Conv2DBackpropFilter, BACKEND);
    registerKernel(filterConfig);
  }
  replace(Conv2DBackpropInput, conv2DBackpropInputWasm, (k) => (builtinBackpropInput = k));
  replace(MaxPoolGrad, maxPoolGradWasm, () => undefined);
  replace(BatchMatMul, batchMatMulWasm, (k) => (builtinBatchMatMul = k));
}
