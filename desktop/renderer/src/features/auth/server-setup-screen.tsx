import { useState, type FormEvent } from 'react';

/** The desktop app's first start: which Tandem server to use (remembered; changeable later in settings). */
export function ServerSetupScreen({ onChoose }: { onChoose(url: string): Promise<void> }) {
  const [url, setUrl] = useState('http://localhost:4000');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await onChoose(url);
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
      setBusy(false);
    }
  }
  return (
    <div className="auth-screen">
      <form className="auth-card" onSubmit={submit} aria-label="Choose a server">
        <div className="brand">Tandem</div>
        <p className="muted">Which Tandem server do you work with? Your team&apos;s address, or your own at http://localhost:4000.</p>
        <div className="field">
          <label htmlFor="server-url">Server address</label>
          <input id="server-url" value={url} onChange={(e) => setUrl(e.target.value)} required autoFocus />
        </div>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <button className="btn primary" type="submit" disabled={busy}>
          {busy ? 'Saving…' : 'Continue'}
        </button>
      </form>
    </div>
  );
}
