import type { FastifyInstance } from 'fastify';
import type { OpenedBundle } from '../core/bundles/bundle-open.js';
import type { ArtifactCheck } from '../core/bundles/open-bundle.js';
import { removeAbandonedBundleDirs } from '../core/bundles/bundle-temp-dirs.js';
import { startEarlyOpening, type EarlyOpening } from '../core/bundles/early-store-copy.js';
import type { createServices as CreateServices, Services } from '../core/services.js';
import type { buildServer as BuildServer } from './http-server.js';
import { listenEarly } from './early-listen.js';
import { buildUiServer } from './server-base.js';

export interface BundleServeOptions {
  file: string;
  /** The reviewer's data dir (trusted keys); never written. */
  homeDataDir: string;
  port: number;
  version: string;
  artifactCheck?: ArtifactCheck;
  /** The desktop app's per-launch secret (launch-secret.ts). */
  launchSecret?: string;
  /**
   * The store's copy, started by the caller on a worker thread (startEarlyOpening) before it loaded
   * this module, as the CLI does; else it is started here, first. The bundle itself is opened once the
   * port listens, so the bundle's schemas and zip reader load after the page is on its way.
   */
  earlyOpening?: EarlyOpening;
  /**
   * Called once the port listens, before the bundle is open: the page loads from then on and its API
   * calls wait for the bundle (early-listen.ts). startBundleServer itself resolves once they are answered.
   */
  onListening?(url: string): void;
}

/** How long after listening the background artifact check waits, unless an artifact is asked for first: the first page gets the CPU. */
const ARTIFACT_CHECK_DELAY_MS = 1500;

/** How long after serving the sweep of abandoned temp copies waits (bundle-temp-dirs.ts): removing 400 MB takes CPU too. */
const ABANDONED_DIRS_DELAY_MS = 5000;

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
  // The store's copy and hash (the longest step, ~1 s for a 400 MB store) run on a worker thread
  // while this thread listens, serves the page and builds the routes.
  const earlyOpening = options.earlyOpening ?? (await startEarlyOpening(options.file));
  const bundleOpen = () => import('../core/bundles/bundle-open.js');
  let early;
  try {
    early = await listenEarly({ host: '127.0.0.1', port: options.port });
  } catch (error) {
    // A port that cannot be had must still leave no temp copy behind.
    await (await bundleOpen()).discardEarly(earlyOpening);
    throw error;
  }
  let opening: Promise<OpenedBundle> | null = null;
  // A refused bundle, or a failure after opening, leaves no temp copy behind either.
  const discard = async () => opening?.then((bundle) => bundle.close(), () => undefined);
  /** Answers the held requests with the failure, stops listening, cleans up; returns the error to throw. */
  const giveUp = async (doing: string, error: unknown, cleanUp: () => Promise<unknown>) => {
    early.fail(`The bundle could not be ${doing}: ${(error as Error).message}`);
    await early.close();
    await cleanUp();
    return error;
  };
  let bundle: OpenedBundle;
  let services: Services;
  let createServices: typeof CreateServices;
  let buildServer: typeof BuildServer;
  try {
    early.serveUi(await buildUiServer({ launchSecret: options.launchSecret, version: options.version, tokens: [] }));
    options.onListening?.(early.url);
    opening = bundleOpen().then(({ openBundle }) => openBundle(options.file, { homeDataDir: options.homeDataDir, artifactCheck: options.artifactCheck, earlyOpening }));
    opening.catch(() => undefined);
    // The services and routes load while the bundle opens (this module leaves them out, to listen sooner).
    [{ createServices }, { buildServer }] = await Promise.all([import('../core/services.js'), import('./http-server.js')]);
    bundle = await opening;
    services = createServices({ dataDir: bundle.dataDir, bundle: bundle.context });
  } catch (error) {
    throw await giveUp('opened', error, discard);
  }
  const { setBundleStoreReadOnly } = await bundleOpen();
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
    await app.ready();
  } catch (error) {
    throw await giveUp('served', error, shutDownStore);
  }
  early.serveAll(app);
  // Temp copies left by bundle opens that were killed are removed once this one's first page is served.
  setTimeout(() => void removeAbandonedBundleDirs(), ABANDONED_DIRS_DELAY_MS).unref();
  // Artifacts checked in the background start once the runs are served (see the banner); a request
  // for an artifact before then starts the check at once (read-only-guard.ts).
  const backgroundCheck = new Promise<void>((resolve) => {
    setTimeout(() => void bundle.context.artifactsChecked().then(resolve), ARTIFACT_CHECK_DELAY_MS).unref();
  });
  let closing: Promise<void> | undefined;
  return {
    app,
    services,
    bundle,
    url: early.url,
    backgroundCheck,
    close() {
      closing ??= early.close().then(() => app.close()).then(shutDownStore);
      return closing;
    },
  };
}
