// `npm run bench -- sync`: collaboration through the real server process on loopback, in three sections.
//   latency  change-to-peer latency (one client types, the others receive through the server) with automerge-repo's
//            default 100 ms throttle and with Tandem's; and, for reference, what one keystroke costs Automerge alone.
//   memory   the server's memory per open document, with 1,000 typical source files open.
//   history  a long history (the editing trace, typed as an editor binding types it: one change per keystroke):
//            syncing 10,000 offline edits; then two documents typed offline and synced, one of 100,000 edits (the issue's
//            long document) and one of the whole trace (259,778), each loaded cold and warm.
// Environment:
//   DATABASE_URL=postgresql://...  a PostgreSQL server the bench may create (and drops) a fresh database on; unset, the
//                                  embedded database.
//   SYNC_BENCH_ONLY=latency,history  only these sections (comma-separated; default all three), e.g. to re-run the
//                                  latency section alone on a quiet machine.
//   SYNC_BENCH_QUICK=1             a smoke run of the chosen sections with few edits and documents; its figures mean little.
// Writes bench-results/sync.json for a full run; a partial or quick run writes bench-results/sync-<sections>[-quick].json
// instead, so it does not overwrite the figures of a full one.
// The full entry point loads Automerge's WebAssembly; the `slim` one used below shares it.
import '@automerge/automerge-repo';
import type { AutomergeUrl, DocHandle, DocHandleChangePayload } from '@automerge/automerge-repo';
import { Automerge, cbor } from '@automerge/automerge-repo/slim';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { AuthResponse, FileResponse, ProjectResponse, type FileDocument } from '../../shared/protocol/index.js';
import { CLIENT_SYNC_THROTTLE_MS } from '../../shared/sync/ticketed-websocket-adapter.js';
import { median, percentile, round } from '../../shared/sandbox/bench-stats.js';
import { loadConfig } from '../config.js';
import { createTestDatabase, withAdmin, type DatabaseKind } from '../test-support/databases.js';
import { client as httpClient } from '../test-support/http.js';
import { syncClient, type SyncClient } from '../test-support/sync-client.js';

const root = path.resolve(import.meta.dirname, '../..');
const TRACE_PATH = path.resolve(root, '../shared/data/editing-trace.json');
const JWT_SECRET = 'bench-secret-that-is-long-enough-for-hs256-0123456789';
const PASSWORD = 'benchmarking passphrase';

/** Automerge-repo's own throttle, on both ends: the "before" setting. */
const DEFAULT_THROTTLE_MS = 100;
const SERVER_THROTTLE_MS = loadConfig({}).syncThrottleMs;
/** SYNC_BENCH_QUICK=1: a smoke run with few edits and documents; its figures mean little. */
const QUICK = process.env.SYNC_BENCH_QUICK === '1';
const SECTIONS = ['latency', 'memory', 'history'] as const;
type Section = (typeof SECTIONS)[number];
/** SYNC_BENCH_ONLY=latency,memory,history: the sections to run (default all). */
const only = (process.env.SYNC_BENCH_ONLY ?? '')
  .split(',')
  .map((name) => name.trim())
  .filter(Boolean);
const unknownSections = only.filter((name) => !(SECTIONS as readonly string[]).includes(name));
if (unknownSections.length > 0) {
  process.stderr.write(`SYNC_BENCH_ONLY: unknown section ${unknownSections.join(', ')}; the sections are ${SECTIONS.join(', ')}\n`);
  process.exit(2);
}
const sections: Section[] = SECTIONS.filter((name) => only.length === 0 || only.includes(name));
const INITIAL_CHARS = 10_000;
const WARMUP_EDITS = 5;
const EDITS = QUICK ? ({ 5: 20, 30: 60 } as const) : ({ 5: 300, 30: 1000 } as const);
const RATES = [5, 30] as const;
const CLIENT_COUNTS = [2, 20] as const;
const LATENCY_TARGET_P99_MS = 100;
const MEMORY_DOCS = QUICK ? 100 : 1000;
const MEMORY_TARGET_BYTES = 1024 * 1024;
const OFFLINE_EDITS = QUICK ? 1000 : 10_000;
/** The long documents, in operations of the trace: the issue's 100,000 edits of history, and the whole trace. */
const LONG_DOCUMENT_OPS = QUICK ? [10_000, 20_000] : [100_000, 'whole trace' as const];
/** The one of them the warm-load target is set for ("a document with 100,000 edits of history"). */
const TARGET_DOCUMENT = 0;
const COLD_LOADS = 3;
const WARM_LOADS = 5;
const WARM_TARGET_MS = 500;

const benchStarted = performance.now();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (message: string) => process.stderr.write(`[sync bench ${round((performance.now() - benchStarted) / 1000)} s] ${message}\n`);

/** A small deterministic generator, so every run types the same text at the same places. */
function rng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Plausible TypeScript of about `chars` characters. */
function sourceFile(index: number, chars: number): string {
  const random = rng(index + 1);
  const helper = index % 17;
  let text = `// Module ${index}: generated for the sync benchmark.\nimport { helper${helper} } from './helpers/${helper}.js';\n\n`;
  for (let n = 0; text.length < chars; n += 1) {
    const limit = Math.floor(random() * 1000);
    text +=
      `/** Sums what is above ${limit} through helper${helper}, and subtracts the rest. */\n` +
      `export function compute${index}_${n}(input: readonly number[], limit = ${limit}): number {\n` +
      `  let total = 0;\n` +
      `  for (const value of input) {\n` +
      `    if (value > limit) total += helper${helper}(value, ${n});\n` +
      `    else total -= value * ${(n % 5) + 1};\n` +
      `  }\n` +
      `  return total;\n` +
      `}\n\n`;
  }
  return text.slice(0, chars);
}

// ---------------------------------------------------------------------------------------------------------
// The server process and the database

interface ServerProcess {
  url: string;
  pid: number;
  inspectorUrl?: string;
  stop(): Promise<void>;
}

const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    for (const child of children) child.kill('SIGKILL');
    process.exit(130);
  });
}

const databaseKind: DatabaseKind = process.env.DATABASE_URL ? 'postgres' : 'embedded';
const database = await createTestDatabase(databaseKind);
log(`database: ${databaseKind === 'postgres' ? 'PostgreSQL (a fresh database from DATABASE_URL)' : 'embedded (DATABASE_URL is unset)'}`);

