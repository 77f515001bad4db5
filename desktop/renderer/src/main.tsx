import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app.js';
import { currentHost } from './platform/current-host.js';
import { registerOfflineShell } from './platform/offline-shell.js';
import './styles.css';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');

registerOfflineShell();
createRoot(root).render(
  <StrictMode>
    <App host={currentHost()} />
  </StrictMode>,
);
