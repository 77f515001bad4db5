import { StrictMode, useCallback, useEffect, useRef, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app.js';
import { LeaveGuardContext } from './app-context.js';
import { ServerSetupScreen } from './features/auth/server-setup-screen.js';
import { signOutOnOldServer, switchesServer } from './features/auth/server-switch.js';
import { currentHost, onAppCommand, type HostResult } from './platform/current-host.js';
import { registerOfflineShell } from './platform/offline-shell.js';
import { LeaveGuard } from './services/leave-guard.js';
import type { Session } from './services/session.js';
import { LeaveDialog } from './ui/leave-dialog.js';
// The editor's and terminal's font, bundled: the app looks the same everywhere, offline too.
import '@fontsource/jetbrains-mono/400.css';
import '@fontsource/jetbrains-mono/700.css';
import './styles.css';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');

/**
 * Finds out where the app runs (web or desktop) and, on the desktop's first start, which server to use; later
 * the desktop's Change Server… (menu or sign-in screen) opens the same screen over the app. The leave guard
 * lives here, above both: the workspace holds it while leaving would end something, and a deep link or a
 * server change asks it first.
 */
function Boot() {
  const [result, setResult] = useState<HostResult | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [changingServer, setChangingServer] = useState(false);
  const [guard] = useState(() => new LeaveGuard());
  const session = useRef<Session | null>(null);
  useEffect(() => {
    currentHost().then(setResult, (error: unknown) => setFailure(error instanceof Error ? error.message : String(error)));
  }, []);
  // While the leave question is on screen, Change Server… (the native menu, which that dialog cannot block) waits
  // for its answer: the server dialog would cover it, and its Switch would wait on a question nobody can reach.
  const openChangeServer = useCallback(() => guard.unlessAsking(() => setChangingServer(true)), [guard]);
  useEffect(() => onAppCommand((command) => command.command === 'changeServer' && openChangeServer()), [openChangeServer]);
  if (failure) return <p role="alert">Tandem could not start: {failure}</p>;
  if (!result) return null;
  if (result.kind === 'needsServer') {
    return (
      <ServerSetupScreen
        onChoose={async (url) => {
          const choice = await result.choose(url);
          if (!choice.chosen) return choice.message;
          return startOver();
        }}
      />
    );
  }
  const { host, changeServer } = result;
  return (
    <LeaveGuardContext.Provider value={guard}>
      {/* Deep links wait (in the main process) while the server may change: the reload would lose a link taken now. */}
      <App
        host={host}
        deepLinksPaused={changingServer}
        onChangeServer={changeServer && openChangeServer}
        onSession={(restored) => (session.current = restored)}
      />
      {changingServer && changeServer && (
        <ServerSetupScreen
          currentUrl={host.serverUrl}
          // The reload a new server needs ends the terminals on this computer: asked before the main process asks.
          confirm={async (url) =>
            switchesServer(url, host.serverUrl) && !(await guard.confirmLeave()) ? `Tandem still uses ${host.serverUrl}.` : undefined
          }
          onChoose={async (url) => {
            const choice = await changeServer(url);
            if (!choice.chosen) return choice.message;
            if (choice.url === host.serverUrl) {
              setChangingServer(false);
              return undefined;
            }
            await signOutOnOldServer(session.current);
            return startOver();
          }}
          onCancel={() => setChangingServer(false)}
        />
      )}
      <LeaveDialog guard={guard} />
    </LeaveGuardContext.Provider>
  );
}

/**
 * A new server needs a fresh page load: the page's Content-Security-Policy names the server, and the session,
 * sync and caches belong to it. The screen stays busy until the page goes.
 */
function startOver(): undefined {
  window.location.reload();
  return undefined;
}

registerOfflineShell();
createRoot(root).render(
  <StrictMode>
    <Boot />
  </StrictMode>,
);
