import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
// electron-builder's own loader and schema check, the same code `npm run dist` runs before it packages anything:
// a misspelt key or a wrong value type fails here, on a machine that cannot download Electron to package.
import { getConfig, validateConfiguration } from 'app-builder-lib/out/util/config/config.js';
import { DebugLogger } from 'builder-util/out/DebugLogger.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

type Target = { target: string; arch?: string[] };
const targetsOf = (value: unknown): Target[] =>
  (Array.isArray(value) ? value : [value]).map((entry: unknown) => (typeof entry === 'string' ? { target: entry } : (entry as Target)));

async function loadConfig() {
  const config = await getConfig(root, path.join(root, 'electron-builder.yml'), null);
  await validateConfiguration(config, new DebugLogger(false));
  return config;
}

describe('electron-builder.yml (npm run dist)', () => {
  it('passes electron-builder’s own schema', async () => {
    await expect(loadConfig()).resolves.toMatchObject({ appId: 'dev.tandem.ide', productName: 'Tandem' });
  });

  it('builds what issue 6 asks for on each OS', async () => {
    const config = await loadConfig();
    expect(targetsOf(config.mac?.target)).toEqual([
      { target: 'dmg', arch: ['arm64', 'x64'] },
      { target: 'zip', arch: ['arm64', 'x64'] },
    ]);
    expect(config.mac?.hardenedRuntime).toBe(true);
    expect(targetsOf(config.win?.target)).toEqual([{ target: 'nsis', arch: ['x64', 'arm64'] }]);
    expect(targetsOf(config.linux?.target).map((t) => t.target)).toEqual(['AppImage', 'deb']);
  });

  it('registers tandem:// on every OS', async () => {
    const config = await loadConfig();
    const protocols = Array.isArray(config.protocols) ? config.protocols : [config.protocols];
    expect(protocols.flatMap((p) => p?.schemes ?? [])).toEqual(['tandem']);
    // Windows: NSIS has no protocol option of its own; the include writes and removes the registry keys.
    const nsis = fs.readFileSync(path.join(root, 'build/installer.nsh'), 'utf8');
    expect(nsis).toMatch(/Software\\Classes\\tandem/);
    expect(nsis).toMatch(/customUnInstall/);
  });

  it('finds every file it names', async () => {
    const config = await loadConfig();
    const buildResources = path.join(root, config.directories?.buildResources ?? 'build');
    for (const file of [config.mac?.entitlements, config.mac?.entitlementsInherit]) {
      expect(file && fs.existsSync(path.join(root, file)), `${file} exists`).toBe(true);
    }
    expect(fs.existsSync(path.join(buildResources, 'installer.nsh'))).toBe(true);
    // The images ship as resources so local runs can build them on the user's computer.
    const extra = (config.extraResources as Array<{ from: string; to: string }>)[0]!;
    const images = path.join(root, extra.from);
    const dockerfiles = fs.readdirSync(images).filter((dir) => fs.existsSync(path.join(images, dir, 'Dockerfile')));
    expect(dockerfiles.length).toBeGreaterThanOrEqual(7);
  });

  it('packs the folder scripts/build.mjs stages, whose package.json names the bundled main process', async () => {
    const config = await loadConfig();
    expect(config.directories?.app).toBe('dist/desktop');
    const { stagedDesktopPackage } = await import('../../scripts/build.mjs');
    const staged = stagedDesktopPackage() as Record<string, unknown>;
    expect(staged.main).toBe('main/main.cjs');
    // The deb's maintainer and the About panel come from these; electron-builder warns (deb: fails) without them.
    expect(staged.author).toBeTruthy();
    expect(staged.description).toBeTruthy();
    expect(staged).not.toHaveProperty('dependencies');
  });
});
