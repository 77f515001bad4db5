// Electron's main process, bundled into one file (dist/desktop/main/main.cjs) with its dependencies (zod,
// dockerode): the packaged app then ships no node_modules, rather than the server's (Prisma, argon2, pg), which
// electron-builder would otherwise copy and rebuild for Electron. Only Electron itself stays outside.
// CommonJS, because bundled CommonJS dependencies (ssh2 under dockerode) use __dirname and require.
import { builtinModules } from 'node:module';
import { defineConfig } from 'vite';

// ssh2 (under dockerode) tries its optional native speed-ups inside try/catch and works without them.
const optionalNative = ['cpu-features', /\.node$/];
const external = ['electron', /^node:/, ...builtinModules, ...optionalNative];

export default defineConfig({
  configFile: false,
  publicDir: false,
  logLevel: 'warn',
  build: {
    ssr: 'desktop/main/main.ts',
    outDir: 'dist/desktop/main',
    emptyOutDir: true,
    target: 'node22',
    sourcemap: true,
    minify: false,
    rollupOptions: { external, output: { format: 'cjs', entryFileNames: 'main.cjs' } },
  },
  ssr: { noExternal: true, external: ['electron', 'cpu-features'], target: 'node' },
});
