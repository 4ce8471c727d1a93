/**
 * The WebGPU device of one test file (Dawn in Node, see src/cli/webgpuNode.ts): the adapter, or why there
 * is none, is printed once, and the device is destroyed after the file. Without a device the
 * suites that need one skip (`describe.skipIf(!gpu.device)`).
 */
import { afterAll } from 'vitest';
import { acquireDevice, type AcquiredDevice } from '../../src/cli/webgpuNode';

/** `tag` prefixes the log lines; `skipped` says what skips without a device. */
export async function testDevice(tag: string, skipped = 'SKIPPED'): Promise<AcquiredDevice> {
  const gpu = await acquireDevice(tag);
  if (gpu.device) console.info(`[${tag}] adapter: ${gpu.description}`);
  else console.warn(`[${tag}] ${skipped}: ${gpu.description}`);
  afterAll(() => gpu.device?.destroy());
  return gpu;
}
