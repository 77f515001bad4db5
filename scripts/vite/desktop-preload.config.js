// Electron's preload, as one CommonJS file (dist/desktop/preload/preload.cjs): a sandboxed preload is not an
// ES module and its `require` knows only electron and a few built-ins, so nothing else may be left to import.
import { defineConfig } from 'vite';

export default defineConfig({
  configFile: false,
  publicDir: false,
  logLevel: 'warn',
  build: {
    ssr: 'desktop/preload/preload.ts',
    outDir: 'dist/desktop/preload',
    emptyOutDir: true,
    target: 'chrome140',
    sourcemap: true,
    minify: false,
    rollupOptions: { external: ['electron'], output: { format: 'cjs', entryFileNames: 'preload.cjs' } },
  },
  ssr: { noExternal: true, external: ['electron'] },
});
