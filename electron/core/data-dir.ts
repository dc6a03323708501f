import { homedir, platform } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * The one directory MLDesk keeps everything in: `--data-dir`, else MLDESK_HOME, else the OS
 * application-data folder (the same place Electron's app.getPath('userData') points to).
 */
export function resolveDataDir(flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (flag && flag.trim() !== '') return resolve(flag);
  if (env.MLDESK_HOME && env.MLDESK_HOME.trim() !== '') return resolve(env.MLDESK_HOME);
  return defaultAppDataDir(env);
}

function defaultAppDataDir(env: NodeJS.ProcessEnv): string {
  switch (platform()) {
    case 'win32':
      return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'MLDesk');
    case 'darwin':
      return join(homedir(), 'Library', 'Application Support', 'MLDesk');
    default:
      return join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'MLDesk');
  }
}

export interface DataDirLayout {
  root: string;
  database: string;
  artifacts: string;
}

export function dataDirLayout(root: string): DataDirLayout {
  return { root, database: join(root, 'mldesk.db'), artifacts: join(root, 'artifacts') };
}
