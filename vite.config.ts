import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [react()],
  worker: { format: 'es' },
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
  // The wasm backend's files are imported with ?url; keep them out of dependency pre-bundling.
  optimizeDeps: { exclude: ['@tensorflow/tfjs-backend-wasm'] },
});