/** `node --import tsx server/main.ts`, as `npm start` runs it, on the bench's database. */
async function startServerProcess(env: Record<string, string> = {}, options: { inspect?: boolean } = {}): Promise<ServerProcess> {
  const child = spawn(process.execPath, [...(options.inspect ? ['--inspect=127.0.0.1:0'] : []), '--import', 'tsx', 'server/main.ts'], {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      ...(process.env.DOCKER_HOST ? { DOCKER_HOST: process.env.DOCKER_HOST } : {}),
      PORT: '0',
      HOST: '127.0.0.1',
      TANDEM_DATA_DIR: database.dataDir,
      JWT_SECRET,
      LOG_LEVEL: 'info',
      AUTH_RATE_LIMIT_PER_MINUTE: '100000',
      SHUTDOWN_TIMEOUT_MS: '5000',
      ...(database.url ? { DATABASE_URL: database.url } : {}),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  // Only the tail is kept: the output is read for the ready line, and for the reason if it dies.
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-200_000));
  // The server's warnings and errors are passed on: a bench figure means little if the server complained.
  let partial = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    keep(chunk);
    const lines = (partial + chunk.toString()).split('\n');
    partial = lines.pop()!;
    for (const line of lines) if (/"level":[4-6]\d/.test(line)) process.stderr.write(`[server ${child.pid}] ${line.slice(0, 1000)}\n`);
  });
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  exited.then(() => children.delete(child));
  const deadline = Date.now() + 60_000;
  let url: string | undefined;
  while (!url) {
    const line = output.split('\n').find((l) => l.includes('"Tandem server ready"'));
    if (line) url = (JSON.parse(line) as { url: string }).url;
    else if (child.exitCode !== null) throw new Error(`the server exited early:\n${output}`);
    else if (Date.now() > deadline) throw new Error(`the server did not become ready:\n${output}`);
    else await sleep(50);
  }
  const inspectorUrl = /Debugger listening on (ws:\/\/\S+)/.exec(output)?.[1];
  return {
    url,
    pid: child.pid!,
    inspectorUrl,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** The resident set of a process, from /proc. */
function rssBytes(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmRSS for ${pid}`);
  return Number(match[1]) * 1024;
}

const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** User and system CPU time a process has used, from /proc. */
function cpuSeconds(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/** The server's own view of its memory, through the inspector: heap figures after a full collection. */
async function inspectMemory(inspectorUrl: string): Promise<NodeJS.MemoryUsage> {
  const socket = new WebSocket(inspectorUrl);
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  let id = 0;
  const call = (method: string, params: object = {}) =>
    new Promise<{ result?: { value?: unknown } }>((resolve, reject) => {
      const mine = ++id;
      const onMessage = (data: Buffer) => {
        const message = JSON.parse(data.toString()) as { id?: number; result?: { result?: { value?: unknown } }; error?: unknown };
        if (message.id !== mine) return;
        socket.off('message', onMessage);
        if (message.error) reject(new Error(JSON.stringify(message.error)));
        else resolve(message.result ?? {});
      };
      socket.on('message', onMessage);
      socket.send(JSON.stringify({ id: mine, method, params }));
    });
  try {
    await call('HeapProfiler.collectGarbage');
    const evaluated = await call('Runtime.evaluate', { expression: 'JSON.stringify(process.memoryUsage())', returnByValue: true });
    return JSON.parse(evaluated.result!.value as string) as NodeJS.MemoryUsage;
  } finally {
    socket.close();
  }
}

// ---------------------------------------------------------------------------------------------------------
// Accounts, projects, files and clients

interface Account {
  username: string;
  token: string;
}

/** `count` accounts named for the section that uses them: the sections share one database. */
async function register(url: string, section: Section, count: number): Promise<Account[]> {
  const api = httpClient(url);
  const accounts: Account[] = [];
  for (let i = 0; i < count; i += 1) {
    const username = `bench-${process.pid}-${section}-${i}`;
    const response = await api.post('/api/auth/register', { username, email: `${username}@example.com`, password: PASSWORD });
    if (response.status !== 201) throw new Error(`register: ${response.status} ${response.text}`);
    accounts.push({ username, token: AuthResponse.parse(response.body).accessToken });
  }
  return accounts;
}

/** Fresh access tokens (they last 15 minutes; the bench runs longer) from a restarted server. */
async function signIn(url: string, accounts: Account[]): Promise<void> {
  const api = httpClient(url);
  for (const account of accounts) {
    const response = await api.post('/api/auth/login', { login: account.username, password: PASSWORD });
    if (response.status !== 200) throw new Error(`login: ${response.status} ${response.text}`);
    account.token = AuthResponse.parse(response.body).accessToken;
  }
}

async function createProject(url: string, owner: Account, name: string, members: Account[]): Promise<string> {
  const api = httpClient(url);
  const response = await api.post('/api/projects', { name }, { token: owner.token });
  if (response.status !== 201) throw new Error(`project: ${response.status} ${response.text}`);
  const projectId = ProjectResponse.parse(response.body).project.id;
  for (const member of members) {
    const added = await api.post(`/api/projects/${projectId}/members`, { login: member.username, role: 'editor' }, { token: owner.token });
    if (added.status !== 201) throw new Error(`member: ${added.status} ${added.text}`);
  }
  return projectId;
}

async function createFile(url: string, owner: Account, projectId: string, filePath: string, content: string): Promise<AutomergeUrl> {
  const response = await httpClient(url).post(`/api/projects/${projectId}/files`, { path: filePath, content }, { token: owner.token });
  if (response.status !== 201) throw new Error(`file ${filePath}: ${response.status} ${response.text}`);
  return FileResponse.parse(response.body).file.docUrl as AutomergeUrl;
}

async function readContent(url: string, owner: Account, projectId: string, filePath: string): Promise<string> {
  const response = await httpClient(url).get(`/api/projects/${projectId}/files/content?path=${encodeURIComponent(filePath)}`, {
    token: owner.token,
  });
  if (response.status !== 200) throw new Error(`read ${filePath}: ${response.status} ${response.text}`);
  return response.text;
}

interface Counted extends SyncClient {
  /** Bytes of sync protocol messages (WebSocket payloads, without framing) each way since the last reset. */
  traffic: { sent: number; received: number; messagesSent: number; messagesReceived: number };
}

/** A sync client whose adapter counts what it sends and receives; nothing of Tandem's is changed. */
function countedClient(url: string, account: Account, syncThrottleMs: number): Counted {
  const sync = syncClient(url, account.token, { syncThrottleMs });
  const traffic = { sent: 0, received: 0, messagesSent: 0, messagesReceived: 0 };
  const adapter = sync.adapter;
  const send = adapter.send.bind(adapter);
  adapter.send = (message: Parameters<typeof send>[0]) => {
    traffic.sent += cbor.encode(message).byteLength;
    traffic.messagesSent += 1;
    send(message);
  };
  const receive = adapter.receiveMessage.bind(adapter);
  adapter.receiveMessage = (bytes: Uint8Array) => {
    traffic.received += bytes.byteLength;
    traffic.messagesReceived += 1;
    receive(bytes);
  };
  return { ...sync, traffic };
}

const resetTraffic = (c: Counted) => Object.assign(c.traffic, { sent: 0, received: 0, messagesSent: 0, messagesReceived: 0 });

async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, intervalMs = 5): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (await check()) return true;
    await sleep(intervalMs);
  }
  return check();
}

/** Closes clients and forgets them. */
async function closeClients(clients: SyncClient[], openClients: SyncClient[]): Promise<void> {
  for (const c of clients) {
    const at = openClients.indexOf(c);
    if (at >= 0) openClients.splice(at, 1);
  }
  await Promise.all(clients.map((c) => c.close()));
}

async function connected(c: SyncClient): Promise<void> {
  if (!(await until(() => c.repo.peers.length > 0, 15_000, 10))) throw new Error('a client did not connect to the server');
}

// ---------------------------------------------------------------------------------------------------------
// 1. Change-to-peer latency

type Setting = 'before' | 'after';
const settings: Record<Setting, { clientThrottleMs: number; serverThrottleMs: number; label: string }> = {
  before: { clientThrottleMs: DEFAULT_THROTTLE_MS, serverThrottleMs: DEFAULT_THROTTLE_MS, label: 'automerge-repo default' },
  after: { clientThrottleMs: CLIENT_SYNC_THROTTLE_MS, serverThrottleMs: SERVER_THROTTLE_MS, label: 'Tandem' },
};

interface Summary {
  samples: number;
  medianMs: number;
  p99Ms: number;
  meanMs: number;
  maxMs: number;
}

function summarise(values: number[]): Summary {
  return {
    samples: values.length,
    medianMs: round(median(values), 2),
    p99Ms: round(percentile(values, 99), 2),
    meanMs: round(values.reduce((a, b) => a + b, 0) / values.length, 2),
    maxMs: round(Math.max(...values), 2),
  };
}

interface LatencyCase {
  setting: Setting;
  clientThrottleMs: number;
  serverThrottleMs: number;
  clients: number;
  receivers: number;
  charsPerSecond: number;
  edits: number;
  warmupEdits: number;
  /** Every receiver, every edit: time from the sender's change until that receiver's document held it. */
  perReceiver: Summary;
  /** Every edit: time until the last receiver held it. */
  allReceivers: Summary;
  /** The first receiver alone (the one the server's messages reach first). */
  firstReceiver: Summary;
  /** Each receiver's median, in the order they were connected: all share the bench's one thread. */
  perReceiverMedianMs: number[];
  /** Edits some receiver never got within the wait (none expected). */
  missing: number;
  converged: boolean;
  /** CPU time over the typing, as a percentage of one core: the server process, and the bench's (all clients). */
  cpuPercent: { server: number; benchProcess: number };
  /** Milliseconds, [receiver][edit], warm-up edits left out. */
  rawMs: number[][];
}

async function latencyCase(
  server: ServerProcess,
  accounts: Account[],
  projectId: string,
  setting: Setting,
  clients: number,
  rate: 5 | 30,
): Promise<LatencyCase> {
  const { clientThrottleMs, serverThrottleMs } = settings[setting];
  const edits = EDITS[rate];
  const filePath = `latency/${setting}-${clients}-clients-${rate}-cps.ts`;
  const docUrl = await createFile(server.url, accounts[0]!, projectId, filePath, sourceFile(clients * 100 + rate, INITIAL_CHARS));
  const syncClients = accounts
    .slice(0, clients)
    .map((account) => syncClient(server.url, account.token, { syncThrottleMs: clientThrottleMs }));
  try {
    // Connected first: a repo that has not heard from the server within a second reports the file unavailable.
    await Promise.all(syncClients.map(connected));
    const handles = await Promise.all(syncClients.map((c) => c.repo.find<FileDocument>(docUrl)));
    if (!(await until(() => handles.every((h) => h.doc().content.length === INITIAL_CHARS), 30_000))) {
      throw new Error('the clients did not all load the file');
    }
    await sleep(1000);
    const [sender, ...receivers] = handles as [DocHandle<FileDocument>, ...DocHandle<FileDocument>[]];
    const total = WARMUP_EDITS + edits;
    const sentAt = new Float64Array(total).fill(NaN);
    const arrivedAt = receivers.map(() => new Float64Array(total).fill(NaN));
    const next = receivers.map(() => 0);
    // Only insertions: edit i has arrived once the receiver's text is INITIAL_CHARS + i + 1 long.
    const listeners = receivers.map((handle, r) => {
      const listener = ({ doc }: DocHandleChangePayload<FileDocument>) => {
        const length = doc.content.length;
        const now = performance.now();
        while (next[r]! < total && INITIAL_CHARS + next[r]! + 1 <= length) arrivedAt[r]![next[r]!++] = now;
      };
      handle.on('change', listener);
      return listener;
    });
    const random = rng(rate * 1000 + clients);
    let cursor = INITIAL_CHARS;
    const interval = 1000 / rate;
    const cpuBefore = { server: cpuSeconds(server.pid), bench: process.cpuUsage() };
    const started = performance.now();
    for (let i = 0; i < total; i += 1) {
      const wait = started + i * interval - performance.now();
      if (wait > 0) await sleep(wait);
      const length = INITIAL_CHARS + i;
      // Typing runs at a cursor that now and then moves: to the end, or anywhere.
      if (i % 40 === 0) cursor = random() < 0.3 ? length : Math.floor(random() * (length + 1));
      const at = Math.min(cursor, length);
      const char = String.fromCharCode(97 + (i % 26));
      sentAt[i] = performance.now();
      sender.change((doc) => Automerge.splice(doc, ['content'], at, 0, char));
      cursor = at + 1;
    }
    await until(() => next.every((n) => n === total), 30_000, 20);
    const seconds = (performance.now() - started) / 1000;
    const benchCpu = process.cpuUsage(cpuBefore.bench);
    const cpuPercent = {
      server: round(((cpuSeconds(server.pid) - cpuBefore.server) / seconds) * 100),
      benchProcess: round(((benchCpu.user + benchCpu.system) / 1e6 / seconds) * 100),
    };
    receivers.forEach((handle, r) => handle.off('change', listeners[r]));
    const rawMs = arrivedAt.map((times) => Array.from(times.slice(WARMUP_EDITS), (t, i) => round(t - sentAt[WARMUP_EDITS + i]!, 2)));
    const perReceiver = rawMs.flat().filter((v) => !Number.isNaN(v));
    const allReceivers: number[] = [];
    for (let i = 0; i < edits; i += 1) {
      const times = rawMs.map((row) => row[i]!);
      if (times.every((t) => !Number.isNaN(t))) allReceivers.push(Math.max(...times));
    }
    const content = sender.doc().content;
    return {
      setting,
      clientThrottleMs,
      serverThrottleMs,
      clients,
      receivers: receivers.length,
      charsPerSecond: rate,
      edits,
      warmupEdits: WARMUP_EDITS,
      perReceiver: summarise(perReceiver),
      allReceivers: summarise(allReceivers),
      firstReceiver: summarise(rawMs[0]!.filter((v) => !Number.isNaN(v))),
      perReceiverMedianMs: rawMs.map((row) => round(median(row.filter((v) => !Number.isNaN(v))), 1)),
      missing: edits * receivers.length - perReceiver.length,
      converged: receivers.every((h) => h.doc().content === content),
      cpuPercent,
      rawMs,
    };
  } finally {
    await Promise.all(syncClients.map((c) => c.close()));
  }
}

// ---------------------------------------------------------------------------------------------------------
// 3. Long history

type TraceOp = [number, number, string?];
const trace = JSON.parse(fs.readFileSync(TRACE_PATH, 'utf8')) as TraceOp[];

const applyOp = (doc: FileDocument, [position, deleteCount, text]: TraceOp) =>
  Automerge.splice(doc, ['content'], position, deleteCount, text ?? '');

/** Polls the server's own copy of a file through REST until it reads `expected`. */
const serverHas = (
  server: ServerProcess,
  owner: Account,
  projectId: string,
  filePath: string,
  expected: string,
  timeoutMs: number,
  intervalMs: number,
) => until(async () => (await readContent(server.url, owner, projectId, filePath)) === expected, timeoutMs, intervalMs);

/**
 * Keystrokes between two turns of the event loop, as an editor yields between keystrokes. Every client shares the
 * bench's thread, and the server ends a connection that has not answered its ping for 15 to 30 s: a loop that held
 * the thread that long (as building the trace in one go did) would cut the others off mid-sync.
 */
const TYPING_SLICE = 2000;

/**
 * A client types the first `ops` operations of the trace while disconnected, one `handle.change` with one
 * `Automerge.splice` per operation (as the IDE's editor binding makes them), then reconnects; timed until the
 * server's copy, read through REST, holds the whole text, and, with a watcher, until a second client has it.
 */
async function offlineSession(
  server: ServerProcess,
  accounts: Account[],
  projectId: string,
  filePath: string,
  ops: number,
  options: { watcher: boolean; pollMs: number; timeoutMs: number },
  openClients: SyncClient[],
) {
  const owner = accounts[0]!;
  const docUrl = await createFile(server.url, owner, projectId, filePath, '');
  const roaming = countedClient(server.url, owner, CLIENT_SYNC_THROTTLE_MS);
  const watcher = options.watcher ? countedClient(server.url, accounts[1]!, CLIENT_SYNC_THROTTLE_MS) : undefined;
  const clients = watcher ? [roaming, watcher] : [roaming];
  openClients.push(...clients);
  try {
    await Promise.all(clients.map(connected));
    const roamingHandle = await roaming.repo.find<FileDocument>(docUrl);
    const watcherHandle = watcher ? await watcher.repo.find<FileDocument>(docUrl) : undefined;
    await sleep(500);
    roaming.goOffline();
    if (!(await until(() => roaming.repo.peers.length === 0, 5000))) throw new Error('the roaming client did not go offline');
    const typingStarted = performance.now();
    for (let i = 0; i < ops; i += 1) {
      roamingHandle.change((doc) => applyOp(doc, trace[i]!));
      if ((i + 1) % TYPING_SLICE === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    const typingMs = performance.now() - typingStarted;
    const expected = roamingHandle.doc().content;
    const changes = Automerge.stats(roamingHandle.doc()).numChanges;
    await sleep(300);
    resetTraffic(roaming);
    let started = NaN;
    let peerMs = NaN;
    const onWatcherChange = ({ doc }: DocHandleChangePayload<FileDocument>) => {
      if (Number.isNaN(peerMs) && doc.content === expected) peerMs = performance.now() - started;
    };
    watcherHandle?.on('change', onWatcherChange);
    started = performance.now();
    roaming.goOnline();
    const synced = await serverHas(server, owner, projectId, filePath, expected, options.timeoutMs, options.pollMs);
    const serverMs = performance.now() - started;
    if (watcherHandle) {
      await until(() => !Number.isNaN(peerMs), 30_000, 10);
      watcherHandle.off('change', onWatcherChange);
    }
    const result = {
      edits: ops,
      changes,
      changesMade: `one handle.change with one Automerge.splice per trace operation, while disconnected (the event loop turns every ${TYPING_SLICE})`,
      finalChars: expected.length,
      typingMs: round(typingMs),
      typingMsPerEdit: round(typingMs / ops, 3),
      synced,
      reconnectToServerHasThemMs: round(serverMs),
      reconnectToOtherClientHasThemMs: watcherHandle ? round(peerMs) : undefined,
      clientSentBytes: roaming.traffic.sent,
      clientSentMessages: roaming.traffic.messagesSent,
      clientReceivedBytes: roaming.traffic.received,
      clientReceivedMessages: roaming.traffic.messagesReceived,
      note:
        `Times include fetching a ticket and opening the WebSocket; the server copy is polled through REST every ${options.pollMs} ms. ` +
        'Bytes are sync protocol messages (CBOR) as the client adapter sends and receives them, without WebSocket framing.',
    };
    const saved = synced ? Automerge.save(roamingHandle.doc()) : undefined;
    return { result, docUrl, text: expected, saved };
  } finally {
    await closeClients(clients, openClients);
  }
}

/** Automerge.load of a saved document in this process, no network: the median of three (the first is the slowest). */
function localLoad(saved: Uint8Array) {
  const loadsMs = [0, 1, 2].map(() => {
    const started = performance.now();
    Automerge.load<FileDocument>(saved);
    return round(performance.now() - started);
  });
  return { savedBytes: saved.byteLength, loadsMs, medianMs: median(loadsMs) };
}

interface Load {
  ms: number;
  /** When the largest message (the document) reached the client, and what applying sync messages cost it. */
  documentArrivedMs: number;
  clientApplyMs: number;
  receivedBytes: number;
}

/** From a connected client's `find` to a ready handle holding the whole text. */
async function loadOnce(
  server: ServerProcess,
  owner: Account,
  docUrl: AutomergeUrl,
  text: string,
  openClients: SyncClient[],
): Promise<Load> {
  const reader = countedClient(server.url, owner, CLIENT_SYNC_THROTTLE_MS);
  openClients.push(reader);
  await connected(reader);
  resetTraffic(reader);
  let largest = 0;
  let documentArrivedAt = NaN;
  const receive = reader.adapter.receiveMessage.bind(reader.adapter);
  reader.adapter.receiveMessage = (bytes: Uint8Array) => {
    if (bytes.byteLength > largest) [largest, documentArrivedAt] = [bytes.byteLength, performance.now()];
    receive(bytes);
  };
  let clientApplyMs = 0;
  reader.repo.on('doc-metrics', (event) => {
    if (event.type === 'receive-sync-message') clientApplyMs += event.durationMillis;
  });
  const started = performance.now();
  const handle = await reader.repo.find<FileDocument>(docUrl);
  if (handle.doc().content !== text) throw new Error('the trace document loaded incomplete');
  const load = {
    ms: round(performance.now() - started),
    documentArrivedMs: round(documentArrivedAt - started),
    clientApplyMs: round(clientApplyMs),
    receivedBytes: reader.traffic.received,
  };
  await closeClients([reader], openClients);
  log(
    `  ${load.ms} ms (the document arrived after ${load.documentArrivedMs} ms; applying sync messages took the client ${load.clientApplyMs} ms)`,
  );
  return load;
}

/** What a cold load reads: the document's chunks in storage (PostgreSQL only: PGlite lives inside the server). */
async function storedChunks(docUrl: AutomergeUrl) {
  if (!database.url) return undefined;
  return withAdmin(database.url, async (db) => {
    const { rows } = await db.query<{ kind: string; chunks: string; bytes: string }>(
      `SELECT split_part(key, '/', 2) AS kind, count(*) AS chunks, sum(length(data)) AS bytes FROM sync_chunks WHERE doc_id = $1 GROUP BY 1 ORDER BY 1`,
      [docUrl.slice('automerge:'.length)],
    );
    return rows.map((row) => ({ kind: row.kind, chunks: Number(row.chunks), bytes: Number(row.bytes) }));
  }).catch((error: unknown) => {
    log(`could not read the stored chunks: ${String(error)}`);
    return undefined;
  });
}

/**
 * Automerge alone, no network: what one keystroke costs the side that makes it and a side that receives it
 * (Automerge.receiveSyncMessage), by length of text. Every receiver and the server pay the second per edit.
 */
function keystrokeCost(chars: number) {
  let typist = Automerge.from({ content: sourceFile(chars, chars) });
  let reader = Automerge.load<FileDocument>(Automerge.save(typist));
  let typistState = Automerge.initSyncState();
  let readerState = Automerge.initSyncState();
  const exchange = () => {
    for (let step = 0; step < 10; step += 1) {
      let toReader: Uint8Array | null;
      let toTypist: Uint8Array | null;
      [typistState, toReader] = Automerge.generateSyncMessage(typist, typistState);
      if (toReader) [reader, readerState] = Automerge.receiveSyncMessage(reader, readerState, toReader);
      [readerState, toTypist] = Automerge.generateSyncMessage(reader, readerState);
      if (toTypist) [typist, typistState] = Automerge.receiveSyncMessage(typist, typistState, toTypist);
      if (!toReader && !toTypist) return;
    }
  };
  exchange();
  const random = rng(chars);
  const local: number[] = [];
  const remote: number[] = [];
  for (let i = 0; i < 100; i += 1) {
    const at = Math.floor(random() * chars);
    let started = performance.now();
    typist = Automerge.change(typist, (doc) => Automerge.splice(doc, ['content'], at, 0, 'x'));
    local.push(performance.now() - started);
    const [nextState, message] = Automerge.generateSyncMessage(typist, typistState);
    typistState = nextState;
    started = performance.now();
    [reader, readerState] = Automerge.receiveSyncMessage(reader, readerState, message!);
    remote.push(performance.now() - started);
    exchange();
  }
  return { chars, localChangeMs: round(median(local), 3), remoteApplyMs: round(median(remote), 3) };
}

// ---------------------------------------------------------------------------------------------------------
// 2. Memory per open document

/** Makes MEMORY_DOCS files; returns their URLs and lengths. */
async function makeMemoryFiles(server: ServerProcess, owner: Account) {
  const projectId = await createProject(server.url, owner, 'Memory', []);
  const urls: AutomergeUrl[] = [];
  const lengths: number[] = [];
  const sizes = rng(7);
  for (let i = 0; i < MEMORY_DOCS; i += 4) {
    const batch = Array.from({ length: Math.min(4, MEMORY_DOCS - i) }, (_, k) => i + k);
    await Promise.all(
      batch.map(async (n) => {
        const content = sourceFile(n, 2048 + Math.floor(sizes() * 2048));
        lengths[n] = content.length;
        urls[n] = await createFile(server.url, owner, projectId, `src/module-${String(n).padStart(4, '0')}.ts`, content);
      }),
    );
  }
  return { urls, lengths };
}

/** On a fresh server process (nothing loaded): its memory before and after one client opens every file. */
async function measureMemory(
  server: ServerProcess,
  owner: Account,
  files: { urls: AutomergeUrl[]; lengths: number[] },
  openClients: SyncClient[],
) {
  await sleep(2000);
  const rssBefore = rssBytes(server.pid);
  const heapBefore = server.inspectorUrl ? await inspectMemory(server.inspectorUrl) : undefined;
  const opener = syncClient(server.url, owner.token);
  openClients.push(opener);
  await connected(opener);
  const started = performance.now();
  for (let i = 0; i < MEMORY_DOCS; i += 50) {
    const handles = await Promise.all(files.urls.slice(i, i + 50).map((docUrl) => opener.repo.find<FileDocument>(docUrl)));
    handles.forEach((handle, k) => {
      if (handle.doc().content.length !== files.lengths[i + k]) throw new Error(`document ${i + k} did not load whole`);
    });
  }
  const openMs = performance.now() - started;
  await sleep(2000);
  const rssAfter = rssBytes(server.pid);
  const heapAfter = server.inspectorUrl ? await inspectMemory(server.inspectorUrl) : undefined;
  await Promise.all(openClients.splice(0).map((c) => c.close()));
  const perDocument = (before: number, after: number) => Math.round((after - before) / MEMORY_DOCS);
  return {
    documents: MEMORY_DOCS,
    averageChars: Math.round(files.lengths.reduce((a, b) => a + b, 0) / MEMORY_DOCS),
    openAllMs: round(openMs),
    serverRssBeforeBytes: rssBefore,
    serverRssAfterBytes: rssAfter,
    rssPerDocumentBytes: perDocument(rssBefore, rssAfter),
    heapBefore,
    heapAfter,
    rssPerDocumentAfterGcBytes: heapBefore && heapAfter ? perDocument(heapBefore.rss, heapAfter.rss) : undefined,
    heapUsedPerDocumentBytes: heapBefore && heapAfter ? perDocument(heapBefore.heapUsed, heapAfter.heapUsed) : undefined,
    externalPerDocumentBytes: heapBefore && heapAfter ? perDocument(heapBefore.external, heapAfter.external) : undefined,
    note:
      'A fresh server process (nothing loaded), then one client finds every document (50 at a time). RSS from /proc/<pid>/status, ' +
      'before and 2 s after; heapBefore/heapAfter are process.memoryUsage() taken through the inspector (--inspect on this server ' +
      'process only) right after a forced garbage collection. Automerge documents live in WebAssembly memory, which RSS counts and ' +
      `the JS heap does not.${databaseKind === 'embedded' ? ' The embedded database runs inside the server process.' : ''}`,
  };
}

// ---------------------------------------------------------------------------------------------------------
// The run: each section on servers and accounts of its own, so any may run alone

const servers: ServerProcess[] = [];
const openClients: SyncClient[] = [];
const latency: LatencyCase[] = [];
let offline: Awaited<ReturnType<typeof offlineSession>>['result'] | undefined;
interface LongDocument {
  operations: number;
  wholeTrace: boolean;
  /** Typing it offline and syncing it. */
  typed: Awaited<ReturnType<typeof offlineSession>>['result'];
  localLoad?: ReturnType<typeof localLoad>;
  storedChunks?: Awaited<ReturnType<typeof storedChunks>>;
  cold: Load[];
  warm: Load[];
}
const longDocuments: LongDocument[] = [];
let memory: Awaited<ReturnType<typeof measureMemory>> | undefined;
const failures: Partial<Record<Section, string>> = {};
let keystrokes: ReturnType<typeof keystrokeCost>[] = [];

async function stopServer(server: ServerProcess): Promise<void> {
  const at = servers.indexOf(server);
  if (at >= 0) servers.splice(at, 1);
  await server.stop();
}

/** 1. Latency, before and after; and what a keystroke costs Automerge alone. */
async function runLatency(): Promise<void> {
  log('Automerge alone: the cost of one keystroke, typed and received');
  keystrokes = [1_000, 10_000, 100_000].map(keystrokeCost);
  let accounts: Account[] = [];
  let projectId = '';
  for (const setting of ['before', 'after'] as const) {
    const server = await startServerProcess(setting === 'before' ? { SYNC_THROTTLE_MS: String(DEFAULT_THROTTLE_MS) } : {});
    servers.push(server);
    log(`server (${settings[setting].label} throttle) at ${server.url}, pid ${server.pid}`);
    if (accounts.length === 0) {
      accounts = await register(server.url, 'latency', Math.max(...CLIENT_COUNTS));
      projectId = await createProject(server.url, accounts[0]!, 'Latency', accounts.slice(1));
    } else {
      await signIn(server.url, accounts);
    }
    for (const clients of CLIENT_COUNTS) {
      for (const rate of RATES) {
        log(`latency: ${setting}, ${clients} clients, ${rate} chars/s, ${EDITS[rate]} edits`);
        const result = await latencyCase(server, accounts, projectId, setting, clients, rate);
        latency.push(result);
        log(
          `  per receiver median ${result.perReceiver.medianMs} ms, p99 ${result.perReceiver.p99Ms} ms; ` +
            `all receivers p99 ${result.allReceivers.p99Ms} ms; missing ${result.missing}; ` +
            `CPU: server ${result.cpuPercent.server} %, bench ${result.cpuPercent.benchProcess} %`,
        );
        await sleep(500);
      }
    }
    await stopServer(server);
  }
}

/** 2. Memory: the files are made on one server, and measured on a fresh one that has loaded nothing. */
async function runMemory(): Promise<void> {
  const server = await startServerProcess();
  servers.push(server);
  const [owner] = (await register(server.url, 'memory', 1)) as [Account];
  log(`memory: creating ${MEMORY_DOCS} files`);
  const files = await makeMemoryFiles(server, owner);
  await stopServer(server);
  const memoryServer = await startServerProcess({}, { inspect: true });
  servers.push(memoryServer);
  await signIn(memoryServer.url, [owner]);
  log(`memory: one client opens them all`);
  memory = await measureMemory(memoryServer, owner, files, openClients);
  log(`  ${round(memory.rssPerDocumentBytes / 1024)} KiB RSS per document`);
  await stopServer(memoryServer);
}

/** 3. Long history, with Tandem's settings: offline edits, long documents typed offline, and loading those. */
async function runHistory(): Promise<void> {
  const server = await startServerProcess();
  servers.push(server);
  const accounts = await register(server.url, 'history', 2);
  const owner = accounts[0]!;
  const projectId = await createProject(server.url, owner, 'History', accounts.slice(1));
  log(`long history: ${OFFLINE_EDITS} offline edits`);
  offline = (
    await offlineSession(
      server,
      accounts,
      projectId,
      'history/offline-edits.tex',
      OFFLINE_EDITS,
      { watcher: true, pollMs: 10, timeoutMs: 120_000 },
      openClients,
    )
  ).result;
  log(`  the server has them ${offline.reconnectToServerHasThemMs} ms after reconnecting; ${offline.clientSentBytes} bytes sent`);
  if (!offline.synced) throw new Error(`the server did not get the ${OFFLINE_EDITS} offline edits`);

  const typed: { document: LongDocument; docUrl: AutomergeUrl; text: string }[] = [];
  for (const wanted of LONG_DOCUMENT_OPS) {
    const operations = wanted === 'whole trace' ? trace.length : Math.min(wanted, trace.length);
    log(`long history: ${operations} operations of the trace typed offline, one change each, then synced`);
    const session = await offlineSession(
      server,
      accounts,
      projectId,
      `history/editing-trace-${operations}.tex`,
      operations,
      { watcher: false, pollMs: 100, timeoutMs: 300_000 },
      openClients,
    );
    const document: LongDocument = { operations, wholeTrace: operations === trace.length, typed: session.result, cold: [], warm: [] };
    longDocuments.push(document);
    const t = session.result;
    log(
      `  typed in ${round(t.typingMs / 1000)} s (${t.typingMsPerEdit} ms a keystroke): ${t.finalChars} chars, ${t.changes} changes; ` +
        `the server has it ${t.reconnectToServerHasThemMs} ms after reconnecting; ${t.clientSentBytes} bytes sent`,
    );
    if (!t.synced || !session.saved) throw new Error(`the server did not get the ${operations}-operation document`);
    document.localLoad = localLoad(session.saved);
    log(`  saved: ${document.localLoad.savedBytes} bytes; Automerge.load in this process ${document.localLoad.medianMs} ms`);
    typed.push({ document, docUrl: session.docUrl, text: session.text });
  }
  await stopServer(server);

  // Loading each: cold (a fresh server process each time), then warm (the last of them holds it).
  for (const { document, docUrl, text } of typed) {
    document.storedChunks = await storedChunks(docUrl);
    if (document.storedChunks) log(`the ${document.operations}-operation document in storage: ${JSON.stringify(document.storedChunks)}`);
    let loadServer: ServerProcess | undefined;
    for (let i = 0; i < COLD_LOADS; i += 1) {
      if (loadServer) await stopServer(loadServer);
      loadServer = await startServerProcess();
      servers.push(loadServer);
      await signIn(loadServer.url, [owner]);
      await sleep(1000);
      log(`load the ${document.operations}-operation document: cold ${i + 1} of ${COLD_LOADS}`);
      document.cold.push(await loadOnce(loadServer, owner, docUrl, text, openClients));
    }
    for (let k = 0; k < WARM_LOADS; k += 1) {
      log(`load the ${document.operations}-operation document: warm ${k + 1} of ${WARM_LOADS}`);
      document.warm.push(await loadOnce(loadServer!, owner, docUrl, text, openClients));
    }
    await stopServer(loadServer!);
  }
}

const runners: Record<Section, () => Promise<void>> = { latency: runLatency, memory: runMemory, history: runHistory };
log(`sections: ${sections.join(', ')}${QUICK ? ' (quick)' : ''}`);
try {
  for (const section of sections) {
    try {
      await runners[section]();
    } catch (error) {
      failures[section] = error instanceof Error ? (error.stack ?? error.message) : String(error);
      process.stderr.write(`\nthe sync bench's ${section} section failed: ${failures[section]}\n`);
    } finally {
      await Promise.all(openClients.splice(0).map((c) => c.close().catch(() => undefined)));
      await Promise.all(servers.splice(0).map((s) => s.stop()));
    }
  }
} finally {
  await database.drop().catch((error: unknown) => log(`could not drop the database: ${String(error)}`));
}
const failure = Object.keys(failures).length > 0 ? failures : undefined;
const durationSeconds = round((performance.now() - benchStarted) / 1000);

