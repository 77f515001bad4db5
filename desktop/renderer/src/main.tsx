import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { ServerStatus } from './server-status.js';
import './styles.css';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');

createRoot(root).render(
  <StrictMode>
    <main className="placeholder">
      <h1>Tandem</h1>
      <p>Pair programming with cloud-backed sandboxes. The editor arrives with the IDE release; this page shows the server is up.</p>
      <ServerStatus />
    </main>
  </StrictMode>,
);
