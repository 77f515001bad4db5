import { StrictMode, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app.js';
import { ServerSetupScreen } from './features/auth/server-setup-screen.js';
import { currentHost, type HostResult } from './platform/current-host.js';
import { registerOfflineShell } from './platform/offline-shell.js';
// The editor's and terminal's font, bundled: the app looks the same everywhere, offline too.
import '@fontsource/jetbrains-mono/400.css';
import '@fontsource/jetbrains-mono/700.css';
import './styles.css';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');

/** Finds out where the app runs (web or desktop) and, on the desktop's first start, which server to use. */
function Boot() {
  const [result, setResult] = useState<HostResult | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  useEffect(() => {
    currentHost().then(setResult, (error: unknown) => setFailure(error instanceof Error ? error.message : String(error)));
  }, []);
  if (failure) return <p role="alert">Tandem could not start: {failure}</p>;
  if (!result) return null;
  if (result.kind === 'needsServer') {
    return (
      <ServerSetupScreen
        onChoose={async (url) => {
          await result.choose(url);
          // The page's Content-Security-Policy names the server, so a new server needs a fresh load.
          window.location.reload();
        }}
      />
    );
  }
  return <App host={result.host} />;
}

registerOfflineShell();
createRoot(root).render(
  <StrictMode>
    <Boot />
  </StrictMode>,
);
