import type { FastifyInstance } from 'fastify';
import { resolveDataDir } from '../core/data-dir.js';
import { bindWithoutTokenProblem, tokenSetProblem, type NamedToken } from '../core/http-auth.js';
import { startMonitorLoop } from '../core/monitoring/monitor-pass.js';
import { createServices, type Services } from '../core/services.js';
import { attachSweepExecutor } from '../api/sweeps-handlers.js';
import type { TrackingStore } from '../core/store/tracking-store.js';
import type { Deployment } from '../../shared/app-api/models.js';
import { buildServer } from '../server/http-server.js';
import { AlertLoop } from '../core/monitoring/alert-loop.js';
import { CtLoop } from '../core/automation/ct/ct-loop.js';
import type { BullMqExecutor } from '../core/automation/bullmq-executor.js';
import { InvalidArgumentError } from 'commander';
import { advertiseUrlOption, advertisedTrackingUrl } from './advertise-url.js';
import { QueueConnectError, openQueue } from './queue-connect.js';
import { PipelineRunner } from '../core/automation/ct/pipeline-runner.js';

export interface ServeOptions {
  host: string;
  port: number;
  dataDir?: string;
  /** Named bearer tokens (`--token NAME=SECRET`); the name is the caller's recorded identity. */
  tokens?: readonly NamedToken[];
  /** Set by the desktop app only: every request must carry this per-launch secret. */
  launchSecret?: string;
  version: string;
  quiet?: boolean;
  /** `--redis`: project jobs and the app's sweep trials go to BullMQ workers on this Redis instead of the local pool. */
  redis?: string;
  queue?: string;
  /** `--advertise-url`: the tracking URL those workers log into (default: derived from host and port). */
  advertiseUrl?: string;
}

export interface RunningServer {
  app: FastifyInstance;
  services: Services;
  store: TrackingStore;
  url: string;
  /** `--redis`: the BullMQ queue jobs go to and the tracking URL its workers were told. */
  queue: { name: string; trackingUri: string } | null;
  /** Model deployments saved by the last launch, restarting in the background. */
  restoredDeployments: Deployment[];
  close(): Promise<void>;
}

export { loginUrl } from '../server/token-login.js';

export class ServeConfigError extends Error {}

export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const tokens = options.tokens ?? [];
  const problem = tokenSetProblem(tokens);
  if (problem) throw new ServeConfigError(`--token: ${problem}`);
  const unguarded = bindWithoutTokenProblem(options.host, tokens);
  if (unguarded) throw new ServeConfigError(unguarded);
  if (!options.redis && (options.queue || options.advertiseUrl)) throw new ServeConfigError(`${options.queue ? '--queue' : '--advertise-url'} needs --redis: it only concerns BullMQ workers.`);
  const dataDir = resolveDataDir(options.dataDir);
  const services = createServices({ dataDir, background: true });
  const { store } = services;
  let app: FastifyInstance;
  try {
    app = await buildServer({ services, tokens, launchSecret: options.launchSecret, version: options.version });
    await app.listen({ host: options.host, port: options.port });
  } catch (error) {
    await services.close();
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const host = options.host.includes(':') && !options.host.startsWith('[') ? `[${options.host}]` : options.host;
  const url = `http://${host}:${port}`;
  // Project jobs log into this server (the projects owner's launcher talks to it over REST only);
  // behind the desktop app's launch secret, they carry it as their bearer token.
  const jobToken = tokens[0]?.secret ?? options.launchSecret;
  services.jobs.pool.setTrackingServer({ trackingUri: url, token: jobToken });
  let queue: BullMqExecutor | null = null;
  if (options.redis) {
    try {
      const advertised = advertisedTrackingUrl(options.host, port, options.advertiseUrl === undefined ? undefined : advertiseUrlOption(options.advertiseUrl));
      // Workers bring their own token (`mldesk worker --token`): it never goes through Redis.
      queue = await openQueue({ store: services.jobs.store, redisUrl: options.redis, queue: options.queue, trackingUri: advertised, ownTrackingUri: url, token: jobToken });
    } catch (error) {
      await app.close();
      await services.close();
      if (error instanceof InvalidArgumentError) throw new ServeConfigError(`--advertise-url: ${error.message}`);
      throw error instanceof QueueConnectError || (error as { code?: string }).code === 'INVALID_PARAMETER_VALUE' ? new ServeConfigError((error as Error).message) : error;
    }
    services.jobs.useRemote(queue);
  }
  const restoredDeployments = services.deployments.restore();
  // Monitoring keeps up with the prediction log in the background: references are profiled and new
  // closed windows stored, so the monitoring page only reads.
  const monitor = startMonitorLoop(services, {
    intervalMs: monitorIntervalMs(),
    onError: (error) => {
      if (!options.quiet) process.stderr.write(`mldesk serve: monitoring pass failed: ${error.message}\n`);
    },
  });
  // Alert notifications and webhook deliveries (pending ones from the last launch included).
  const alerts = new AlertLoop(store.db, services.events, { baseUrl: url }).start();
  // Continuous training: policies whose triggers fire start pipeline runs here.
  const ct = new CtLoop(new PipelineRunner(services), {
    pollMs: intervalFromEnv('MLDESK_CT_INTERVAL_MS', 5000),
    onError: (error) => {
      if (!options.quiet) process.stderr.write(`mldesk serve: continuous training: ${error.message}\n`);
    },
  }).start();
  const stopSweeps = attachSweepExecutor(services, { trackingUri: url, token: jobToken });
  let closing: Promise<void> | undefined;
  return {
    app,
    services,
    store,
    url,
    queue: queue ? { name: queue.queueName, trackingUri: queue.trackingUri } : null,
    restoredDeployments,
    close() {
      // app.close() waits for in-flight requests (and so their writes) before the database closes.
      // The monitoring pass under way finishes before the database closes.
      closing ??= alerts
        .stop()
        .then(() => ct.stop())
        .then(() => stopSweeps())
        .then(() => queue?.close())
        .then(() => app.close())
        .then(() => monitor.stop())
        .then(() => services.close());
      return closing;
    },
  };
}

/** How often the background monitoring pass runs: MLDESK_MONITOR_INTERVAL_MS (tests), else every 30 s. */
function monitorIntervalMs(): number {
  const value = Number(process.env.MLDESK_MONITOR_INTERVAL_MS);
  return Number.isFinite(value) && value >= 100 ? value : 30_000;
}

/** A poll interval from the environment (tests shorten it), else the default. */
function intervalFromEnv(name: string, fallback: number): number {
  const value = Number(process.env[name]);
  return Number.isFinite(value) && value >= 100 ? value : fallback;
}
