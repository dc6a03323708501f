import { userInfo } from 'node:os';

/**
 * Who is calling, as the transport authenticated them: the name of the bearer token (or of the
 * token a browser session logged in with) on a token server; the OS user running MLDesk for the
 * desktop app, the CLI and a token-less loopback server (only that user's processes reach it).
 * Reviews and alias moves record this identity; a name the caller types is only a display name.
 */
export interface Caller {
  identity: string;
  /** How: a bearer token, a browser's login session (which can log out), or the local OS user. */
  via: 'bearer' | 'session' | 'os-user';
}

/** The OS user running this process. */
export function osUser(): string {
  try {
    return userInfo().username || 'unknown';
  } catch {
    return 'unknown';
  }
}

/** The caller of the desktop app, the CLI and a loopback server without tokens. */
export function localCaller(): Caller {
  return { identity: osUser(), via: 'os-user' };
}
