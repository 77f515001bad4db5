// `npm run bench -- local`: what the desktop app's local sandbox (desktop/main/local-sandbox) costs on this computer's
// Docker engine: a run through the local run stream against a bare hardened `docker run --rm` of the same program,
// the time to open a local terminal, its keystroke round trip, and its output throughput with the page's acks.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket, { type RawData } from 'ws';
import { RunStreamServerMessage, type RunFile, type RunStreamClientMessage } from '../../../shared/protocol/runs.js';
import { LocalTerminalServerMessage, type LocalTerminalClientMessage } from '../../../shared/protocol/terminals.js';
import { timeBareDockerRun } from '../../../shared/sandbox/bare-docker-run.js';
import { median, percentile, round } from '../../../shared/sandbox/bench-stats.js';
import { DockerSandboxDriver } from '../../../shared/sandbox/docker-driver.js';
import { currentDockerEnvironment, pingDocker, resolveDockerEndpoint } from '../../../shared/sandbox/docker-endpoint.js';
import { imageTag } from '../../../shared/sandbox/images.js';
import { findLanguage } from '../../../shared/sandbox/languages.js';
import { LocalRunServer } from '../local-sandbox/local-run-server.js';
import { HIGH_WATER } from '../local-sandbox/local-terminal-session.js';
import { APP_ORIGIN } from '../security.js';

const RUNS = 30;
const RUN_WARMUPS = 3;
const OPENS = 10;
const OPEN_WARMUPS = 2;
const ECHOES = 500;
const THROUGHPUT_BYTES = 50_000_000;
// The page's acks (desktop/renderer/src/services/local-terminal-connection.ts, which desktop/main may not import):
// everything received so far, once 64 KiB have arrived, else 100 ms after the first unacknowledged byte.
const ACK_BATCH_BYTES = 64 * 1024;
const ACK_DELAY_MS = 100;
/** A page that stops acking: output counts as stopped once nothing has arrived for this long. */
const QUIET_MS = 1000;

const python = findLanguage('python')!;
const bash = findLanguage('bash')!;
const endpoint = resolveDockerEndpoint(currentDockerEnvironment());
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const engine = await pingDocker(endpoint, 3000);
if (!engine.ok) throw new Error(`No Docker engine answers (${engine.reason}): start Docker and try again.`);
// The local server builds a missing image on first use, which takes minutes and is not what is measured here.
const sandboxes = new DockerSandboxDriver(endpoint);
for (const image of new Set([python.image, bash.image])) {
  await sandboxes.docker
    .getImage(imageTag(image))
    .inspect()
    .catch(() => {
      throw new Error(`The sandbox image ${imageTag(image)} is not built: run \`npm run images\` first.`);
    });
}

const server = await LocalRunServer.start({ endpoint: async () => endpoint, trusted: { origins: [APP_ORIGIN] } });

/** Each sample starts on a quiet engine: the sandboxes of the one before (removed after it answers) are gone. */
async function untilNoSandboxes(): Promise<void> {
  const deadline = Date.now() + 15_000;
  while ((await sandboxes.ownContainers()).length > 0) {
    if (Date.now() > deadline) throw new Error('The local sandboxes of the previous sample were not removed within 15 s.');
    await sleep(50);
  }
}

function rawText(raw: RawData): string {
  return (Array.isArray(raw) ? Buffer.concat(raw) : Buffer.from(raw as ArrayBuffer)).toString('utf8');
}

async function connect(url: string): Promise<WebSocket> {
  const socket = new WebSocket(url, { origin: APP_ORIGIN });
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  return socket;
}

