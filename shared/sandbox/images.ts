import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type Docker from 'dockerode';
import tarFs from 'tar-fs';
import { debianMirror } from './apt-mirror.js';

/** Bumped when the images change in a way old containers must not be mixed with. */
export const IMAGE_VERSION = '1';
export const IMAGE_LABEL = 'dev.tandem.image-version';
const CONTEXT_HASH_LABEL = 'dev.tandem.context-hash';

export const LANGUAGE_IMAGES = ['python', 'node', 'c-cpp', 'java', 'go', 'bash'] as const;
export type LanguageImage = (typeof LANGUAGE_IMAGES)[number];
export type ImageName = 'base' | LanguageImage;

export const OFFICIAL_BASE = 'debian:bookworm-slim';
export const BOOTSTRAPPED_BASE = 'tandem-bootstrap/debian:bookworm';

export const imageTag = (name: ImageName) => `tandem/sandbox-${name}:${IMAGE_VERSION}`;

export const defaultImagesDir = () => {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const distMarker = `${path.sep}dist${path.sep}`;
  const root = here.includes(distMarker) ? here.slice(0, here.lastIndexOf(distMarker)) : path.resolve(here, '../..');
  return path.join(root, 'images');
};

export type ProgressListener = (message: string) => void;

/** A short, stable hash of an image's build context plus its parent, so unchanged images are not rebuilt. */
function contextHash(imagesDir: string, name: ImageName, parent: string): string {
  const hash = createHash('sha256').update(`${IMAGE_VERSION}\n${parent}\n`);
  const dir = path.join(imagesDir, name);
  for (const file of fs.readdirSync(dir).sort()) hash.update(`${file}\n`).update(fs.readFileSync(path.join(dir, file)));
  return hash.digest('hex').slice(0, 16);
}

export async function imageLabels(docker: Docker, tag: string): Promise<Record<string, string> | undefined> {
  try {
    const info = await docker.getImage(tag).inspect();
    return info.Config?.Labels ?? {};
  } catch {
    return undefined;
  }
}

/**
 * Builds one image unless an image with the same context hash exists. Progress is reported one Docker
 * build step at a time.
 */
export async function buildImage(
  docker: Docker,
  name: ImageName,
  options: { imagesDir: string; parent: string; onProgress?: ProgressListener; force?: boolean },
): Promise<'built' | 'cached'> {
  const tag = imageTag(name);
  const hash = contextHash(options.imagesDir, name, options.parent);
  const existing = await imageLabels(docker, tag);
  if (!options.force && existing?.[CONTEXT_HASH_LABEL] === hash) return 'cached';
  const progress = options.onProgress ?? (() => undefined);
  progress(`${tag}: building`);
  const context = tarFs.pack(path.join(options.imagesDir, name)) as unknown as NodeJS.ReadableStream;
  const buildargs: Record<string, string> =
    name === 'base'
      ? { BASE_IMAGE: options.parent, TANDEM_IMAGE_VERSION: IMAGE_VERSION }
      : { BASE: options.parent, TANDEM_IMAGE_VERSION: IMAGE_VERSION };
  const stream = await docker.buildImage(context, { t: tag, buildargs, labels: { [CONTEXT_HASH_LABEL]: hash }, rm: true, forcerm: true });
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(
      stream,
      (error: Error | null, output: Array<{ error?: string }>) => {
        const failure = error?.message ?? output.find((event) => event.error)?.error;
        if (failure) reject(new Error(`Building ${tag} failed: ${failure.trim()}`));
        else resolve();
      },
      (event: { stream?: string; error?: string }) => {
        const line = event.stream?.trim();
        if (line && /^Step \d+\/\d+/.test(line)) progress(`${tag}: ${line}`);
      },
    );
  });
  progress(`${tag}: built`);
  return 'built';
}

