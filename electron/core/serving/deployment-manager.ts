import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { z } from 'zod';
import { CHAMPION, type Deployment } from '../../../shared/app-api/models.js';
import { MLDeskError, invalidParameter, notFound } from '../errors.js';
import type { ModelRegistry } from '../registry/model-registry.js';
import type { PredictionServer, PredictionServerOptions } from './prediction-server.js';
import type { TrackingStore } from '../store/tracking-store.js';

interface Entry {
  info: Deployment;
  server?: PredictionServer;
  /** Settles once the server listens or failed to. */
  starting: Promise<void>;
  removed: boolean;
  /**
   * The port asked for: undefined = the first free one from DEFAULT_PORT, 0 = any free one. Once
   * the server listens, the port it got: kept for the next launch, so clients keep reaching it.
   */
  port: number | undefined;
  /** Set when this start must get exactly `port` again (a restart): taken is a failure, never a move. */
  keep: boolean;
}

export type StartServer = (options: PredictionServerOptions) => Promise<PredictionServer>;

/**
 * The prediction server's modules (prom-client, scoring, the model runtimes) load with the first
 * deployment: `mldesk serve` and an opened bundle, which mostly run none, start ~0.15 s sooner.
 */
const startPredictionServer: StartServer = async (options) => (await import('./prediction-server.js')).createPredictionServer(options);

/** What is kept across launches: the deployments the user asked for, not their state. */
const SavedDeploymentsSchema = z.object({
  // port: the one the deployment was given (0 or absent: none yet, the next start picks one).
  deployments: z.array(z.object({ model: z.string().min(1), alias: z.string().min(1), port: z.number().int().min(0).max(65535).optional() })),
});
type SavedDeployment = z.infer<typeof SavedDeploymentsSchema>['deployments'][number];

/** Servers bind loopback only: scoring has no token check, so inputs and the model stay on this machine. */
const HOST = '127.0.0.1';

/** Deployments started without a port get the first free one from here (TF Serving's REST port). */
export const DEFAULT_PORT = 8500;
const PORTS_TRIED = 100;

const inUse = (error: unknown): boolean => (error as NodeJS.ErrnoException).code === 'EADDRINUSE';

function startError(error: unknown, port: number | undefined, kept: boolean): string {
  if (inUse(error) && kept) {
    return `Port ${port}, which this deployment had before the restart, is in use on ${HOST} by another program. It was not moved to another port, so its clients do not silently lose it: free port ${port} and start it again on that port, or dismiss it and start it on another one.`;
  }
  if (inUse(error)) return `Port ${port} is already in use on ${HOST}: pick another port, or leave it empty for the first free one from ${DEFAULT_PORT}.`;
  return (error as Error).message ?? String(error);
}

/** Whether nothing listens on the port on HOST right now. */
function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen({ port, host: HOST, exclusive: true }, () => probe.close(() => resolve(true)));
  });
}

/**
 * The prediction servers the app runs in its own process (`mldesk serve` or the desktop app's
 * main process), one per model and alias. Each is a createPredictionServer on 127.0.0.1; its
 * state goes starting → running, or failed with the reason, and every change is an app event.
 */
export class DeploymentManager {
  private readonly entries = new Map<string, Entry>();
  /** Set while restore() starts the saved deployments: it saves once at the end, not per start. */
  private restoring = false;
  private closed = false;

  constructor(
    private readonly store: TrackingStore,
    private readonly registry: ModelRegistry,
    private readonly startServer: StartServer = startPredictionServer,
  ) {}

  /** Deployments, oldest first. */
  list(model?: string): Deployment[] {
    return [...this.entries.values()].filter((e) => model === undefined || e.info.model === model).map((e) => this.view(e));
  }

  /**
   * A server follows its alias: each request resolves it, so the version it serves is the one the
   * alias names now (read from the registry here), not the one it loaded first.
   */
  private view(entry: Entry): Deployment {
    if (!entry.server) return { ...entry.info };
    let version = entry.server.served.version;
    try {
      version = entry.server.router.resolve().version;
    } catch {
      // The alias was removed: the server answers with errors until it is set again; show what it last served.
    }
    return { ...entry.info, version };
  }

  /**
   * Checks the target at once (field errors), then starts the server in the background. Without a
   * port it gets the first free one from DEFAULT_PORT; the port it gets is kept across launches.
   */
  start(request: { model: string; alias: string; port?: number }, keep = false): Deployment {
    if (this.closed) throw new MLDeskError('INVALID_STATE', 'MLDesk is shutting down: no new deployments.');
    const { model, alias, port } = request;
    const registry = this.registry;
    registry.getModel(model);
    let version: string;
    try {
      version = registry.versionByAlias(model, alias).version;
    } catch (error) {
      if (!(error instanceof MLDeskError) || error.code !== 'RESOURCE_DOES_NOT_EXIST') throw error;
      const hint = alias === CHAMPION ? ': approve a version and promote it to champion first' : '';
      throw invalidParameter(`Field 'alias': model ${model} has no alias '${alias}'${hint}.`);
    }
    for (const entry of this.entries.values()) {
      if (entry.info.model !== model || entry.info.alias !== alias) continue;
      if (entry.info.state === 'failed') this.remove(entry);
      else throw new MLDeskError('INVALID_STATE', `${model}@${alias} is already deployed${entry.info.url ? ` at ${entry.info.url}` : ' (starting)'}; stop it first.`);
    }
    const info: Deployment = { id: randomUUID(), model, alias, state: 'starting', version, url: null, port: null, startedAt: Date.now(), error: null };
    const entry: Entry = { info, removed: false, starting: Promise.resolve(), port, keep: keep && port !== undefined && port > 0 };
    entry.starting = this.listen(entry).then(
      async (server) => {
        if (entry.removed) return server.close();
        entry.server = server;
        entry.port = server.port;
        Object.assign(info, { state: 'running', url: server.url, port: server.port, version: server.served.version });
        this.save();
        this.changed(info);
      },
      (error: unknown) => {
        Object.assign(info, { state: 'failed', port: entry.keep ? entry.port : null, error: startError(error, entry.port, entry.keep) });
        if (!entry.removed) this.changed(info);
      },
    );
    this.entries.set(info.id, entry);
    this.save();
    this.changed(info);
    return { ...info };
  }