/** One run on an open run stream, from its start message to its exit message, as the page sees it. */
function timeLocalRun(socket: WebSocket): Promise<number> {
  const start: RunStreamClientMessage = {
    type: 'start',
    language: python.id,
    files: [{ path: python.defaultEntry, content: python.template }],
    entry: python.defaultEntry,
  };
  return new Promise((resolve, reject) => {
    let stdout = '';
    const finish = (error: Error | undefined, elapsed = 0) => {
      clearTimeout(timer);
      socket.off('message', onMessage);
      if (error) reject(error);
      else resolve(elapsed);
    };
    const timer = setTimeout(() => finish(new Error('A local run sent no exit within 30 s.')), 30_000);
    const onMessage = (raw: RawData) => {
      const message = RunStreamServerMessage.parse(JSON.parse(rawText(raw)));
      if (message.type === 'stdout') stdout += message.data;
      else if (message.type === 'error') finish(new Error(`A local run failed: ${message.message}`));
      else if (message.type === 'exit') {
        const elapsed = performance.now() - started;
        if (stdout !== 'Hello, world!\n') finish(new Error(`A local run printed ${JSON.stringify(stdout)}`));
        else finish(undefined, elapsed);
      }
    };
    socket.on('message', onMessage);
    const started = performance.now();
    socket.send(JSON.stringify(start));
  });
}

/**
 * The same program with the sandbox's hardening and default limits, straight through the docker CLI: the floor
 * to compare against. `docker run --rm` waits for the container's removal; the local run answers before it.
 */
async function timeBareDockerRunOnce(): Promise<number> {
  const { ms, output } = await timeBareDockerRun(
    python.image,
    `cat > /workspace/${python.defaultEntry} && python3 -u /workspace/${python.defaultEntry}`,
    python.template,
  );
  if (output !== 'Hello, world!\n') throw new Error(`The bare docker run printed ${JSON.stringify(output)}`);
  return ms;
}

/** Local runs and bare docker runs take turns, so a busy moment on this shared machine weighs on both alike. */
async function runs(): Promise<{ local: number[]; bare: number[] }> {
  const socket = await connect(server.url);
  const local: number[] = [];
  const bare: number[] = [];
  for (let i = 0; i < RUNS + RUN_WARMUPS; i += 1) {
    await untilNoSandboxes();
    const viaLocal = await timeLocalRun(socket);
    await untilNoSandboxes();
    const viaDocker = await timeBareDockerRunOnce();
    // The first runs warm the page cache and the engine.
    if (i >= RUN_WARMUPS) {
      local.push(viaLocal);
      bare.push(viaDocker);
    }
  }
  socket.close();
  return { local, bare };
}

/** A page's terminal socket: output acknowledged as the page does, unless held; the peak it left unacknowledged. */
class TerminalClient {
  readonly socket: WebSocket;
  readonly messages: LocalTerminalServerMessage[] = [];
  received = 0;
  acked = 0;
  peakUnacked = 0;
  /** performance.now() of the last output. */
  lastOutputAt = 0;
  private holding = false;
  private ackTimer: NodeJS.Timeout | undefined;
  private readonly outputListeners = new Set<(chunk: Buffer) => void>();
  private readonly messageListeners = new Set<() => void>();
  readonly closed: Promise<void>;

  constructor(url: string) {
    this.socket = new WebSocket(url, { origin: APP_ORIGIN });
    this.socket.on('message', (raw: RawData, isBinary: boolean) => {
      if (isBinary) this.output(Array.isArray(raw) ? Buffer.concat(raw) : Buffer.from(raw as ArrayBuffer));
      else {
        this.messages.push(LocalTerminalServerMessage.parse(JSON.parse(rawText(raw))));
        for (const listener of this.messageListeners) listener();
      }
    });
    this.closed = new Promise((resolve) => this.socket.once('close', () => resolve()));
  }