/** The image every sandbox image builds on: one already present, the official one pulled, or none. */
export async function findBaseSource(docker: Docker, onProgress: ProgressListener = () => undefined): Promise<string | undefined> {
  const configured = process.env.TANDEM_BASE_IMAGE;
  if (configured) return configured;
  for (const candidate of [OFFICIAL_BASE, BOOTSTRAPPED_BASE]) if (await imageLabels(docker, candidate)) return candidate;
  onProgress(`pulling ${OFFICIAL_BASE}`);
  try {
    const stream = await docker.pull(OFFICIAL_BASE);
    await new Promise<void>((resolve, reject) =>
      docker.modem.followProgress(stream, (error: Error | null) => (error ? reject(error) : resolve())),
    );
    return OFFICIAL_BASE;
  } catch (error) {
    onProgress(`cannot pull ${OFFICIAL_BASE}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
    return undefined;
  }
}

/**
 * Where no registry is reachable: a minimal Debian bookworm from this machine's own apt mirror with
 * debootstrap, imported as a base image. Needs root and the debootstrap package.
 */
export async function bootstrapBase(docker: Docker, onProgress: ProgressListener = () => undefined): Promise<string> {
  const sources = ['/etc/apt/sources.list', ...listDir('/etc/apt/sources.list.d').map((file) => path.join('/etc/apt/sources.list.d', file))]
    .filter((file) => fs.existsSync(file) && fs.statSync(file).isFile())
    .map((file) => ({ path: file, content: fs.readFileSync(file, 'utf8') }));
  const mirror = debianMirror(sources);
  if (!mirror) throw new Error('No Debian bookworm mirror in /etc/apt/sources.list*: cannot bootstrap a base image.');
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-rootfs-'));
  try {
    onProgress(`bootstrapping Debian bookworm from ${mirror} with debootstrap (about a minute)`);
    await run('debootstrap', ['--variant=minbase', 'bookworm', root, mirror], onProgress);
    onProgress(`importing it as ${BOOTSTRAPPED_BASE}`);
    const tar = spawn('tar', ['-C', root, '-c', '.'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const [repo, tag] = BOOTSTRAPPED_BASE.split(':') as [string, string];
    const stream = await docker.importImage(tar.stdout as unknown as string, { repo, tag });
    await new Promise<void>((resolve, reject) =>
      docker.modem.followProgress(stream, (error: Error | null) => (error ? reject(error) : resolve())),
    );
    return BOOTSTRAPPED_BASE;
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

/** The base image, then every language image on it; what is up to date is skipped. */
export async function buildAllImages(
  docker: Docker,
  options: { imagesDir?: string; onProgress?: ProgressListener; force?: boolean; allowBootstrap: boolean },
): Promise<Record<ImageName, 'built' | 'cached'>> {
  const imagesDir = options.imagesDir ?? defaultImagesDir();
  const progress = options.onProgress ?? (() => undefined);
  const baseTag = imageTag('base');
  let parent = (await imageLabels(docker, baseTag)) && !options.force ? await findExistingParent(docker) : undefined;
  parent ??= await findBaseSource(docker, progress);
  if (!parent) {
    if (!options.allowBootstrap)
      throw new Error(`No base image: cannot pull ${OFFICIAL_BASE}. Run \`npm run images\`, which can bootstrap one.`);
    parent = await bootstrapBase(docker, progress);
  }
  const results = {} as Record<ImageName, 'built' | 'cached'>;
  results.base = await buildImage(docker, 'base', { imagesDir, parent, onProgress: progress, force: options.force });
  for (const name of LANGUAGE_IMAGES) {
    results[name] = await buildImage(docker, name, { imagesDir, parent: baseTag, onProgress: progress, force: options.force });
  }
  return results;
}

/** The source the existing base was built from, if it is still here (so a rebuild keeps using it). */
async function findExistingParent(docker: Docker): Promise<string | undefined> {
  const configured = process.env.TANDEM_BASE_IMAGE;
  if (configured) return configured;
  for (const candidate of [OFFICIAL_BASE, BOOTSTRAPPED_BASE]) if (await imageLabels(docker, candidate)) return candidate;
  return undefined;
}

function listDir(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

function run(command: string, args: string[], onProgress: ProgressListener): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let tail = '';
    let lastReport = 0;
    const collect = (chunk: Buffer) => {
      tail = (tail + chunk.toString()).slice(-4000);
      const line = chunk.toString().trim().split('\n').at(-1);
      if (line && Date.now() - lastReport > 5000) {
        lastReport = Date.now();
        onProgress(`  ${line}`);
      }
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', (error) =>
      reject(new Error(`${command} could not start (${error.message}); install it (apt-get install ${command}).`)),
    );
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${command} failed (exit ${code}):\n${tail}`))));
  });
}

/**
 * Makes sure a language's image exists before a sandbox needs it, building it (and the base) on first
 * use with progress. Concurrent requests for one image share one build.
 */
export class ImageProvisioner {
  private readonly builds = new Map<ImageName, Promise<void>>();

  constructor(
    private readonly docker: Docker,
    private readonly options: { buildMissing: boolean; imagesDir?: string },
  ) {}

  async ensure(name: LanguageImage, onProgress: ProgressListener): Promise<void> {
    if (await imageLabels(this.docker, imageTag(name))) return;
    if (!this.options.buildMissing) {
      throw new Error(`The sandbox image ${imageTag(name)} is not built. Run \`npm run images\` on the server.`);
    }
    let build = this.builds.get(name);
    if (!build) {
      build = this.build(name, onProgress).finally(() => this.builds.delete(name));
      this.builds.set(name, build);
    } else {
      onProgress(`waiting for ${imageTag(name)} to finish building`);
    }
    await build;
  }

  private async build(name: LanguageImage, onProgress: ProgressListener): Promise<void> {
    const imagesDir = this.options.imagesDir ?? defaultImagesDir();
    if (!(await imageLabels(this.docker, imageTag('base')))) {
      const parent = await findBaseSource(this.docker, onProgress);
      if (!parent)
        throw new Error(
          `No base image and ${OFFICIAL_BASE} cannot be pulled. Run \`npm run images\` on the server, which can bootstrap one.`,
        );
      await buildImage(this.docker, 'base', { imagesDir, parent, onProgress });
    }
    await buildImage(this.docker, name, { imagesDir, parent: imageTag('base'), onProgress });
  }
}
