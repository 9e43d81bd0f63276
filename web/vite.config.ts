// Vite build of the web app: web/ → web/dist, served by the server at `/`.
// `npm run dev:web` proxies /v1 to a running server (npm start) on port 4000.
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    reportCompressedSize: false,
    chunkSizeWarningLimit: 700,
    rollupOptions: {
      output: {
        // One chunk per language beyond English: the shared French strings and every module's
        // (web/src/{i18n,modules/<module>}/fr.ts) load together, in one request; likewise Malagasy.
        manualChunks(id) {
          return /\/web\/src\/(?:i18n|modules\/[^/]+)\/(fr|mg)\.ts$/.exec(id)?.[1];
        },
      },
    },
  },
  server: { proxy: { '/v1': { target: process.env.ATRIUM_DEV_API ?? 'http://localhost:4000', changeOrigin: false } } },
});