  /** Sends `open` with `files` once the socket is open, and resolves on `opened`. */
  async open(files: RunFile[]): Promise<void> {
    await new Promise((resolve, reject) => {
      this.socket.once('open', resolve);
      this.socket.once('error', reject);
    });
    this.send({ type: 'open', language: bash.id, files, cols: 120, rows: 40 });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => done(new Error(`A local terminal did not open within 30 s: ${JSON.stringify(this.messages)}`)),
        30_000,
      );
      const done = (error?: Error) => {
        clearTimeout(timer);
        this.messageListeners.delete(check);
        if (error) reject(error);
        else resolve();
      };
      const check = () => {
        const failed = this.messages.find((message) => message.type === 'error' || message.type === 'exit');
        if (failed) done(new Error(`A local terminal did not open: ${JSON.stringify(failed)}`));
        else if (this.messages.some((message) => message.type === 'opened')) done();
      };
      this.messageListeners.add(check);
      check();
    });
  }

  type(data: string): void {
    this.send({ type: 'input', data });
  }

  /** Resolves once the output arriving from now on contains `marker`. */
  sees(marker: string, timeoutMs = 30_000): Promise<void> {
    let seen = '';
    return this.until((chunk) => {
      seen = (seen + chunk.toString('latin1')).slice(-4096);
      return seen.includes(marker);
    }, timeoutMs);
  }

  /** Resolves once `done` says so of a chunk of output arriving from now on. */
  until(done: (chunk: Buffer) => boolean, timeoutMs = 30_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.outputListeners.delete(listener);
        reject(new Error(`The local terminal's output did not arrive within ${timeoutMs / 1000} s.`));
      }, timeoutMs);
      const listener = (chunk: Buffer) => {
        if (!done(chunk)) return;
        clearTimeout(timer);
        this.outputListeners.delete(listener);
        resolve();
      };
      this.outputListeners.add(listener);
    });
  }

  /** xterm falls behind: everything so far is acknowledged, then nothing more. */
  holdAcks(): void {
    this.ack();
    this.holding = true;
  }

  releaseAcks(): void {
    this.holding = false;
    this.ack();
  }

  async close(): Promise<void> {
    clearTimeout(this.ackTimer);
    this.socket.close();
    await this.closed;
  }

  private output(chunk: Buffer): void {
    this.received += chunk.length;
    this.lastOutputAt = performance.now();
    this.peakUnacked = Math.max(this.peakUnacked, this.received - this.acked);
    if (!this.holding) {
      if (this.received - this.acked >= ACK_BATCH_BYTES) this.ack();
      else this.ackTimer ??= setTimeout(() => this.ack(), ACK_DELAY_MS);
    }
    for (const listener of this.outputListeners) listener(chunk);
  }

  private ack(): void {
    clearTimeout(this.ackTimer);
    this.ackTimer = undefined;
    const bytes = this.received - this.acked;
    if (bytes === 0 || this.holding) return;
    this.send({ type: 'ack', bytes });
    this.acked += bytes;
  }

  private send(message: LocalTerminalClientMessage): void {
    if (this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }
}

const TERMINAL_FILES: RunFile[] = [
  { path: 'main.sh', content: 'echo "Hello, world!"\n' },
  { path: 'notes/README.md', content: '# Notes\n\nTwo small files, as a small project has.\n' },
];

async function openTerminal(): Promise<TerminalClient> {
  await untilNoSandboxes();
  const client = new TerminalClient(server.terminalUrl);
  await client.open(TERMINAL_FILES);
  return client;
}

/** From the socket's creation (the handshake included) to `opened`: what the page waits before its shell runs. */
async function terminalOpens(): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < OPENS + OPEN_WARMUPS; i += 1) {
    await untilNoSandboxes();
    const started = performance.now();
    const client = new TerminalClient(server.terminalUrl);
    await client.open(TERMINAL_FILES);
    const elapsed = performance.now() - started;
    await client.close();
    if (i >= OPEN_WARMUPS) times.push(elapsed);
  }
  return times;
}

// `RE""ADY` so that the shell's echo of the command line itself is not taken for the marker.
const READY = 'READY';
const ready = `echo RE""ADY`;

