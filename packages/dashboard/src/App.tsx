import { useEffect, useState, type ReactNode } from 'react';
import type { LoginSession, Me } from '@unpod/protocol';
import { api, session } from './api.js';
import { Link, Loading } from './components/ui.js';
import { loginTokenFrom, withoutLogin } from './lib/login.js';
import { AnalyticsPage } from './pages/Analytics.js';
import { CallPage } from './pages/CallPage.js';
import { CallsPage } from './pages/Calls.js';
import { OverviewPage } from './pages/Overview.js';
import { PipesPage } from './pages/Pipes.js';
import { PlaygroundPage } from './pages/Playground.js';
import { SignIn } from './pages/SignIn.js';
import { TelephonyPage } from './pages/Telephony.js';
import { VoiceProfilesPage } from './pages/VoiceProfiles.js';
import { WorkersPage } from './pages/Workers.js';
import { navigate, usePath } from './router.js';

const NAV: Array<{ to: string; label: string; icon: string }> = [
  { to: '/', label: 'Overview', icon: '◎' },
  { to: '/playground', label: 'Playground', icon: '◉' },
  { to: '/calls', label: 'Calls', icon: '☎' },
  { to: '/pipes', label: 'Pipes', icon: '⇄' },
  { to: '/voice-profiles', label: 'Voice profiles', icon: '♪' },
  { to: '/telephony', label: 'Numbers & trunks', icon: '#' },
  { to: '/workers', label: 'Workers', icon: '⚙' },
  { to: '/analytics', label: 'Analytics', icon: '▤' },
];

function route(path: string): ReactNode {
  const call = /^\/calls\/([^/]+)$/.exec(path);
  if (call) return <CallPage id={decodeURIComponent(call[1]!)} />;
  switch (path) {
    case '/':
      return <OverviewPage />;
    case '/playground':
      return <PlaygroundPage />;
    case '/calls':
      return <CallsPage />;
    case '/pipes':
      return <PipesPage />;
    case '/voice-profiles':
      return <VoiceProfilesPage />;
    case '/telephony':
      return <TelephonyPage />;
    case '/workers':
      return <WorkersPage />;
    case '/analytics':
      return <AnalyticsPage />;
    default:
      return (
        <div className="card">
          <h2>Page not found</h2>
          <p className="muted">
            Nothing lives at <code>{path}</code>. <Link to="/">Back to the overview</Link>.
          </p>
        </div>
      );
  }
}

type Auth = { kind: 'checking' } | { kind: 'signed-out'; error?: string } | { kind: 'signed-in'; me: Me };

export function App() {
  const path = usePath();
  const [auth, setAuth] = useState<Auth>({ kind: 'checking' });

  useEffect(() => {
    const token = loginTokenFrom(location.search);
    const start = async (): Promise<Auth> => {
      if (token) {
        history.replaceState(null, '', location.pathname + withoutLogin(location.search));
        try {
          const login = await api<LoginSession>('POST', '/v1/auth/login-link', { token }, null);
          session.set(login.api_key);
        } catch (err) {
          if (!session.key) return { kind: 'signed-out', error: (err as Error).message };
        }
      }
      if (!session.key) return { kind: 'signed-out' };
      try {
        return { kind: 'signed-in', me: await api<Me>('GET', '/v1/me') };
      } catch (err) {
        return { kind: 'signed-out', error: (err as Error).message };
      }
    };
    void start().then(setAuth);
  }, []);

  if (auth.kind === 'checking') return <Loading what="Unpod" />;
  if (auth.kind === 'signed-out') return <SignIn error={auth.error} onSignedIn={(me) => setAuth({ kind: 'signed-in', me })} />;

  const signOut = () => {
    session.clear();
    setAuth({ kind: 'signed-out' });
    navigate('/');
  };
  const active = (to: string) => (to === '/' ? path === '/' : path === to || path.startsWith(to + '/'));
  return (
    <div className="shell">
      <aside className="sidebar">
        <div className="brand">
          <span className="logo" aria-hidden>
            U
          </span>
          <div>
            <strong>Unpod</strong>
            <span className="muted small">{auth.me.space_name || auth.me.space_id}</span>
          </div>
        </div>
        <nav>
          {NAV.map((n) => (
            <Link key={n.to} to={n.to} className={active(n.to) ? 'active' : ''}>
              <span className="nav-icon" aria-hidden>
                {n.icon}
              </span>
              {n.label}
            </Link>
          ))}
        </nav>
        <button className="btn ghost small signout" onClick={signOut}>
          Sign out
        </button>
      </aside>
      <main className="content">{route(path)}</main>
    </div>
  );
}
