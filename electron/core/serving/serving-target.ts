/**
 * What a model server serves: `NAME@ALIAS`, `NAME/VERSION` or a bare `NAME`, resolved against the
 * registry, and where a resolved version's model files are.
 */
import { invalidParameter, notFound } from '../errors.js';
import { CHAMPION_ALIAS, type ModelRegistry } from '../registry/model-registry.js';
import type { ModelVersion } from '../registry/registry-types.js';
import type { TrackingStore } from '../store/tracking-store.js';

export interface ServingTarget {
  name: string;
  alias?: string;
  version?: string;
}

/** Parses `NAME@ALIAS` or `NAME/VERSION` (a bare NAME means its champion, else its latest version). */
export function parseTarget(target: string): ServingTarget {
  const at = target.lastIndexOf('@');
  if (at > 0) return { name: target.slice(0, at), alias: requirePart(target.slice(at + 1), target) };
  const slash = target.lastIndexOf('/');
  if (slash > 0) {
    const version = target.slice(slash + 1);
    if (!/^[1-9]\d*$/.test(version)) throw invalidParameter(`Invalid model target '${target}': the version after '/' must be a positive integer.`);
    return { name: target.slice(0, slash), version };
  }
  return { name: requirePart(target, target) };
}

function requirePart(part: string, target: string): string {
  if (part.trim() === '') throw invalidParameter(`Invalid model target '${target}': use NAME@ALIAS or NAME/VERSION.`);
  return part;
}

/** The version a target names: its alias's version, the given version, else champion, else latest. */
export function resolveTarget(registry: ModelRegistry, target: ServingTarget): ModelVersion {
  if (target.alias) return registry.versionByAlias(target.name, target.alias);
  if (target.version) return registry.getVersion(target.name, target.version);
  const model = registry.getModel(target.name);
  if (model.aliases.some((a) => a.alias === CHAMPION_ALIAS)) return registry.versionByAlias(target.name, CHAMPION_ALIAS);
  // The newest version of each stage: the newest of those is the newest version overall.
  const latest = registry.latestVersions(target.name);
  if (latest.length === 0) throw notFound(`Registered model ${target.name} has no versions to serve.`);
  return latest.reduce((a, b) => (Number(b.version) > Number(a.version) ? b : a));
}

/**
 * The local directory holding a model version's files: runs:/RUN_ID/model is the run's
 * artifacts/model; a copy (models:/NAME/VERSION, from copy_model_version) is the copied version's.
 */
export function modelDirOf(store: TrackingStore, registry: ModelRegistry, version: ModelVersion): string {
  const uri = registry.downloadUri(version.name, version.version);
  if (uri.startsWith('runs:/')) throw notFound(`Model version ${version.name}/${version.version}: its source ${version.source} names a run that does not exist.`);
  const dir = store.artifacts.localDirOf(uri);
  if (!dir) throw invalidParameter(`Model version ${version.name}/${version.version}: cannot load from non-local source ${uri}.`);
  return dir;
}
