import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

/** The Electron binary the `electron` package installed, or null where its download was blocked (this machine, CI). */
export function electronBinary(): string | null {
  try {
    const path = createRequire(import.meta.url)('electron') as unknown;
    return typeof path === 'string' && existsSync(path) ? path : null;
  } catch {
    return null;
  }
}
