import { useCallback, useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { utf8Length } from '../../../../../shared/protocol/runs.js';
import { RunStream, type RunStreamEvent } from '../../services/run-stream.js';
import { describeExit, describeRunError, isRunnable, type StatusTone } from './run-status.js';
import type { Runner } from './runner.js';
import './run-panel.css';

export interface RunPanelProps {
  /** Where runs go (the server, or this computer's Docker engine) and what they send. */
  runner: Runner;
  /** The project's file paths. */
  files: string[];
  /** The file open in the editor: the default entry, when it is runnable. */
  activePath: string | null;
  /** False offline (code runs on the server) or when code can run nowhere; the panel says why. */
  canRun: boolean;
  /** Why Run is disabled when `canRun` is false; the default says the server is unreachable. */
  cannotRunReason?: string;
  /** Where code runs, e.g. "Cloud (server)", "Local Docker (Colima)". */
  location: string;
  /** Each increment runs the selected entry (Ctrl/Cmd+Enter, bound by the workspace). */
  runTrigger: number;
}

type OutputKind = 'stdout' | 'stderr' | 'progress' | 'stdin' | 'notice';
interface Segment {
  key: number;
  kind: OutputKind;
  text: string;
}

// Output is kept in segments of at most this many characters, so new output re-renders only the last one.
const SEGMENT_CHARS = 8192;
const STICK_PX = 24;

const isMac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent);
const RUN_SHORTCUT = isMac ? '⌘Enter' : 'Ctrl+Enter';

interface Status {
  text: string;
  tone: StatusTone;
}
const IDLE: Status = { text: 'Not run yet', tone: 'idle' };