// ---------------------------------------------------------------------------------------------------------
// The table and the JSON

const rows: string[][] = [];
const met = (ok: boolean) => (ok ? 'met' : 'missed');
const ms = (value: number) => `${value} ms`;
const kib = (bytes: number) => `${round(bytes / 1024)} KiB`;
const mib = (bytes: number) => `${round(bytes / 2 ** 20)} MiB`;
const row = (measure: string, clients: string, rate: string, edits: string, med: string, p99 = '', target = '', ok = '') =>
  rows.push([measure, clients, rate, edits, med, p99, target, ok]);

for (const c of latency) {
  const name = `change-to-peer, ${c.setting} (client ${c.clientThrottleMs} ms / server ${c.serverThrottleMs} ms throttle)`;
  const target = `p99 ≤ ${LATENCY_TARGET_P99_MS} ms`;
  const at = [String(c.clients), `${c.charsPerSecond}/s`, String(c.edits)] as const;
  const ok = (s: Summary) => met(s.p99Ms <= LATENCY_TARGET_P99_MS && c.missing === 0);
  row(`${name}, per receiver`, ...at, ms(c.perReceiver.medianMs), ms(c.perReceiver.p99Ms), target, ok(c.perReceiver));
  if (c.receivers > 1) {
    row(
      `${name}, until all ${c.receivers} have it`,
      ...at,
      ms(c.allReceivers.medianMs),
      ms(c.allReceivers.p99Ms),
      target,
      ok(c.allReceivers),
    );
    row(`${name}, first receiver only`, ...at, ms(c.firstReceiver.medianMs), ms(c.firstReceiver.p99Ms));
  }
}
if (memory) {
  const docs = `${MEMORY_DOCS} files of 2–4 KB`;
  row(
    `server RSS per open document (${docs})`,
    '1',
    '',
    '',
    kib(memory.rssPerDocumentBytes),
    '',
    '≤ 1 MiB',
    met(memory.rssPerDocumentBytes <= MEMORY_TARGET_BYTES),
  );
  row(`server RSS before → after opening them`, '1', '', '', `${mib(memory.serverRssBeforeBytes)} → ${mib(memory.serverRssAfterBytes)}`);
  if (memory.rssPerDocumentAfterGcBytes !== undefined && memory.heapUsedPerDocumentBytes !== undefined) {
    row(`server RSS per open document, both after a forced GC`, '1', '', '', kib(memory.rssPerDocumentAfterGcBytes));
    row(`server JS heap used per open document, after GC`, '1', '', '', kib(memory.heapUsedPerDocumentBytes));
  }
}
if (offline) {
  const o = offline;
  const at = ['2', '', String(OFFLINE_EDITS)] as const;
  row(
    `${OFFLINE_EDITS} offline edits: reconnect → server has them`,
    ...at,
    ms(o.reconnectToServerHasThemMs),
    '',
    '',
    o.synced ? '' : 'not synced',
  );
  if (o.reconnectToOtherClientHasThemMs !== undefined) {
    row(`${OFFLINE_EDITS} offline edits: reconnect → the other client has them`, ...at, ms(o.reconnectToOtherClientHasThemMs));
  }
  row(`${OFFLINE_EDITS} offline edits: typing them (one handle.change each)`, ...at, ms(o.typingMs));
  row(
    `${OFFLINE_EDITS} offline edits: bytes the client sent / received`,
    ...at,
    `${kib(o.clientSentBytes)} / ${kib(o.clientReceivedBytes)}`,
  );
}
const describe = (d: LongDocument) =>
  `${d.typed.changes}-change document (${d.wholeTrace ? 'the whole trace' : `the trace's first ${d.operations} ops`})`;
