/**
 * Which loaded model version answers a request. The route (the server's target, an alias or a
 * version) is resolved against the registry on every request, a single indexed lookup, so moving
 * an alias takes effect with the next request, whichever process moved it. A version not loaded
 * yet is loaded once while its requests wait; a request holds a lease on the version it started
 * with, so a version swapped out is disposed only after its in-flight requests finish.
 */
import { invalidParameter, notFound } from '../errors.js';
import { CHAMPION_ALIAS, registryGeneration, type ModelRegistry } from '../registry/model-registry.js';
import type { ModelVersion } from '../registry/registry-types.js';
import type { TrackingStore } from '../store/tracking-store.js';
import type { BackendInfo, Tf } from '../training/backend.js';
import { loadModelDir, type LoadedModel } from '../training/model-files.js';
import { modelDirOf, resolveTarget, type ServingTarget } from './serving-target.js';

export interface ServedModel {
  name: string;
  version: string;
  modelVersion: ModelVersion;
  model: LoadedModel;
  backend: BackendInfo;
}

export interface Lease {
  served: ServedModel;
  release(): void;
}

interface Slot {
  version: string;
  loading: Promise<ServedModel>;
  served?: ServedModel;
  leases: number;
  lastUsed: number;
  evicted: boolean;
}

export interface RouterEvents {
  /** The version a route resolves to changed (e.g. an alias moved). */
  onSwap?: (route: string, from: string, to: string) => void;
}

/**
 * How stale the registry counter may be: an alias moved by another process reaches new requests
 * within this. Reading it once per event-loop turn cost ~13 µs a turn under load (a read
 * transaction with its file locks, caches cold), ~2% of the request thread (profiled).
 */
const GENERATION_MAX_AGE_MS = 10;

/** At most this many versions stay loaded (the default target's, plus recently asked-for ones). */
const MAX_LOADED = 3;

export class ModelRouter {
  private readonly slots = new Map<string, Slot>();
  private readonly lastResolved = new Map<string, string>();
  private readonly versionCache = new Map<string, string | null>();
  private cachedGeneration = -1;
  private generationReadAt = -Infinity;
  private localGeneration = -1;
  private readonly registryGeneration;
  private closed = false;
  /** One-row lookups for the per-request path; the registry's full reads only when these miss. */
  private readonly aliasVersion;
  private readonly versionExists;
  private readonly newestVersion;

  constructor(
    private readonly store: TrackingStore,
    private readonly registry: ModelRegistry,
    private readonly tf: Tf,
    private readonly backend: BackendInfo,
    readonly target: ServingTarget,
    private readonly events: RouterEvents = {},
  ) {
    const byName = 'JOIN registered_models m ON m.model_id = x.model_id WHERE m.name = ?';
    this.aliasVersion = store.db.prepare(`SELECT x.version FROM registered_model_aliases x ${byName} AND x.alias = ?`).pluck();
    this.versionExists = store.db.prepare(`SELECT x.version FROM model_versions x ${byName} AND x.version = ?`).pluck();
    this.registryGeneration = store.db.prepare('SELECT generation FROM registry_state').pluck();
    this.newestVersion = store.db.prepare(`SELECT MAX(x.version) FROM model_versions x ${byName}`).pluck();
  }

  /**
   * The version number a route names now, or null when it names nothing (the slow path explains
   * why). Cached until the registry changes: registry_state's counter is bumped by triggers on
   * every registry write, from any process; it is read again when it is GENERATION_MAX_AGE_MS old,
   * and at once after a change through this connection. Prediction-log and tracking writes leave
   * it alone.
   */
  private quickVersion(route: { version?: string; alias?: string }): string | null {
    // A change through this very connection (the desktop app's own registry calls) is seen at once.
    const local = registryGeneration(this.store.db);
    if (local !== this.localGeneration) {
      this.localGeneration = local;
      this.generationReadAt = -Infinity;
    }
    const now = performance.now();
    if (now - this.generationReadAt >= GENERATION_MAX_AGE_MS) {
      this.generationReadAt = now;
      const generation = this.registryGeneration.get() as number;
      if (generation !== this.cachedGeneration) {
        this.versionCache.clear();
        this.cachedGeneration = generation;
      }
    }
    const key = `${route.version ?? ''}\u0000${route.alias ?? ''}`;
    const cached = this.versionCache.get(key);
    if (cached !== undefined) return cached;
    const found = this.lookUpVersion(route);
    this.versionCache.set(key, found);
    return found;
  }

  private lookUpVersion(route: { version?: string; alias?: string }): string | null {
    const name = this.target.name;
    const version = route.version ?? (route.alias === undefined ? this.target.version : undefined);
    if (version !== undefined) return /^[1-9]\d*$/.test(version) && this.versionExists.get(name, Number(version)) !== undefined ? version : null;
    const alias = route.alias ?? this.target.alias;
    const found = (alias !== undefined ? this.aliasVersion.get(name, alias) : (this.aliasVersion.get(name, CHAMPION_ALIAS) ?? this.newestVersion.get(name))) as number | null | undefined;
    return found === undefined || found === null ? null : String(found);
  }