async function terminalEcho(): Promise<number[]> {
  const client = await openTerminal();
  // Raw mode and cat: each byte typed comes straight back, so the round trip is all that is timed.
  const isReady = client.sees(READY);
  client.type(`stty raw -echo; ${ready}; exec cat\r`);
  await isReady;
  await sleep(300);
  const times: number[] = [];
  for (let i = 0; i < ECHOES; i += 1) {
    const key = String.fromCharCode(97 + (i % 26));
    const echoed = client.sees(key, 5000);
    const started = performance.now();
    client.type(key);
    await echoed;
    times.push(performance.now() - started);
  }
  await client.close();
  return times;
}

interface Throughput {
  mbPerSecond: number;
  peakUnackedWhileAcking: number;
  unackedWhenAcksStop: number;
  resumedAfterAck: boolean;
  rssBaselineMb: number;
  rssPeakMb: number;
}

async function terminalThroughput(): Promise<Throughput> {
  const client = await openTerminal();
  const isReady = client.sees(READY, 60_000);
  client.type(`head -c ${THROUGHPUT_BYTES} /dev/zero | tr '\\0' x > /tmp/big; stty raw -echo; ${ready}\r`);
  await isReady;
  await sleep(300);
  global.gc?.();
  const rssBaselineMb = process.memoryUsage().rss / 1e6;
  let rssPeakMb = rssBaselineMb;
  const sampler = setInterval(() => (rssPeakMb = Math.max(rssPeakMb, process.memoryUsage().rss / 1e6)), 20);
  client.peakUnacked = 0;
  let xs = 0;
  const countXs = (chunk: Buffer) => {
    for (let i = 0; i < chunk.length; i += 1) if (chunk[i] === 0x78) xs += 1;
    return xs >= THROUGHPUT_BYTES;
  };
  const all = client.until(countXs, 120_000);
  const started = performance.now();
  client.type('cat /tmp/big\r');
  await all;
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  const peakUnackedWhileAcking = client.peakUnacked;

  // The page stops acknowledging (xterm falls behind) while the shell has plenty more to say: what reaches it
  // meanwhile is what the local server lets go unacknowledged.
  await sleep(300);
  client.holdAcks();
  const heldFrom = client.acked;
  client.type('cat /tmp/big\r');
  const heldSince = performance.now();
  while (performance.now() - Math.max(client.lastOutputAt, heldSince) < QUIET_MS) {
    if (performance.now() - heldSince > 10_000) throw new Error('Output did not stop within 10 s of the page ceasing to ack.');
    await sleep(50);
  }
  const unackedWhenAcksStop = client.received - heldFrom;
  const before = client.received;
  client.releaseAcks();
  const resumedAfterAck = await client
    .until(() => client.received - before > 2 * HIGH_WATER, 10_000)
    .then(
      () => true,
      () => false,
    );
  await client.close();
  return {
    mbPerSecond: THROUGHPUT_BYTES / 1e6 / seconds,
    peakUnackedWhileAcking,
    unackedWhenAcksStop,
    resumedAfterAck,
    rssBaselineMb,
    rssPeakMb,
  };
}

const benchStarted = performance.now();
// A failure still stops every run and terminal and removes their sandboxes before the error is reported.
const measured = await (async () => {
  try {
    const { local, bare } = await runs();
    return { local, bare, opens: await terminalOpens(), echo: await terminalEcho(), throughput: await terminalThroughput() };
  } finally {
    await server.close();
  }
})();
const { local, bare, opens, echo, throughput } = measured;
const totalSeconds = (performance.now() - benchStarted) / 1000;

