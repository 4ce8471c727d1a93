/**
 * The built page in headless Chromium, for the benchmark and screenshot scripts: a `vite preview`
 * server of a build folder and a browser with WebGPU on SwiftShader (the flags CI's tests use).
 */
import { spawn } from 'node:child_process';
import { chromium, type Browser } from '@playwright/test';
import { CHROMIUM_ARGS, chromiumPath } from './chromium';

/** Serves `dist` on `port`, opens a browser, runs `use`, and always closes both. */
export async function withBuiltPage<T>(port: number, dist: string, use: (browser: Browser, origin: string) => Promise<T>): Promise<T> {
  const server = spawn('npx', ['vite', 'preview', '--host', '127.0.0.1', '--port', String(port), '--strictPort', '--outDir', dist], { stdio: 'ignore', detached: true });
  try {
    await waitForServer(`http://localhost:${port}/`);
    const browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
    try {
      return await use(browser, `http://localhost:${port}`);
    } finally {
      await browser.close();
    }
  } finally {
    // npx starts vite as its child: end the whole process group, or the port stays taken.
    if (server.pid !== undefined) process.kill(-server.pid);
  }
}

/** Polls until the server answers (vite preview takes 1 s idle, much longer on a loaded machine). */
async function waitForServer(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await fetch(url);
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`no server at ${url} after ${timeoutMs / 1000} s: ${(error as Error).message}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}
