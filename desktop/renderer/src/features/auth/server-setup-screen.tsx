import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Modal } from '../../ui/modal.js';

const DEFAULT_SERVER_URL = 'http://localhost:4000';

/**
 * Which Tandem server the desktop app uses: on first start as a screen of its own, later (Change Server… in
 * the menu, or on the sign-in screen) as a dialog over the app with the current address and a Cancel button.
 * `confirm`, when given, asks the app's own question first, while the form stays live (its Cancel and Escape
 * too: a question that cannot be answered must never leave the screen stuck); it resolves with a note when the
 * user said no. `onChoose` then resolves when the server is set (the page then reloads or closes this), with a
 * note when the user said no in the main process's confirmation, and rejects with what is wrong with the address.
 */
export function ServerSetupScreen({
  currentUrl,
  confirm,
  onChoose,
  onCancel,
}: {
  /** The server in use; absent on first start. */
  currentUrl?: string | undefined;
  confirm?: ((url: string) => Promise<string | undefined>) | undefined;
  onChoose(url: string): Promise<string | undefined>;
  /** Present when there is something to go back to. */
  onCancel?: (() => void) | undefined;
}) {
  const changing = currentUrl !== undefined;
  const [url, setUrl] = useState(currentUrl ?? DEFAULT_SERVER_URL);
  const [error, setError] = useState<string | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // One submission at a time, the confirmation included; and none goes on once the screen is gone (Cancel).
  const submitting = useRef(false);
  const shown = useRef(true);
  useEffect(() => {
    shown.current = true;
    return () => void (shown.current = false);
  }, []);
  async function submit(event: FormEvent) {
    event.preventDefault();
    if (submitting.current) return;
    submitting.current = true;
    setError(null);
    setNote(null);
    try {
      const refused = confirm && (await confirm(url));
      if (!shown.current) return;
      if (refused !== undefined) return setNote(refused);
      setBusy(true);
      const declined = await onChoose(url);
      if (declined === undefined) return;
      setNote(declined);
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
    } finally {
      submitting.current = false;
    }
    setBusy(false);
  }
  const form = (
    <form className="auth-card" onSubmit={submit} aria-label={changing ? 'Change server' : 'Choose a server'}>
      <div className="brand">Tandem</div>
      {changing ? (
        <p className="muted">
          Tandem uses {currentUrl}. Enter the address of the server to switch to; you will sign in there, and Tandem asks before it
          switches.
        </p>
      ) : (
        <p className="muted">Which Tandem server do you work with? Your team&apos;s address, or your own at {DEFAULT_SERVER_URL}.</p>
      )}
      <div className="field">
        <label htmlFor="server-url">Server address</label>
        <input id="server-url" value={url} onChange={(e) => setUrl(e.target.value)} required autoFocus />
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {note && (
        <p className="muted" role="status">
          {note}
        </p>
      )}
      <button className="btn primary" type="submit" disabled={busy}>
        {busy ? 'Saving…' : changing ? 'Switch' : 'Continue'}
      </button>
      {onCancel && (
        <button className="btn" type="button" onClick={onCancel} disabled={busy}>
          Cancel
        </button>
      )}
    </form>
  );
  if (!changing) return <div className="auth-screen">{form}</div>;
  // A dialog over the app, which keeps running underneath (open terminals, edits syncing) in case the user cancels.
  return (
    <Modal label="Change server" onClose={() => !busy && onCancel?.()}>
      {form}
    </Modal>
  );
}
