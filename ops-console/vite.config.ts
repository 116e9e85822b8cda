import { defineConfig } from 'vite';

// Served by the api at /app/ops/ (api/src/plugins/web-apps.ts). `npx vite` in this folder runs a
// dev server that proxies the api (default http://127.0.0.1:3000, or O2O_API_URL).
const api = process.env.O2O_API_URL ?? 'http://127.0.0.1:3000';

export default defineConfig({
  base: '/app/ops/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // maplibre-gl alone is ~800 kB minified; one chunk for it is expected.
    chunkSizeWarningLimit: 1500,
    rollupOptions: { output: { manualChunks: { maplibre: ['maplibre-gl'] } } },
  },
  server: {
    proxy: {
      '/v1': api,
      '/socket.io': { target: api, ws: true },
    },
  },
});