  get modelName(): string {
    return this.target.name;
  }

  /** The version a route names now: the server's target, an alias, or an explicit version. */
  resolve(route: { version?: string; alias?: string } = {}): ModelVersion {
    if (route.version !== undefined) {
      if (!/^[1-9]\d*$/.test(route.version)) throw invalidParameter(`Invalid model version '${route.version}': a version is a positive integer.`);
      return this.registry.getVersion(this.target.name, route.version);
    }
    if (route.alias !== undefined) return this.registry.versionByAlias(this.target.name, route.alias);
    return resolveTarget(this.registry, this.target);
  }

  /**
   * A lease on the version the route names now when that version is loaded, without waiting:
   * the per-request path (one cached lookup). Null when it has to be loaded first (use acquire).
   */
  tryAcquire(route: { version?: string; alias?: string } = {}): Lease | null {
    const slot = this.cachedSlot(route);
    if (!slot?.served) return null;
    this.noteRoute(route, slot);
    return this.lease(slot, slot.served);
  }

  /** A lease on the version the route names now, loading it first if needed. */
  async acquire(route: { version?: string; alias?: string } = {}): Promise<Lease> {
    const slot = this.cachedSlot(route) ?? this.slotFor(this.resolve(route));
    this.noteRoute(route, slot);
    if (slot.served) return this.lease(slot, slot.served);
    slot.leases++;
    let served: ServedModel;
    try {
      served = slot.served ?? (await slot.loading);
    } finally {
      slot.leases--;
    }
    return this.lease(slot, served);
  }

  /** The slot of the version the route names now, by the cached lookup; undefined when not in memory. */
  private cachedSlot(route: { version?: string; alias?: string }): Slot | undefined {
    if (this.closed) throw notFound('The model server is shutting down.');
    const quick = this.quickVersion(route);
    return quick !== null ? this.slots.get(quick) : undefined;
  }

  /** Tells onSwap when the version a route resolves to is not the one it resolved to last. */
  private noteRoute(route: { version?: string; alias?: string }, slot: Slot): void {
    const key = route.version !== undefined ? `version ${route.version}` : route.alias !== undefined ? `alias ${route.alias}` : 'target';
    const previous = this.lastResolved.get(key);
    if (previous !== slot.version) {
      this.lastResolved.set(key, slot.version);
      if (previous !== undefined) this.events.onSwap?.(key, previous, slot.version);
    }
  }

  private lease(slot: Slot, served: ServedModel): Lease {
    slot.leases++;
    slot.lastUsed = performance.now();
    let released = false;
    return {
      served,
      release: () => {
        if (released) return;
        released = true;
        slot.leases--;
        if (slot.evicted && slot.leases === 0) this.dispose(slot);
      },
    };
  }

  /** The versions loaded now, for status and metrics. */
  loaded(): ServedModel[] {
    return [...this.slots.values()].flatMap((slot) => (slot.served ? [slot.served] : []));
  }

  private slotFor(modelVersion: ModelVersion): Slot {
    let slot = this.slots.get(modelVersion.version);
    if (!slot) {
      const created: Slot = { version: modelVersion.version, leases: 0, lastUsed: performance.now(), evicted: false, loading: this.load(modelVersion) };
      created.loading.then(
        (served) => {
          created.served = served;
          if (created.evicted && created.leases === 0) this.dispose(created);
        },
        () => {
          // A failed load is retried by the next request rather than cached.
          if (this.slots.get(created.version) === created) this.slots.delete(created.version);
        },
      );
      this.slots.set(modelVersion.version, created);
      this.evictBeyondLimit(created);
      slot = created;
    }
    return slot;
  }

  private async load(modelVersion: ModelVersion): Promise<ServedModel> {
    const model = await loadModelDir(this.tf, modelDirOf(this.store, this.registry, modelVersion));
    const served: ServedModel = { name: modelVersion.name, version: modelVersion.version, modelVersion, model, backend: this.backend };
    return served;
  }

  /** Evicts least recently used versions beyond the limit, never the default target's version. */
  private evictBeyondLimit(keep: Slot): void {
    if (this.slots.size <= MAX_LOADED) return;
    const current = this.lastResolved.get('target');
    const candidates = [...this.slots.values()].filter((s) => s !== keep && s.version !== current).sort((a, b) => a.lastUsed - b.lastUsed);
    for (const slot of candidates) {
      if (this.slots.size <= MAX_LOADED) break;
      this.slots.delete(slot.version);
      slot.evicted = true;
      if (slot.leases === 0 && slot.served) this.dispose(slot);
    }
  }

  private dispose(slot: Slot): void {
    const served = slot.served;
    if (!served) return;
    slot.served = undefined;
    served.model.dispose();
  }

  /** Disposes every loaded version once its leases are released (call after the HTTP server closed). */
  async close(): Promise<void> {
    this.closed = true;
    const slots = [...this.slots.values()];
    this.slots.clear();
    await Promise.allSettled(slots.map((s) => s.loading));
    for (const slot of slots) {
      slot.evicted = true;
      if (slot.leases === 0) this.dispose(slot);
    }
  }
}

