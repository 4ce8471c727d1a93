/** Timing many kernel launches with one sync (a read-back round trip costs more than a small launch). */
import { BufferUsage, MAP_MODE_READ } from './buffers';
import { captureErrors } from './errors';

export interface LaunchTimerOptions {
  /** Timed budget (after warm-up), ms, split over `repeats`. */
  targetMs?: number;
  maxLaunches?: number;
  repeats?: number;
  /** Take GPU timestamps when the device has timestamp-query. Default true. */
  timestamps?: boolean;
  /** Run one untimed launch first. Default true; false when the caller has just run one. */
  warmup?: boolean;
}

export interface LaunchTimes {
  msPerLaunch: number;
  gpuMsPerLaunch: number | null;
  launches: number;
  /** Wall ms of the warm-up launch (null when skipped). */
  warmupMs: number | null;
}

/**
 * Times `encodeOne` (records one launch into an encoder): a warm-up launch, one launch to
 * estimate the cost, then `repeats` submits of N launches in one command buffer, each waited
 * for with onSubmittedWorkDone; the fastest per-launch time is kept (shared machines). With
 * timestamp-query, empty passes before and after the N launches carry the GPU timestamps.
 */
export async function timeLaunches(
  device: GPUDevice,
  encodeOne: (encoder: GPUCommandEncoder) => void,
  options: LaunchTimerOptions = {},
): Promise<LaunchTimes> {
  const targetMs = options.targetMs ?? 300;
  const maxLaunches = options.maxLaunches ?? 200;
  const repeats = options.repeats ?? 3;
  let querySet: GPUQuerySet | null = null;
  let resolveBuffer: GPUBuffer | null = null;
  let readBack: GPUBuffer | null = null;
  if ((options.timestamps ?? true) && device.features.has('timestamp-query')) {
    const made: { querySet?: GPUQuerySet; buffers: GPUBuffer[] } = { buffers: [] };
    const { thrown, error } = await captureErrors(device, ['validation'], () => {
      made.querySet = device.createQuerySet({ type: 'timestamp', count: 2 });
      made.buffers.push(device.createBuffer({ size: 16, usage: BufferUsage.QUERY_RESOLVE | BufferUsage.COPY_SRC }));
      made.buffers.push(device.createBuffer({ size: 16, usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST }));
    });
    if (thrown === undefined && !error && made.querySet) {
      querySet = made.querySet;
      [resolveBuffer, readBack] = made.buffers;
    } else {
      // Without timestamps the wall clock still times the launches.
      made.querySet?.destroy();
      for (const buffer of made.buffers) buffer.destroy();
    }
  }

  const launch = async (count: number): Promise<{ wall: number; gpu: number | null }> => {
    const encoder = device.createCommandEncoder({ label: 'timed launches' });
    if (querySet) encoder.beginComputePass({ timestampWrites: { querySet, beginningOfPassWriteIndex: 0 } }).end();
    for (let i = 0; i < count; i++) encodeOne(encoder);
    if (querySet && resolveBuffer && readBack) {
      encoder.beginComputePass({ timestampWrites: { querySet, endOfPassWriteIndex: 1 } }).end();
      encoder.resolveQuerySet(querySet, 0, 2, resolveBuffer, 0);
      encoder.copyBufferToBuffer(resolveBuffer, 0, readBack, 0, 16);
    }
    const commands = encoder.finish();
    const started = performance.now();
    device.queue.submit([commands]);
    await device.queue.onSubmittedWorkDone();
    const wall = performance.now() - started;
    let gpu: number | null = null;
    if (readBack) {
      await readBack.mapAsync(MAP_MODE_READ);
      const [begin, end] = new BigUint64Array(readBack.getMappedRange().slice(0));
      readBack.unmap();
      gpu = end > begin ? Number(end - begin) / 1e6 : null;
    }
    return { wall, gpu };
  };

  try {
    const warmupMs = (options.warmup ?? true) ? (await launch(1)).wall : null;
    const one = await launch(1);
    if (one.wall >= targetMs) {
      return { msPerLaunch: one.wall, gpuMsPerLaunch: one.gpu, launches: 1, warmupMs };
    }
    const n = Math.max(1, Math.min(maxLaunches, Math.round(targetMs / repeats / Math.max(one.wall, 1e-3))));
    let best = Infinity;
    let bestGpu: number | null = null;
    for (let r = 0; r < repeats; r++) {
      const t = await launch(n);
      best = Math.min(best, t.wall / n);
      if (t.gpu !== null) bestGpu = Math.min(bestGpu ?? Infinity, t.gpu / n);
    }
    return { msPerLaunch: best, gpuMsPerLaunch: bestGpu, launches: n, warmupMs };
  } finally {
    querySet?.destroy();
    resolveBuffer?.destroy();
    readBack?.destroy();
  }
}
