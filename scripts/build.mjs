// Builds what is out of date (Prisma client, server, renderer, desktop shell), showing each step. `--force` rebuilds all.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => path.join(root, 'node_modules', '.bin', name);

function newestMtime(paths) {
  let newest = 0;
  const visit = (file) => {
    let stat;
    try {
      stat = fs.statSync(file);
    } catch {
      return;
    }
    if (stat.isDirectory()) {
      if (['node_modules', 'generated', 'dist'].includes(path.basename(file))) return;
      for (const entry of fs.readdirSync(file)) visit(path.join(file, entry));
    } else {
      newest = Math.max(newest, stat.mtimeMs);
    }
  };
  for (const p of paths) visit(path.join(root, p));
  return newest;
}

function mtime(file) {
  try {
    return fs.statSync(path.join(root, file)).mtimeMs;
  } catch {
    return -1;
  }
}

function run(label, command, args, env = {}) {
  const started = Date.now();
  process.stdout.write(`[build] ${label}…\n`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  if (result.status !== 0) {
    process.stderr.write(`[build] ${label} failed (exit ${result.status ?? result.signal}).\n`);
    process.exit(result.status ?? 1);
  }
  process.stdout.write(`[build] ${label} done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}

export function generatePrismaClient({ force = false } = {}) {
  const output = 'server/db/generated/client.ts';
  if (!force && mtime(output) > Math.max(mtime('prisma/schema.prisma'), mtime('package-lock.json'))) return;
  // `prisma generate` only checks that a schema engine path is set; it does not run it, and the engine
  // cannot be downloaded on every machine. The server never uses the engines (it uses @prisma/adapter-pg).
  const env = process.env.PRISMA_SCHEMA_ENGINE_BINARY ? {} : { PRISMA_SCHEMA_ENGINE_BINARY: process.execPath };
  run('generating the Prisma client', bin('prisma'), ['generate'], { ...env, PRISMA_HIDE_UPDATE_MESSAGE: '1' });
}

export function build({ force = false } = {}) {
  generatePrismaClient({ force });
  const serverSources = newestMtime(['server', 'shared', 'prisma', 'tsconfig.base.json', 'package-lock.json']);
  if (force || mtime('dist/server/server/main.js') < serverSources) {
    run('compiling the server', bin('tsc'), ['-p', 'server/tsconfig.json']);
  }
  const rendererSources = newestMtime(['desktop/renderer', 'shared/protocol', 'shared/sync', 'vite.config.ts', 'package-lock.json']);
  if (force || mtime('dist/renderer/index.html') < rendererSources) {
    run('building the web app', bin('vite'), ['build', '--logLevel', 'warn']);
  }
  buildDesktop({ force });
}

/**
 * The desktop app, staged in dist/desktop as the folder Electron runs (`electron dist/desktop`) and
 * electron-builder packs (its `directories.app`): the main process and preload bundled into one CommonJS file
 * each (scripts/vite/desktop-*.config.js say why), a copy of the web app's build (dist/renderer), and a
 * package.json of its own with no dependencies, so the installers carry none of the server's node_modules.
 */
export function buildDesktop({ force = false } = {}) {
  const mainSources = newestMtime(['desktop/main', 'shared', 'scripts/vite/desktop-main.config.js', 'package-lock.json']);
  if (force || mtime('dist/desktop/main/main.cjs') < mainSources) {
    run('bundling the desktop main process', bin('vite'), ['build', '--config', 'scripts/vite/desktop-main.config.js']);
  }
  const preloadSources = newestMtime(['desktop/preload', 'shared/protocol', 'scripts/vite/desktop-preload.config.js']);
  if (force || mtime('dist/desktop/preload/preload.cjs') < preloadSources) {
    run('bundling the desktop preload', bin('vite'), ['build', '--config', 'scripts/vite/desktop-preload.config.js']);
  }
  stageDesktopApp({ force });
}

/** The desktop app's own package.json: what electron-builder reads (name, version, author for the deb's maintainer). */
export function stagedDesktopPackage() {
  const rootPackage = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  return {
    name: rootPackage.name,
    productName: 'Tandem',
    version: rootPackage.version,
    description: rootPackage.description,
    author: rootPackage.author,
    license: rootPackage.license,
    private: true,
    main: 'main/main.cjs',
  };
}

function stageDesktopApp({ force }) {
  const appPackage = stagedDesktopPackage();
  const packageFile = path.join(root, 'dist/desktop/package.json');
  fs.mkdirSync(path.dirname(packageFile), { recursive: true });
  fs.writeFileSync(packageFile, `${JSON.stringify(appPackage, null, 2)}\n`);
  if (!fs.existsSync(path.join(root, 'dist/renderer/index.html'))) return;
  if (force || mtime('dist/desktop/renderer/index.html') < mtime('dist/renderer/index.html')) {
    const started = Date.now();
    fs.rmSync(path.join(root, 'dist/desktop/renderer'), { recursive: true, force: true });
    fs.cpSync(path.join(root, 'dist/renderer'), path.join(root, 'dist/desktop/renderer'), { recursive: true });
    process.stdout.write(`[build] copying the web app into the desktop app done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  if (args.includes('--prisma-only')) generatePrismaClient({ force: args.includes('--force') });
  else if (args.includes('--desktop-only')) buildDesktop({ force: args.includes('--force') });
  else build({ force: args.includes('--force') });
}
