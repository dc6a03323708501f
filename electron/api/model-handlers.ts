import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CHAMPION, previousVersion, ROLLBACK_MARK } from '../../shared/app-api/models.js';
import type { OperationOutput, OperationParsedInput } from '../../shared/app-api/operations.js';
import type { Caller } from '../core/caller-identity.js';
import { MLDeskError, invalidParameter } from '../core/errors.js';
import type { Services } from '../core/services.js';
import { MODEL_DIR } from '../core/training/model-files.js';
import { aliasChange, aliasTrail, listModels, modelSummary, modelVersions, reviewView, settingsView } from '../core/registry/registry-views.js';

type Input<K extends ModelOperation> = OperationParsedInput<K>;
type Output<K extends ModelOperation> = OperationOutput<K>;
type ModelOperation =
  | 'models.list'
  | 'models.get'
  | 'models.aliasHistory'
  | 'models.review'
  | 'models.setAlias'
  | 'models.rollback'
  | 'models.register'
  | 'models.settings'
  | 'models.updateSettings'
  | 'deployments.list'
  | 'deployments.start'
  | 'deployments.stop';

/** Registry and deployment operations of the app API (contract in shared/app-api/models.ts). */
export function createModelHandlers(services: Services) {
  const { store, registry, deployments } = services;
  const changed = (name: string) => store.events.emit('models.changed', { name });
  /** The core refuses too; this says it in the app's words (no CLI hint, the buttons are beside it). */
  const requireChampionReady = (name: string, version: string) => {
    const refusal = registry.approvals.championRefusal(registry.versionRow(name, version));
    if (refusal !== null) throw invalidParameter(`Field 'version': ${name} v${version} cannot be champion: ${refusal}.`);
  };

  return {
    'models.list': (query: Input<'models.list'>): Output<'models.list'> => listModels(store, registry, query),
    'models.get': ({ name }: Input<'models.get'>): Output<'models.get'> => ({
      model: modelSummary(store, registry, name),
      versions: modelVersions(store, registry, name),
      settings: settingsView(registry.settings()),
    }),
    'models.aliasHistory': ({ name, offset, limit }: Input<'models.aliasHistory'>): Output<'models.aliasHistory'> => {
      const page = registry.aliasHistoryPage(name, offset, limit);
      return { total: page.total, entries: page.entries.map(aliasChange) };
    },
    'models.review': ({ name, version, decision, comment, reviewer }: Input<'models.review'>, caller: Caller): Output<'models.review'> => {
      const review = registry.approvals.review(name, version, { reviewer: caller.identity, reviewerDisplay: reviewer, decision, comment: comment?.trim() });
      changed(name);
      return { review: reviewView(review), approval: registry.approvals.approvalState(name, version) };
    },
    'models.setAlias': ({ name, alias, version, reason }: Input<'models.setAlias'>, caller: Caller): Output<'models.setAlias'> => {
      const before = registry.getModel(name).aliases.find((a) => a.alias === alias)?.version ?? null;
      if (alias === CHAMPION) requireChampionReady(name, version);
      registry.setAlias(name, alias, version, { actor: caller.identity, reason });
      changed(name);
      return { fromVersion: before, toVersion: version };
    },
    'models.rollback': ({ name, alias, reason }: Input<'models.rollback'>, caller: Caller): Output<'models.rollback'> => {
      const current = registry.getModel(name).aliases.find((a) => a.alias === alias)?.version;
      if (current === undefined) throw invalidParameter(`Field 'alias': model ${name} has no alias '${alias}' to roll back.`);
      const previous = previousVersion(aliasTrail(registry, name, alias), alias);
      if (previous === null) throw new MLDeskError('INVALID_STATE', `${name}@${alias} has pointed at version ${current} only: there is no earlier version to roll back to.`);
      try {
        registry.getVersion(name, previous);
      } catch {
        throw new MLDeskError('INVALID_STATE', `${name}@${alias} pointed at version ${previous} before, but that version has been deleted.`);
      }
      registry.setAlias(name, alias, previous, { actor: caller.identity, reason: `${ROLLBACK_MARK}${reason}` });
      changed(name);
      return { fromVersion: current, toVersion: previous };
    },
    'models.register': ({ runId, name }: Input<'models.register'>, caller: Caller): Output<'models.register'> => {
      const run = store.runs.get(runId);
      const root = store.artifacts.localDirOf(run.info.artifact_uri);
      if (root === null || !existsSync(join(root, MODEL_DIR, 'model.json'))) {
        throw invalidParameter(`Field 'runId': run ${run.info.run_name || runId} has no model to register (no ${MODEL_DIR}/ artifacts); train it with MLDesk first.`);
      }
      let createdModel = false;
      try {
        registry.getModel(name);
      } catch (error) {
        if (!(error instanceof MLDeskError) || error.code !== 'RESOURCE_DOES_NOT_EXIST') throw error;
        registry.createModel(name);
        createdModel = true;
      }
      const version = registry.createVersion(name, { source: `runs:/${runId}/${MODEL_DIR}`, runId, creator: caller.identity });
      changed(name);
      return { name, version: version.version, createdModel };
    },
    'models.settings': (): Output<'models.settings'> => ({ settings: settingsView(registry.settings()) }),
    'models.updateSettings': ({ fourEyes }: Input<'models.updateSettings'>, caller: Caller): Output<'models.updateSettings'> => {
      const settings = settingsView(registry.setFourEyes(fourEyes, caller.identity));
      // Every model's champion rule changed: open model pages refetch on any models.changed.
      changed('');
      return { settings };
    },
    'deployments.list': ({ model }: Input<'deployments.list'>): Output<'deployments.list'> => ({ deployments: deployments.list(model) }),
    'deployments.start': (request: Input<'deployments.start'>): Output<'deployments.start'> => ({ deployment: deployments.start(request) }),
    'deployments.stop': async ({ id }: Input<'deployments.stop'>): Promise<Output<'deployments.stop'>> => {
      await deployments.stop(id);
      return {};
    },
  } satisfies { [K in ModelOperation]: unknown };
}
