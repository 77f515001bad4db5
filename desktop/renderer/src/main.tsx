import { StrictMode, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app.js';
import { ServerSetupScreen } from './features/auth/server-setup-screen.js';
import { currentHost, onAppCommand, type HostResult } from './platform/current-host.js';
import { registerOfflineShell } from './platform/offline-shell.js';
// The editor's and terminal's font, bundled: the app looks the same everywhere, offline too.
import '@fontsource/jetbrains-mono/400.css';
import '@fontsource/jetbrains-mono/700.css';
import './styles.css';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');

/**
 * Finds out where the app runs (web or desktop) and, on the desktop's first start, which server to use; later
 * the desktop's Change Server… (menu or sign-in screen) opens the same screen over the app.
 */
function Boot() {
  const [result, setResult] = useState<HostResult | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [changingServer, setChangingServer] = useState(false);
  useEffect(() => {
    currentHost().then(setResult, (error: unknown) => setFailure(error instanceof Error ? error.message : String(error)));
  }, []);
  useEffect(() => onAppCommand((command) => command.command === 'changeServer' && setChangingServer(true)), []);
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
    <>
      {/* Deep links wait (in the main process) while the server may change: the reload would lose a link taken now. */}
      <App host={host} deepLinksPaused={changingServer} onChangeServer={changeServer && (() => setChangingServer(true))} />
      {changingServer && changeServer && (
        <ServerSetupScreen
          currentUrl={host.serverUrl}
          onChoose={async (url) => {
            const choice = await changeServer(url);
            if (!choice.chosen) return choice.message;
            if (choice.url !== host.serverUrl) return startOver();
            setChangingServer(false);
            return undefined;
          }}
          onCancel={() => setChangingServer(false)}
        />
      )}
    </>
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
