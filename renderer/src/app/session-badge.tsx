import { useEffect, useState } from 'react';
import { call } from '../api/app-client';

/**
 * In a browser signed in to a token server: the token's name (what reviews and alias moves are
 * recorded under) and a way to log out. Nothing in the desktop app or on a token-less server.
 */
export function SessionBadge() {
  const [identity, setIdentity] = useState<string | null>(null);
  useEffect(() => {
    call('session.get', {}).then(
      (session) => setIdentity(session.via === 'session' ? session.identity : null),
      () => setIdentity(null),
    );
  }, []);
  if (identity === null) return null;
  const logOut = async () => {
    await fetch('logout', { method: 'POST' }).catch(() => undefined);
    window.location.assign('login');
  };
  return (
    <span className="session-badge" data-testid="session-badge">
      <span className="muted" title="Reviews and alias moves are recorded under this name">
        Signed in as <strong>{identity}</strong>
      </span>
      <button type="button" className="btn btn-small btn-ghost" onClick={() => void logOut()}>
        Log out
      </button>
    </span>
  );
}