export function RunPanel(props: RunPanelProps) {
  const { runner, files, activePath, canRun, cannotRunReason, location, runTrigger } = props;
  const runnable = useMemo(() => files.filter(isRunnable).sort((a, b) => a.localeCompare(b)), [files]);

  // The entry follows the active file until the person picks one in the selector.
  const [picked, setPicked] = useState<string | null>(null);
  const followed = activePath !== null && isRunnable(activePath) && runnable.includes(activePath) ? activePath : null;
  const [lastFollowed, setLastFollowed] = useState<string | null>(followed);
  if (followed !== null && followed !== lastFollowed) setLastFollowed(followed);
  const fallback = (lastFollowed !== null && runnable.includes(lastFollowed) ? lastFollowed : null) ?? runnable[0] ?? null;
  const entry = picked !== null && runnable.includes(picked) ? picked : (followed ?? fallback);

  const [running, setRunning] = useState(false);
  const [stdinOpen, setStdinOpen] = useState(false);
  const [status, setStatus] = useState<Status>(IDLE);
  const [segments, setSegments] = useState<Segment[]>([]);
  const [stdinText, setStdinText] = useState('');
  const [startedAt, setStartedAt] = useState<number | null>(null);
  const [runningEntry, setRunningEntry] = useState<string | null>(null);
  const [now, setNow] = useState(() => Date.now());

  const streamRef = useRef<RunStream | null>(null);
  const outputRef = useRef<HTMLDivElement>(null);
  const stickRef = useRef(true);
  const pendingRef = useRef<Array<{ kind: OutputKind; text: string }>>([]);
  const frameRef = useRef<number | null>(null);
  const keyRef = useRef(0);
  const outputBytesRef = useRef(0);

  // Output can arrive thousands of times a second: it is batched into one render per frame.
  const flush = useCallback(() => {
    frameRef.current = null;
    const pending = pendingRef.current;
    pendingRef.current = [];
    if (pending.length === 0) return;
    setSegments((current) => {
      const next = current.slice();
      for (const { kind, text } of pending) {
        const last = next[next.length - 1];
        if (last && last.kind === kind && last.text.length + text.length <= SEGMENT_CHARS) {
          next[next.length - 1] = { ...last, text: last.text + text };
        } else {
          next.push({ key: keyRef.current++, kind, text });
        }
      }
      return next;
    });
  }, []);

  const append = useCallback(
    (kind: OutputKind, text: string) => {
      if (!text) return;
      pendingRef.current.push({ kind, text });
      frameRef.current ??= requestAnimationFrame(flush);
    },
    [flush],
  );

  const clearOutput = useCallback(() => {
    pendingRef.current = [];
    if (frameRef.current !== null) cancelAnimationFrame(frameRef.current);
    frameRef.current = null;
    stickRef.current = true;
    setSegments([]);
  }, []);

  const onEvent = useCallback(
    (stream: RunStream, event: RunStreamEvent) => {
      // A stream replaced by a newer run (or the panel closing) has nothing more to say here.
      if (streamRef.current !== stream) return;
      switch (event.type) {
        case 'connecting':
          setStatus({ text: 'Connecting…', tone: 'busy' });
          break;
        case 'progress':
          setStatus({ text: 'Preparing the sandbox…', tone: 'busy' });
          append('progress', `${event.message}\n`);
          break;
        case 'started':
          setStatus({ text: 'Running', tone: 'busy' });
          setStartedAt(Date.now());
          setNow(Date.now());
          setStdinOpen(true);
          break;
        case 'output':
          outputBytesRef.current += utf8Length(event.data);
          append(event.stream, event.data);
          break;
        case 'exit':
          streamRef.current = null;
          setRunning(false);
          setStdinOpen(false);
          setStartedAt(null);
          setStatus(describeExit(event.exit, outputBytesRef.current));
          break;
        case 'error':
          if (!event.fatal) {
            append('notice', `${event.message}\n`);
            break;
          }
          streamRef.current = null;
          setRunning(false);
          setStdinOpen(false);
          setStartedAt(null);
          setStatus(
            event.code === 'stopped'
              ? { text: 'Stopped', tone: 'warn' }
              : { text: describeRunError(event.code, event.message), tone: 'error' },
          );
          break;
      }
    },
    [append],
  );

  const run = useCallback(() => {
    if (!canRun || entry === null || streamRef.current) return;
    clearOutput();
    outputBytesRef.current = 0;
    setStdinText('');
    setRunning(true);
    setRunningEntry(entry);
    const stream: RunStream = new RunStream(runner.target, (event) => onEvent(stream, event));
    streamRef.current = stream;
    void (async () => {
      if (runner.beforeRun) {
        setStatus({ text: 'Sending your latest edits first…', tone: 'busy' });
        await runner.beforeRun();
      }
      void stream.start(() => runner.startMessage(entry));
    })();
  }, [runner, canRun, clearOutput, entry, onEvent]);

  const stop = useCallback(() => streamRef.current?.stop(), []);

  // The workspace's Ctrl/Cmd+Enter: every new value is one request to run.
  const lastTrigger = useRef(runTrigger);
  const runRef = useRef(run);
  runRef.current = run;
  useEffect(() => {
    if (runTrigger === lastTrigger.current) return;
    lastTrigger.current = runTrigger;
    runRef.current();
  }, [runTrigger]);

  // The panel going away: the run ends with it (closing its socket stops it on the server).
  useEffect(
    () => () => {
      streamRef.current?.dispose();
      streamRef.current = null;
      if (frameRef.current !== null) cancelAnimationFrame(frameRef.current);
      frameRef.current = null;
    },
    [],
  );

  useEffect(() => {
    if (startedAt === null) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [startedAt]);

  useEffect(() => {
    const element = outputRef.current;
    if (element && stickRef.current) element.scrollTop = element.scrollHeight;
  }, [segments]);

  const onScroll = () => {
    const element = outputRef.current;
    if (element) stickRef.current = element.scrollHeight - element.scrollTop - element.clientHeight < STICK_PX;
  };

  const sendLine = () => {
    const stream = streamRef.current;
    if (!stream || !stdinOpen) return;
    stream.sendStdin(`${stdinText}\n`);
    append('stdin', `${stdinText}\n`);
    setStdinText('');
  };

  const endInput = () => {
    const stream = streamRef.current;
    if (!stream || !stdinOpen) return;
    if (stdinText) {
      // Like a terminal's Ctrl+D: what is typed goes first, without a newline.
      stream.sendStdin(stdinText);
      append('stdin', stdinText);
      setStdinText('');
    }
    stream.endStdin();
    setStdinOpen(false);
  };

  const onStdinKey = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === 'Enter' && !event.nativeEvent.isComposing) {
      event.preventDefault();
      sendLine();
    } else if (event.key === 'd' && event.ctrlKey && !event.altKey && !event.metaKey) {
      event.preventDefault();
      endInput();
    }
  };

  const disabledReason = !canRun
    ? (cannotRunReason ?? 'Offline: code runs on the server, so Run is back when you reconnect. Your edits are kept meanwhile.')
    : entry === null
      ? 'Nothing to run: add a .py, .js, .c, .cpp, .java, .go or .sh file.'
      : null;
  const statusText =
    startedAt !== null && runningEntry !== null
      ? `Running ${runningEntry}… ${Math.max(0, Math.floor((now - startedAt) / 1000))} s`
      : status.text;

  return (
    <section className="run-panel" aria-label="Run">
      <div className="run-panel__toolbar">
        <label className="run-panel__entry">
          <span className="run-panel__label">Entry</span>
          <select
            data-testid="run-entry"
            value={entry ?? ''}
            disabled={runnable.length === 0 || running}
            onChange={(event) => setPicked(event.target.value)}
            aria-label="File to run"
          >
            {runnable.length === 0 && <option value="">No runnable file</option>}
            {runnable.map((path) => (
              <option key={path} value={path}>
                {path}
              </option>
            ))}
          </select>
        </label>
        <button
          type="button"
          className="btn primary small"
          data-testid="run-button"
          onClick={run}
          disabled={running || disabledReason !== null}
          title={disabledReason ?? `Run ${entry} (${RUN_SHORTCUT})`}
        >
          ▶ Run
        </button>
        <button
          type="button"
          className="btn danger small"
          data-testid="stop-button"
          onClick={stop}
          disabled={!running}
          title="Stop the run"
        >
          ■ Stop
        </button>
        <button type="button" className="btn small" onClick={clearOutput} disabled={segments.length === 0} title="Clear output">
          Clear
        </button>
        <span className="run-panel__location" title="Where code runs">
          Runs on: {location}
        </span>
      </div>
      {disabledReason !== null && (
        <p className="run-panel__notice" role="note">
          {disabledReason}
        </p>
      )}
      <div
        className="run-panel__output"
        data-testid="run-output"
        ref={outputRef}
        onScroll={onScroll}
        role="log"
        aria-live="polite"
        aria-label="Program output"
        tabIndex={0}
      >
        {segments.length === 0 && !running && (
          <span className="run-panel__placeholder">Output appears here. Press Run or {RUN_SHORTCUT}.</span>
        )}
        {segments.map((segment) => (
          <span key={segment.key} data-stream={segment.kind} className={`run-panel__seg run-panel__seg--${segment.kind}`}>
            {segment.text}
          </span>
        ))}
      </div>
      <div className="run-panel__footer">
        <input
          className="run-panel__stdin"
          data-testid="run-stdin"
          value={stdinText}
          onChange={(event) => setStdinText(event.target.value)}
          onKeyDown={onStdinKey}
          disabled={!stdinOpen}
          placeholder={
            stdinOpen ? 'Input for the program: Enter sends a line, Ctrl+D ends input' : running ? 'Input ended' : 'Input (while running)'
          }
          aria-label="Program input"
          spellCheck={false}
          autoComplete="off"
        />
        <button type="button" className="btn small" onClick={endInput} disabled={!stdinOpen} title="End of input (Ctrl+D)">
          EOF
        </button>
        <span
          className={`run-panel__status run-panel__status--${status.tone}`}
          data-testid="run-status"
          data-tone={status.tone}
          role="status"
        >
          {statusText}
        </span>
      </div>
    </section>
  );
}
