/**
 * How every browser run here finds and starts Chromium (the end-to-end tests, benchmarks and
 * screenshot scripts): WebGPU on SwiftShader, which needs a secure context (open http://localhost).
 */
import { existsSync } from 'node:fs';

export const CHROMIUM_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--enable-unsafe-webgpu',
  '--use-webgpu-adapter=swiftshader',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** A system Chromium when there is one (browser downloads fail on our machines), else Playwright's own. */
export function chromiumPath(): string | undefined {
  return [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p): p is string => !!p && existsSync(p));
}
