import type { FastifyInstance } from 'fastify';
import { openBundle, setBundleStoreReadOnly, type OpenedBundle } from '../core/bundles/bundle-open.js';
import type { ArtifactCheck } from '../core/bundles/open-bundle.js';
import { createServices, type Services } from '../core/services.js';
import { buildServer } from './http-server.js';

export interface BundleServeOptions {
  file: string;
  /** The reviewer's data dir (trusted keys); never written. */
  homeDataDir: string;
  port: number;
  version: string;
  artifactCheck?: ArtifactCheck;
  /** The desktop app's per-launch secret (launch-secret.ts). */
  launchSecret?: string;
  /** openBundle already under way (the CLI starts it before loading the server's modules, to overlap the two). */
  opening?: Promise<OpenedBundle>;
}

/** How long after listening the background artifact check waits, unless an artifact is asked for first: the first page gets the CPU. */
const ARTIFACT_CHECK_DELAY_MS = 1500;

export interface RunningBundleServer {
  app: FastifyInstance;
  services: Services;
  bundle: OpenedBundle;
  url: string;
  /**
   * Resolves once the background artifact check, started ARTIFACT_CHECK_DELAY_MS after listening (or
   * earlier by a request for an artifact), has finished. Waiting on it never starts the check itself:
   * `bundle.context.artifactsChecked()` would, and take the CPU from the first page.
   */
  backgroundCheck: Promise<void>;
  close(): Promise<void>;
}

/**
 * Serves a bundle read-only on 127.0.0.1 with `mldesk serve`'s UI, MLflow REST API and protections
 * (Host/Origin checks, no token needed on loopback). Nothing that writes runs over it: no store
 * maintenance worker, no monitoring pass, no alert loop, no deployments restored; the connection is
 * query_only, so a write that slipped past the read-only guard fails instead of changing the copy.
 */
export async function startBundleServer(options: BundleServeOptions): Promise<RunningBundleServer> {
  const bundle = await (options.opening ?? openBundle(options.file, { homeDataDir: options.homeDataDir, artifactCheck: options.artifactCheck }));
  let services: Services;
  try {
    services = createServices({ dataDir: bundle.dataDir, bundle: bundle.context });
  } catch (error) {
    await bundle.close();
    throw error;
  }
  setBundleStoreReadOnly(services.store.db, true);
  const shutDownStore = async () => {
    // Closing folds and checkpoints: harmless on the private copy, and refused while query_only.
    setBundleStoreReadOnly(services.store.db, false);
    await services.close();
    await bundle.close();
  };
  let app: FastifyInstance;
  try {
    app = await buildServer({ services, tokens: [], launchSecret: options.launchSecret, version: options.version });
    await app.listen({ host: '127.0.0.1', port: options.port });
  } catch (error) {
    await shutDownStore();
    throw error;
  }
  // Artifacts checked in the background start once the runs are served (see the banner); a request
  // for an artifact before then starts the check at once (read-only-guard.ts).
  const backgroundCheck = new Promise<void>((resolve) => {
    setTimeout(() => void bundle.context.artifactsChecked().then(resolve), ARTIFACT_CHECK_DELAY_MS).unref();
  });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  let closing: Promise<void> | undefined;
  return {
    app,
    services,
    bundle,
    url: `http://127.0.0.1:${port}`,
    backgroundCheck,
    close() {
      closing ??= app.close().then(shutDownStore);
      return closing;
    },
  };
}