longDocuments.forEach((d, index) => {
  const t = d.typed;
  const at = ['1', '', String(d.operations)] as const;
  const what = d.wholeTrace ? 'the whole editing trace' : `the editing trace's first ${d.operations} ops`;
  row(`${what} typed offline, one handle.change per op: typing`, ...at, ms(t.typingMs));
  row(`${what} typed offline: reconnect → server has it`, ...at, ms(t.reconnectToServerHasThemMs), '', '', t.synced ? '' : 'not synced');
  row(`${what} typed offline: bytes the client sent / received`, ...at, `${kib(t.clientSentBytes)} / ${kib(t.clientReceivedBytes)}`);
  if (d.cold.length > 0) {
    const coldMs = d.cold.map((c) => c.ms);
    row(`load the ${describe(d)}, cold (fresh server)`, '1', '', '', ms(median(coldMs)), `max ${ms(Math.max(...coldMs))}`);
  }
  if (d.warm.length > 0) {
    const warmMs = d.warm.map((w) => w.ms);
    const worst = Math.max(...warmMs);
    const targeted = index === TARGET_DOCUMENT;
    row(
      `load the ${describe(d)}, warm`,
      '1',
      '',
      '',
      ms(median(warmMs)),
      `max ${ms(worst)}`,
      targeted ? `≤ ${WARM_TARGET_MS} ms` : '',
      targeted ? met(worst <= WARM_TARGET_MS) : '',
    );
    row(`  of which: the document reaching the client`, '1', '', '', ms(median(d.warm.map((w) => w.documentArrivedMs))));
    row(`  of which: the client applying it`, '1', '', '', ms(median(d.warm.map((w) => w.clientApplyMs))));
  }
});
for (const k of keystrokes) {
  row(
    `(reference) Automerge, one keystroke on ${k.chars} chars: typed / received`,
    '',
    '',
    '',
    `${ms(k.localChangeMs)} / ${ms(k.remoteApplyMs)}`,
  );
}
for (const d of longDocuments) {
  if (d.localLoad) row(`(reference) Automerge.load of the ${describe(d)}, in process`, '', '', '', ms(d.localLoad.medianMs));
}

