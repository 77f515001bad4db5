import { cloneElement, useId, useState, type FormEvent, type ReactElement } from 'react';
import { ApiError } from '../../services/api-client.js';
import type { Session } from '../../services/session.js';
import { useRoute } from '../../router.js';

type Mode = 'signIn' | 'register';

/**
 * Sign in or create an account; every server answer that is not a success is shown as it is. The desktop app
 * (which passes `onChangeServer`) also says which server this is and offers another.
 */
export function AuthScreen({ session, onChangeServer }: { session: Session; onChangeServer?: (() => void) | undefined }) {
  const route = useRoute();
  const [mode, setMode] = useState<Mode>('signIn');
  const [login, setLogin] = useState('');
  const [username, setUsername] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ message: string; fields: Array<{ path: string; message: string }> } | null>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      if (mode === 'signIn') await session.login({ login: login.trim(), password });
      else await session.register({ username: username.trim(), email: email.trim(), password });
    } catch (failure) {
      setError(describe(failure));
      setBusy(false);
    }
  }

  const fieldError = (name: string) => error?.fields.find((field) => field.path === name)?.message;
  return (
    <div className="auth-screen">
      <form className="auth-card" onSubmit={submit} aria-label={mode === 'signIn' ? 'Sign in' : 'Create an account'}>
        <div className="brand">Tandem</div>
        <p className="muted">Pair programming with live, shared files and sandboxes.</p>
        {route.name === 'invite' && <p className="notice">Sign in or create an account to accept the invitation.</p>}
        <div className="segmented" role="tablist">
          <button type="button" role="tab" aria-selected={mode === 'signIn'} onClick={() => (setMode('signIn'), setError(null))}>
            Sign in
          </button>
          <button type="button" role="tab" aria-selected={mode === 'register'} onClick={() => (setMode('register'), setError(null))}>
            Create account
          </button>
        </div>
        {mode === 'signIn' ? (
          <Field label="Username or email">
            <input name="login" autoComplete="username" value={login} onChange={(e) => setLogin(e.target.value)} required autoFocus />
          </Field>
        ) : (
          <>
            <Field label="Username" hint="3–32 lowercase letters, digits, _ or -" error={fieldError('username')}>
              <input
                name="username"
                autoComplete="username"
                value={username}
                onChange={(e) => setUsername(e.target.value)}
                required
                autoFocus
              />
            </Field>
            <Field label="Email" error={fieldError('email')}>
              <input name="email" type="email" autoComplete="email" value={email} onChange={(e) => setEmail(e.target.value)} required />
            </Field>
          </>
        )}
        <Field
          label="Password"
          hint={mode === 'register' ? 'At least 10 characters, not a common password' : undefined}
          error={fieldError('password')}
        >
          <input
            name="password"
            type="password"
            autoComplete={mode === 'signIn' ? 'current-password' : 'new-password'}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            required
          />
        </Field>
        {error && (
          <p className="error" role="alert">
            {error.message}
          </p>
        )}
        <button className="btn primary" type="submit" disabled={busy}>
          {busy ? 'Please wait…' : mode === 'signIn' ? 'Sign in' : 'Create account'}
        </button>
        {onChangeServer && (
          <p className="muted small">
            On {session.serverUrl}.{' '}
            <button type="button" className="btn small" onClick={onChangeServer} disabled={busy}>
              Change server…
            </button>
          </p>
        )}
      </form>
    </div>
  );
}

/** A labelled input with its hint and error outside the label, so the input's name is just the label. */
function Field({
  label,
  hint,
  error,
  children,
}: {
  label: string;
  hint?: string | undefined;
  error?: string | undefined;
  children: ReactElement;
}) {
  const id = useId();
  const described = [hint && `${id}-hint`, error && `${id}-error`].filter(Boolean).join(' ') || undefined;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {cloneElement(children as ReactElement<{ id?: string; 'aria-describedby'?: string; 'aria-invalid'?: boolean }>, {
        id,
        'aria-describedby': described,
        'aria-invalid': error ? true : undefined,
      })}
      {error && (
        <span className="field-error" id={`${id}-error`}>
          {error}
        </span>
      )}
      {hint && (
        <small className="muted" id={`${id}-hint`}>
          {hint}
        </small>
      )}
    </div>
  );
}

function describe(failure: unknown): { message: string; fields: Array<{ path: string; message: string }> } {
  if (!(failure instanceof ApiError)) return { message: String(failure), fields: [] };
  return { message: failure.message, fields: failure.details };
}
