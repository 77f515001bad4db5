import { useEffect, useState } from 'react';
import type { RunLocationDecision } from '../../../../../shared/protocol/ipc.js';
import { messageOf } from '../../services/api-client.js';
import type { DesktopRuns } from '../../platform/current-host.js';

/**
 * Where the desktop app runs code now, asked of the main process when the workspace opens and whenever the
 * window regains focus (Docker started, the network came back, the setting changed). `null` until the first
 * answer; always `null` on the web, where code runs on the server. A new `version` asks again (the setting changed).
 */
export function useRunLocation(runs: DesktopRuns | undefined, version = 0): RunLocationDecision | null {
  const [decision, setDecision] = useState<RunLocationDecision | null>(null);
  useEffect(() => {
    if (!runs) return;
    let cancelled = false;
    let asked = 0;
    const ask = () => {
      // Answers may come back out of order (each probe waits up to two seconds): only the latest counts.
      const mine = ++asked;
      runs.location().then(
        (answer) => !cancelled && mine === asked && setDecision(answer),
        (failure: unknown) =>
          !cancelled &&
          mine === asked &&
          setDecision({
            where: 'none',
            message: `Tandem could not tell where code runs: ${messageOf(failure)}`,
            whatToDo: 'Restart Tandem; if it keeps happening, reinstall it.',
          }),
      );
    };
    ask();
    window.addEventListener('focus', ask);
    return () => {
      cancelled = true;
      window.removeEventListener('focus', ask);
    };
  }, [runs, version]);
  return decision;
}