const header = ['measure', 'clients', 'rate', 'edits', 'median', 'p99', 'target', 'met'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]) => `| ${cells.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ')} |\n`;
process.stdout.write(`\nSync bench: ${databaseKind} database, node ${process.version}, ${os.cpus().length} CPUs, ${durationSeconds} s\n\n`);
process.stdout.write(line(header));
process.stdout.write(line(widths.map((w) => '-'.repeat(w))));
for (const r of rows) process.stdout.write(line(r));
process.stdout.write('\n');
if (latency.length > 0) {
  process.stdout.write(
    'Latency: median and p99 over every receiver and edit ("per receiver"), over edits of the time until the last receiver had it, ' +
      "or over the first receiver's edits. The 19 receivers share the bench's one thread: each applies every edit in turn.\n",
  );
}
if (longDocuments.some((d) => d.cold.length > 0)) {
  process.stdout.write(`Loads: median of ${COLD_LOADS} cold and ${WARM_LOADS} warm; the p99 column gives the slowest.\n`);
}
for (const [section, reason] of Object.entries(failures)) {
  process.stdout.write(`\nThe ${section} section failed part way: ${reason.split('\n')[0]}\n`);
}

const results = {
  when: new Date().toISOString(),
  durationSeconds,
  machine: {
    node: process.version,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    memoryGb: round(os.totalmem() / 2 ** 30),
    platform: `${os.platform()} ${os.release()}`,
  },
  database: databaseKind,
  quick: QUICK,
  sections,
  failure,
  settings,
  targets: { latencyP99Ms: LATENCY_TARGET_P99_MS, memoryPerDocumentBytes: MEMORY_TARGET_BYTES, warmLoadMs: WARM_TARGET_MS },
  notes: [
    'All clients run in the bench process (one Node event loop); the server is a separate process (node --import tsx server/main.ts); loopback.',
    `Latency: ${WARMUP_EDITS} warm-up edits are typed first and left out; the 5 chars/s cases type ${EDITS[5]} edits (1,000 would take 200 s each), the 30 chars/s cases ${EDITS[30]}.`,
    'Latency per receiver: from just before the sender’s handle.change to the receiver’s “change” event whose text holds the edit. Edits are single-character insertions at a cursor that jumps every 40 edits (to the end or anywhere).',
    `The latency target (p99 ≤ ${LATENCY_TARGET_P99_MS} ms) is read from vendor/README.md, which names 100 ms p99 as the bar the default throttle misses.`,
  ],
  latency,
  keystrokeCost: keystrokes,
  memory,
  longHistory: {
    trace: { path: TRACE_PATH, operations: trace.length },
    offlineEdits: offline,
    longDocuments: longDocuments.map((d, index) => ({
      ...d,
      warmLoadTargetMs: index === TARGET_DOCUMENT ? WARM_TARGET_MS : undefined,
      coldMedianMs: d.cold.length ? median(d.cold.map((c) => c.ms)) : undefined,
      warmMedianMs: d.warm.length ? median(d.warm.map((w) => w.ms)) : undefined,
    })),
    notes: {
      typed:
        'Each long document is a new file (created empty through REST) that one client types offline, one handle.change per trace ' +
        'operation, and then syncs on reconnecting; timed from reconnecting until REST, polled every 100 ms, reads the whole text.',
      localLoad: 'Automerge.load of the document as its author saved it, in the bench process with no network: the median of three.',
      load:
        'From a connected client’s repo.find to a ready handle with the whole text. Cold: a fresh server process on the same database ' +
        '(the database’s own cache is warm after the first). Warm: new clients of the last of those servers, which holds the document ' +
        'since its cold load. documentArrivedMs: when the largest sync message (the document) reached the client; clientApplyMs: the ' +
        'client’s Automerge.receiveSyncMessage time, from automerge-repo’s doc-metrics.',
      warmTarget: `The warm-load target (≤ ${WARM_TARGET_MS} ms, the slowest of ${WARM_LOADS}) is set for the document of 100,000 edits.`,
    },
  },
};
// Raw sample arrays on one line each, the rest indented.
const json = JSON.stringify(results, null, 2).replace(
  /\[\s+([-\d.,\snul]+?)\s+\]/g,
  (_, inner: string) => `[${inner.replace(/\s+/g, '')}]`,
);
// A partial or quick run does not overwrite a full run's figures.
const partial = sections.length < SECTIONS.length ? `-${sections.join('-')}` : '';
const out = path.resolve(root, 'bench-results', `sync${partial}${QUICK ? '-quick' : ''}.json`);
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out, `${json}\n`);
process.stdout.write(`\nwritten to ${out}\n`);
process.exit(failure ? 1 : 0);
