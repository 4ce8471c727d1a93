import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

/**
 * Cross-origin isolation: SharedArrayBuffer, and with it the WASM backend's threaded SIMD build,
 * exists only in an isolated page. Every asset is same-origin, so require-corp blocks nothing.
 * Static hosts need the same two headers: public/_headers and the README's "Hosting" section.
 */
const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/**
 * tfjs-backend-wasm starts its threads from `factory.toString()` in a blob, outside the closure
 * that declares `_scriptDir`. The minifier folds the guard `typeof _scriptDir !== "undefined" &&
 * _scriptDir` to a bare (renamed) `_scriptDir`, which throws "e is not defined" in every thread.
 * `_scriptDir` is always undefined in a module worker (no document, no __filename), so the guarded
 * line does nothing there: drop it before the minifier sees it.
 */
function wasmThreadsSurviveMinifying(): Plugin {
  const guarded = 'if(typeof _scriptDir !== "undefined" && _scriptDir){scriptDirectory=_scriptDir}';
  return {
    name: 'wasm-threads-survive-minifying',
    enforce: 'pre',
    transform(code, id) {
      if (!id.replace(/\\/g, '/').includes('tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js')) return null;
      if (!code.includes(guarded)) this.error('tfjs-backend-wasm changed: update wasmThreadsSurviveMinifying in vite.config.ts, or threads break');
      return { code: code.replace(guarded, ''), map: null };
    },
  };
}

export default defineConfig({
  plugins: [react(), wasmThreadsSurviveMinifying()],
  server: { headers: ISOLATION_HEADERS },
  preview: { headers: ISOLATION_HEADERS },
  worker: { format: 'es', plugins: () => [wasmThreadsSurviveMinifying()] },
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 4000,
    // Two pages: the playground and kernels.html (the WGSL kernels on TF.js's WebGPU device).
    rolldownOptions: {
      input: {
        main: fileURLToPath(new URL('index.html', import.meta.url)),
        kernels: fileURLToPath(new URL('kernels.html', import.meta.url)),
      },
    },
  },
  // tfjs-backend-wasm stays in dependency pre-bundling: its Emscripten glue is CommonJS, which the dev
  // server serves unconverted otherwise (WASM then failed to start under `npm start`). Its .wasm files
  // come through ?url imports either way.
});
