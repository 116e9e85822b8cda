import { defineConfig } from 'vite';

// Served by the api under /app/courier/. In development the api runs on :3000; the dev server
// proxies its HTTP routes and the Socket.IO endpoint so the app stays same-origin.
const api = process.env.O2O_API_URL ?? 'http://127.0.0.1:3000';

export default defineConfig({
  base: '/app/courier/',
  server: {
    port: 5173,
    proxy: {
      '/v1': api,
      '/socket.io': { target: api, ws: true },
    },
  },
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 1500 },
});