  /** Starts the entry's server: on its port, or on the first free one from DEFAULT_PORT (retrying past a port taken meanwhile). */
  private async listen(entry: Entry): Promise<PredictionServer> {
    const options = { store: this.store, registry: this.registry, target: `${entry.info.model}@${entry.info.alias}`, host: HOST, onVersionSwap: () => this.changed(entry.info) };
    if (entry.port !== undefined) return this.startServer({ ...options, port: entry.port });
    const claimed = () => new Set([...this.entries.values()].filter((e) => e !== entry && e.port !== undefined).map((e) => e.port));
    for (let port = DEFAULT_PORT; port < DEFAULT_PORT + PORTS_TRIED; port++) {
      if (claimed().has(port) || !(await portFree(port))) continue;
      // Claimed while the model loads, so a deployment started meanwhile looks further.
      entry.port = port;
      try {
        return await this.startServer({ ...options, port });
      } catch (error) {
        if (!inUse(error) || entry.removed) throw error;
      }
    }
    entry.port = undefined;
    throw new MLDeskError('INVALID_STATE', `No free port from ${DEFAULT_PORT} to ${DEFAULT_PORT + PORTS_TRIED - 1} on ${HOST}: give a port.`);
  }

  private get savedFile(): string {
    return join(this.store.dataDir, 'deployments.json');
  }

  /** Written on every start and user stop (not at shutdown), so the next launch restarts the same set. */
  private save(): void {
    if (this.restoring) return;
    const deployments: SavedDeployment[] = [...this.entries.values()].map((e) => ({ model: e.info.model, alias: e.info.alias, ...(e.port ? { port: e.port } : {}) }));
    const temp = `${this.savedFile}.tmp`;
    writeFileSync(temp, `${JSON.stringify({ deployments }, null, 2)}\n`);
    renameSync(temp, this.savedFile);
  }

  /**
   * Restarts the deployments saved by the last launch (the desktop app and `mldesk serve` call this
   * once at start), each on the port it had. One that can no longer start (its alias was removed,
   * its port is taken) is listed as failed with the reason, so the user sees it and can dismiss it;
   * it is never moved to another port, which its clients would not know.
   */
  restore(): Deployment[] {
    if (!existsSync(this.savedFile)) return [];
    let saved: SavedDeployment[];
    try {
      saved = SavedDeploymentsSchema.parse(JSON.parse(readFileSync(this.savedFile, 'utf8'))).deployments;
    } catch (error) {
      const issue = error instanceof z.ZodError ? error.issues[0] : undefined;
      const reason = issue ? `${issue.path.join('.') || 'file'}: ${issue.message}` : (error as Error).message;
      process.stderr.write(`MLDesk: not restarting deployments, ${this.savedFile} is unreadable (${reason}).\n`);
      return [];
    }
    const restored: Deployment[] = [];
    this.restoring = true;
    try {
      for (const request of saved) {
        try {
          restored.push(this.start({ model: request.model, alias: request.alias, ...(request.port ? { port: request.port } : {}) }, true));
        } catch (error) {
          const info: Deployment = { id: randomUUID(), model: request.model, alias: request.alias, state: 'failed', version: null, url: null, port: null, startedAt: Date.now(), error: `Could not restart: ${(error as Error).message}` };
          this.entries.set(info.id, { info, removed: false, starting: Promise.resolve(), port: request.port || undefined, keep: true });
          restored.push({ ...info });
          this.changed(info);
        }
      }
    } finally {
      this.restoring = false;
    }
    this.save();
    return restored;
  }

  /** Stops a deployment (a failed one is just dismissed); waits until its port is free. */
  async stop(id: string): Promise<void> {
    const entry = this.entries.get(id);
    if (!entry) throw notFound(`No deployment with id ${id} is running in this app.`);
    this.remove(entry);
    if (!this.closed) this.save();
    await entry.starting;
    await entry.server?.close();
    this.changed(entry.info);
  }

  private remove(entry: Entry): void {
    entry.removed = true;
    this.entries.delete(entry.info.id);
  }

  /** App shutdown: every server stops before the database closes. */
  async stopAll(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.entries.keys()].map((id) => this.stop(id)));
  }

  private changed(info: Deployment): void {
    this.store.events.emit('deployments.changed', { id: info.id, model: info.model });
  }
}
