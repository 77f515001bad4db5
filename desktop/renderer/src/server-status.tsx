import { useEffect, useState } from 'react';
import { ReadinessResponse } from '../../../shared/protocol/health.js';

type State = { kind: 'loading' } | { kind: 'loaded'; readiness: ReadinessResponse } | { kind: 'failed'; message: string };

/** Shows the server's readiness, parsed with the shared contract like every response the renderer reads. */
export function ServerStatus() {
  const [state, setState] = useState<State>({ kind: 'loading' });
  useEffect(() => {
    const controller = new AbortController();
    fetch('/health/ready', { signal: controller.signal })
      .then(async (response) => setState({ kind: 'loaded', readiness: ReadinessResponse.parse(await response.json()) }))
      .catch((error: unknown) => {
        if (!controller.signal.aborted) setState({ kind: 'failed', message: error instanceof Error ? error.message : String(error) });
      });
    return () => controller.abort();
  }, []);

  if (state.kind === 'loading') return <p role="status">Checking the server…</p>;
  if (state.kind === 'failed') return <p role="status">The server did not answer: {state.message}</p>;
  const { readiness } = state;
  return (
    <dl role="status" aria-label="Server status">
      <dt>Server</dt>
      <dd data-testid="server-status">{readiness.status}</dd>
      <dt>Database</dt>
      <dd data-testid="database-status">{readiness.database.ok ? `connected (${readiness.database.kind})` : readiness.database.reason}</dd>
      <dt>Sandboxes</dt>
      <dd data-testid="docker-status">{readiness.docker.ok ? 'Docker connected' : readiness.docker.reason}</dd>
    </dl>
  );
}
