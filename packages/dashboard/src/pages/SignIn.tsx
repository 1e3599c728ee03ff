import { useState, type FormEvent } from 'react';
import type { Me } from '@unpod/protocol';
import { api, session } from '../api.js';
import { looksLikeApiKey } from '../lib/login.js';

export function SignIn({ error, onSignedIn }: { error?: string | undefined; onSignedIn: (me: Me) => void }) {
  const [key, setKey] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | undefined>(error);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const trimmed = key.trim();
    if (!looksLikeApiKey(trimmed)) {
      setProblem('An API key starts with sk_ followed by at least 20 characters.');
      return;
    }
    setBusy(true);
    setProblem(undefined);
    try {
      const me = await api<Me>('GET', '/v1/me', undefined, trimmed);
      session.set(trimmed);
      onSignedIn(me);
    } catch (err) {
      setProblem((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="signin">
      <form className="card signin-card" onSubmit={submit}>
        <div className="brand">
          <span className="logo" aria-hidden>
            U
          </span>
          <strong>Unpod</strong>
        </div>
        <h1>Sign in</h1>
        <p className="muted">
          Open the one-time link <code>unpod dev</code> printed, or paste an API key. The key stays in this tab only (session storage).
        </p>
        <label className="field">
          <span className="field-label">API key</span>
          <input name="api-key" type="password" autoComplete="off" placeholder="sk_…" value={key} onChange={(e) => setKey(e.target.value)} autoFocus />
        </label>
        {problem ? (
          <div className="error-box" role="alert">
            {problem}
          </div>
        ) : null}
        <button className="btn primary" type="submit" disabled={busy}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
        <p className="muted small">
          No key? Run <code>npx unpod keys create --name me --space dev</code> or <code>bash scripts/dev.sh</code>.
        </p>
      </form>
    </div>
  );
}
