import { useEffect, useState } from 'react';
import { call } from '../../api/app-client';

/** Who the server records this user's reviews and alias moves under (a token's name, or the OS user); null until known. */
export function useSessionIdentity(): string | null {
  const [identity, setIdentity] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    call('session.get', {}).then(
      (session) => live && setIdentity(session.identity),
      () => live && setIdentity(null),
    );
    return () => {
      live = false;
    };
  }, []);
  return identity;
}
