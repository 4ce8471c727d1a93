/**
 * A WebGPU device in Node from the `webgpu` npm package (Dawn), for kernel tests and benchmarks.
 *
 * Dawn needs a Vulkan loader and driver. On a machine without a GPU, Debian's `chromium` package
 * ships both (SwiftShader, /usr/lib/chromium): acquireDevice finds them by itself when the plain
 * lookup fails, so `npx vitest run` needs no extra environment there. The explicit, portable form is
 *   LD_LIBRARY_PATH=/usr/lib/chromium VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json
 * (or any system Vulkan, e.g. Debian's libvulkan1 + mesa-vulkan-drivers).
 */
import { existsSync } from 'node:fs';

const CHROMIUM_DIR = '/usr/lib/chromium';
/** glibc's RTLD_NODELETE (Node does not export it): keeps the library loaded after dlopen fails. */
const RTLD_NODELETE = 0x1000;

/**
 * Dawn's GPU objects, kept referenced for the whole process: if the `create()` result is
 * garbage-collected, Dawn frees its instance while the device still polls it, and the process
 * dies at random (SIGSEGV, or glibc aborting on a freed mutex).
 */
const keepAlive: unknown[] = [];

/**
 * Loads Chromium's Vulkan loader into the process under its soname, so Dawn's later
 * dlopen('libvulkan.so.1') finds it without LD_LIBRARY_PATH (which only works if set before
 * Node starts). process.dlopen() throws because it is not a Node addon, but the library stays.
 */
function preloadChromiumVulkan(): boolean {
  const loader = `${CHROMIUM_DIR}/libvulkan.so.1`;
  const icd = `${CHROMIUM_DIR}/vk_swiftshader_icd.json`;
  if (process.platform !== 'linux' || !existsSync(loader) || !existsSync(icd)) return false;
  // The Vulkan loader reads this when Dawn creates its instance, so setting it now is in time.
  if (!process.env.VK_ICD_FILENAMES && !process.env.VK_DRIVER_FILES) process.env.VK_ICD_FILENAMES = icd;
  try {
    process.dlopen({ exports: {} } as NodeJS.Module, loader, 2 /* RTLD_NOW */ | 256 /* RTLD_GLOBAL */ | RTLD_NODELETE);
  } catch {
    // Expected: "Module did not self-register".
  }
  return true;
}

export interface AcquiredDevice {
  /** Undefined when no adapter was found; `description` then says why. */
  device?: GPUDevice;
  description: string;
}

/**
 * The adapter's device, or the reason there is none. `tag` prefixes uncaptured-error logs;
 * `largeBuffers` asks for the adapter's own binding limits (4096-wide layers need them).
 */
export async function acquireDevice(tag: string, largeBuffers = false): Promise<AcquiredDevice> {
  let webgpu: typeof import('webgpu');
  try {
    webgpu = await import('webgpu');
  } catch (error) {
    return { description: `the webgpu package did not load (${String(error)})` };
  }
  Object.assign(globalThis, webgpu.globals);
  let gpu = webgpu.create([]);
  keepAlive.push(gpu);
  let adapter = await gpu.requestAdapter();
  if (!adapter && preloadChromiumVulkan()) {
    gpu = webgpu.create([]);
    keepAlive.push(gpu);
    adapter = await gpu.requestAdapter();
  }
  if (!adapter) {
    return {
      description:
        'no WebGPU adapter: Dawn found no Vulkan driver. Install Debian chromium (SwiftShader) or run with ' +
        `LD_LIBRARY_PATH=${CHROMIUM_DIR} VK_ICD_FILENAMES=${CHROMIUM_DIR}/vk_swiftshader_icd.json`,
    };
  }
  const device = await adapter.requestDevice(
    largeBuffers
      ? { requiredLimits: { maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize, maxBufferSize: adapter.limits.maxBufferSize } }
      : undefined,
  );
  keepAlive.push(adapter);
  device.addEventListener('uncapturederror', (event) => {
    console.error(`[${tag}] uncaptured WebGPU error:`, (event as GPUUncapturedErrorEvent).error.message);
  });
  return { device, description: `${adapter.info.vendor} ${adapter.info.architecture} ${adapter.info.description}`.trim() };
}
