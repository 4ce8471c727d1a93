/**
 * Buffers for the integer kernels: the WebGPU usage flags (spelled out, so nothing here needs the
 * GPUBufferUsage / GPUMapMode globals, which Node has only after `Object.assign(globalThis, globals)`),
 * uploads and read-backs.
 */

export const BufferUsage = { MAP_READ: 0x1, COPY_SRC: 0x4, COPY_DST: 0x8, STORAGE: 0x80, QUERY_RESOLVE: 0x200 } as const;
export const MAP_MODE_READ = 0x1;

/** Kernel inputs and outputs: bindable, readable back, clearable and rewritable. */
const STORAGE_USAGE = BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST;

/** A STORAGE | COPY_SRC | COPY_DST buffer of `byteLength` bytes (at least 4: WebGPU refuses empty bindings). */
export function createStorageBuffer(device: GPUDevice, byteLength: number, label?: string): GPUBuffer {
  return device.createBuffer({ label, size: Math.max(4, byteLength), usage: STORAGE_USAGE });
}

/** A storage buffer holding `data`. */
export function uploadWords(device: GPUDevice, data: Uint32Array | Int32Array, label?: string): GPUBuffer {
  const buffer = createStorageBuffer(device, data.byteLength, label);
  device.queue.writeBuffer(buffer, 0, data.buffer, data.byteOffset, data.byteLength);
  return buffer;
}

/** Copies `byteLength` bytes of a COPY_SRC buffer back to the CPU. */
export async function readBuffer(device: GPUDevice, buffer: GPUBuffer, byteLength: number): Promise<ArrayBuffer> {
  const staging = device.createBuffer({ size: byteLength, usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST });
  const encoder = device.createCommandEncoder();
  encoder.copyBufferToBuffer(buffer, 0, staging, 0, byteLength);
  device.queue.submit([encoder.finish()]);
  try {
    await staging.mapAsync(MAP_MODE_READ);
    return staging.getMappedRange().slice(0);
  } finally {
    staging.destroy();
  }
}

export function destroyAll(buffers: GPUBuffer[]): void {
  for (const b of buffers) b.destroy();
  buffers.length = 0;
}
