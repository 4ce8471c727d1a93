/**
 * The quantized kernels (WGSL, run by Dawn through the npm `webgpu` package) against TF.js
 * float32 on the wasm backend in the same process: dense shapes against tf.matMul, lenet's two
 * convolutions against tf.conv2d (and tf.matMul of the same MACs). The cases, their correctness
 * check and their timing are src/kernels-page/benchCases.ts, shared with the browser bench
 * (scripts/bench-kernels-browser.ts, where the float side is TF.js's WebGPU backend on the same
 * device). Prints one JSON line per case:
 *   {"case","scheme","batch","ms","floatMs","floatBackend","speedup","bitExact","checkedRows",
 *    "weightBytes","weightGBps","floatWeightGBps","gpuMs","launches","floatLaunches","adapter",
 *    "weightBandwidthShare", conv cases also "floatMatMulMs","speedupVsMatMul"}
 * after a first line {"case":"read bandwidth","GBps","bytes","ms"}: the device's read bandwidth, by a
 * kernel that only streams a 64 MiB buffer; weightBandwidthShare = weightGBps / that.
 * ms / floatMs: per launch. speedup = floatMs / ms. bitExact: the kernel's output equals the CPU
 * reference on the first checkedRows images. weightGBps = packed weight bytes / ms (each weight
 * counted once per launch: what a kernel must at least read).
 *
 * In Node the adapter is whatever Dawn finds: on a machine without a GPU, SwiftShader (a CPU
 * Vulkan), so these numbers compare a CPU emulation of the GPU path against wasm, not a GPU.
 *
 * Run: npx tsx scripts/bench-kernels.ts (or npm run bench:kernels:node)   Options (all optional):
 *   --shapes=784x100,100x10,4096x4096  --convs=conv1,conv2 (--convs= for none)  --batches=1,256
 *   --formats=lightnn-1,lightnn-2,lightnn-3,fixed-2,fixed-4,fixed-8,binaryconnect,binarynet
 *   --target-ms=1500 (timed work per side and case)  --max-launches=500
 */
import { benchLayers, FORMATS, LENET_CONVS, measureReadBandwidth, parseBatches, parseConvs, parseDenseShapes, parseFormats, runBenchCases } from '../src/kernels-page/benchCases';
import { useNodeBackend } from '../src/tf/tfNode';
import { acquireDevice } from '../src/cli/webgpuNode';

function option(name: string, fallback: string): string {
  const prefix = `--${name}=`;
  const arg = process.argv.slice(2).find((a) => a.startsWith(prefix));
  return arg ? arg.slice(prefix.length) : fallback;
}

const shapes = parseDenseShapes(option('shapes', '784x100,100x10,4096x4096'));
const convs = parseConvs(option('convs', Object.keys(LENET_CONVS).join(',')));
const batches = parseBatches(option('batches', '1,256'));
const formats = parseFormats(option('formats', '') || null, Object.keys(FORMATS)).map((id) => FORMATS[id]);
const targetMs = Number(option('target-ms', '1500'));
const maxLaunches = Number(option('max-launches', '500'));

const floatBackend = await useNodeBackend('wasm');
const acquired = await acquireDevice('bench-kernels', true);
if (!acquired.device) throw new Error(acquired.description);
const { device, description } = acquired;
console.error(`[bench-kernels] adapter: ${description}; float: TF.js float32 on ${floatBackend}`);

const bandwidth = await measureReadBandwidth(device);
console.log(JSON.stringify({ case: 'read bandwidth', ...bandwidth, adapter: description }));
const cases = await runBenchCases(device, benchLayers(device, shapes, convs, { targetMs, maxLaunches }), batches, formats, {
  targetMs,
  maxLaunches,
  adapter: description,
  readGBps: bandwidth.GBps,
  onProgress: (text) => console.error(`[bench-kernels] ${text}`),
  onCase: (c) => console.log(JSON.stringify(c)),
});
device.destroy();
const failures = cases.filter((c) => !c.bitExact).length;
if (failures > 0) console.error(`[bench-kernels] ${failures} case(s) NOT bit-exact against the reference`);
// Dawn can keep the event loop alive after the device is gone; the references above are still held.
process.exit(failures > 0 ? 1 : 0);
