import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app.js';
import { currentHost } from './platform/current-host.js';
import { registerOfflineShell } from './platform/offline-shell.js';
// The editor's and terminal's font, bundled: the app looks the same everywhere, offline too.
import '@fontsource/jetbrains-mono/400.css';
import '@fontsource/jetbrains-mono/700.css';
import './styles.css';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');

registerOfflineShell();
createRoot(root).render(
  <StrictMode>
    <App host={currentHost()} />
  </StrictMode>,
);
