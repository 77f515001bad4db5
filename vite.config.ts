import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import { offlineShell } from './scripts/vite/offline-shell-plugin.js';

// The renderer is one build for the browser (served by the server at /) and for Electron's renderer.
export default defineConfig({
  root: 'desktop/renderer',
  // Absolute, so client-side routes like /projects/42 load the same assets.
  base: '/',
  plugins: [react(), offlineShell()],
  build: {
    outDir: '../../dist/renderer',
    emptyOutDir: true,
    sourcemap: true,
  },
  server: {
    port: 5173,
    strictPort: true,
    // In development the API and WebSockets live on the Tandem server.
    proxy: {
      '/api': { target: 'http://127.0.0.1:4000', ws: true },
      '/health': 'http://127.0.0.1:4000',
      '/sync': { target: 'http://127.0.0.1:4000', ws: true },
    },
  },
});
