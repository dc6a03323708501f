import type { FastifyInstance } from 'fastify';
import { resolveDataDir } from '../core/data-dir.js';
import { TrackingStore } from '../core/store/tracking-store.js';
import type { Deployment } from '../../shared/app-api/models.js';
import { deploymentsOf } from '../api/deployment-manager.js';
import { buildServer, isLoopback } from '../server/http-server.js';

export interface ServeOptions {
  host: string;
  port: number;
  dataDir?: string;
  token?: string;
  version: string;
  quiet?: boolean;
}

export interface RunningServer {
  app: FastifyInstance;
  store: TrackingStore;
  url: string;
  /** Model deployments saved by the last launch, restarting in the background. */
  restoredDeployments: Deployment[];
  close(): Promise<void>;
}

export class ServeConfigError extends Error {}

export async function startServer(options: ServeOptions): Promise<RunningServer> {
  if (!isLoopback(options.host) && !options.token) {
    throw new ServeConfigError(
      `Refusing to listen on ${options.host} without a token: anyone who can reach this address could read and write your experiments. ` +
        'Pass --token <secret> (or set MLDESK_TOKEN), or bind to 127.0.0.1.',
    );
  }
  const dataDir = resolveDataDir(options.dataDir);
  const store = TrackingStore.open(dataDir, { background: true });
  let app: FastifyInstance;
  try {
    app = await buildServer({ store, token: options.token, version: options.version });
    await app.listen({ host: options.host, port: options.port });
  } catch (error) {
    store.close();
    throw error;
  }
  const restoredDeployments = deploymentsOf(store).restore();
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const host = options.host.includes(':') && !options.host.startsWith('[') ? `[${options.host}]` : options.host;
  let closing: Promise<void> | undefined;
  return {
    app,
    store,
    url: `http://${host}:${port}`,
    restoredDeployments,
    close() {
      // app.close() waits for in-flight requests (and so their writes) before the database closes.
      closing ??= app.close().then(() => store.close());
      return closing;
    },
  };
}