const kib = (bytes: number) => `${round(bytes / 1024)} KiB`;
const ratio = median(local) / median(bare);
// Flow control holds when the page's unacknowledged bytes stop at the high-water mark plus what was already on its way.
const capHeld = throughput.unackedWhenAcksStop <= HIGH_WATER + 256 * 1024;
const results = {
  machine: { cpus: os.cpus().length, memoryGb: round(os.totalmem() / 2 ** 30), node: process.version, platform: process.platform },
  seconds: round(totalSeconds),
  python: {
    runs: RUNS,
    warmups: RUN_WARMUPS,
    localMedianMs: round(median(local)),
    localP95Ms: round(percentile(local, 95)),
    bareDockerRunMedianMs: round(median(bare)),
    bareDockerRunP95Ms: round(percentile(bare, 95)),
    localOverBareRatio: round(ratio, 2),
  },
  terminalOpen: {
    opens: OPENS,
    warmups: OPEN_WARMUPS,
    files: TERMINAL_FILES.length,
    medianMs: round(median(opens)),
    p95Ms: round(percentile(opens, 95)),
  },
  terminalEcho: {
    samples: ECHOES,
    medianMs: round(median(echo), 2),
    p95Ms: round(percentile(echo, 95), 2),
    p99Ms: round(percentile(echo, 99), 2),
  },
  terminalThroughput: {
    bytes: THROUGHPUT_BYTES,
    ackBatchBytes: ACK_BATCH_BYTES,
    ackDelayMs: ACK_DELAY_MS,
    mbPerSecond: round(throughput.mbPerSecond),
    peakUnackedBytesWhileAcking: throughput.peakUnackedWhileAcking,
    highWaterBytes: HIGH_WATER,
    unackedBytesWhenAcksStop: throughput.unackedWhenAcksStop,
    capHeld,
    resumedAfterAck: throughput.resumedAfterAck,
    rssBaselineMb: round(throughput.rssBaselineMb),
    rssPeakMb: round(throughput.rssPeakMb),
  },
};

const rows: Array<[string, string, string, string]> = [
  [`python hello world: local run stream (${RUNS} runs)`, `${round(median(local))} ms`, `${round(percentile(local, 95))} ms`, ''],
  [`python hello world: bare docker run --rm`, `${round(median(bare))} ms`, `${round(percentile(bare, 95))} ms`, ''],
  [`python: local / bare`, `${round(ratio, 2)} ×`, '', ''],
  [`terminal: socket to opened (bash, 2 files, ${OPENS} opens)`, `${round(median(opens))} ms`, `${round(percentile(opens, 95))} ms`, ''],
  [
    `terminal keystroke echo (${ECHOES})`,
    `${round(median(echo), 2)} ms`,
    `${round(percentile(echo, 95), 2)} ms`,
    `${round(percentile(echo, 99), 2)} ms`,
  ],
  [`terminal output, cat of 50 MB, acks every 64 KiB`, `${round(throughput.mbPerSecond)} MB/s`, '', ''],
  [`  unacknowledged at the page while it acks, peak`, kib(throughput.peakUnackedWhileAcking), '', ''],
  [
    `  unacknowledged once the page stops acking (cap ${kib(HIGH_WATER)})`,
    kib(throughput.unackedWhenAcksStop),
    '',
    `${capHeld ? 'held' : 'EXCEEDED'}${throughput.resumedAfterAck ? ', resumes on ack' : ', DID NOT RESUME'}`,
  ],
  [`  process RSS during it (baseline → peak)`, `${round(throughput.rssBaselineMb)} → ${round(throughput.rssPeakMb)} MB`, '', ''],
];
const width = Math.max(...rows.map((row) => row[0].length));
process.stdout.write(`\n${'measure'.padEnd(width)}  ${'median'.padStart(16)}  ${'p95'.padStart(10)}  p99 / check\n`);
for (const [name, value, p95, last] of rows)
  process.stdout.write(`${name.padEnd(width)}  ${value.padStart(16)}  ${p95.padStart(10)}  ${last}\n`);
process.stdout.write(`\n${os.cpus().length} CPUs, ${round(totalSeconds)} s in all\n`);
const out = path.resolve('bench-results', 'local.json');
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out, `${JSON.stringify({ when: new Date().toISOString(), ...results }, null, 2)}\n`);
process.stdout.write(`written to ${out}\n`);
