// Sandboxed preload (CommonJS, as sandboxed preloads must be): exposes one named function per app
// operation and an event subscription, nothing generic. The satisfies check keeps the list complete.
import type * as ElectronModule from 'electron';
import type { IpcRendererEvent } from 'electron';
import type { MLDeskBridge } from '../../shared/app-api/bridge.js';
import type { AppEvent } from '../../shared/app-api/events.js';
import type { ApiResult } from '../../shared/app-api/operations.js';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- sandboxed preloads can only require('electron')
const { contextBridge, ipcRenderer } = require('electron') as typeof ElectronModule;

// invoke() is typed as Promise<any>; the main-side handler answers an ApiResult, said here once.
const call =
  (operation: string) =>
  (input: unknown): Promise<ApiResult<unknown>> =>
    ipcRenderer.invoke(`mldesk:api:${operation}`, input) as Promise<ApiResult<unknown>>;

const bridge = {
  api: {
    'experiments.list': call('experiments.list'),
    'experiments.create': call('experiments.create'),
    'experiments.rename': call('experiments.rename'),
    'experiments.delete': call('experiments.delete'),
    'runs.columns': call('runs.columns'),
    'runs.page': call('runs.page'),
    'runs.get': call('runs.get'),
    'runs.setDescription': call('runs.setDescription'),
    'metrics.series': call('metrics.series'),
    'artifacts.list': call('artifacts.list'),
    'artifacts.preview': call('artifacts.preview'),
    'runs.evaluation': call('runs.evaluation'),
    'datasets.list': call('datasets.list'),
    'datasets.get': call('datasets.get'),
    'datasets.samples': call('datasets.samples'),
    'datasets.importSample': call('datasets.importSample'),
    'datasets.upload': call('datasets.upload'),
    'training.start': call('training.start'),
    'training.cancel': call('training.cancel'),
    'training.jobs': call('training.jobs'),
    'training.backends': call('training.backends'),
    'runs.lineage': call('runs.lineage'),
    'runs.reproduceCheck': call('runs.reproduceCheck'),
    'runs.reproduce': call('runs.reproduce'),
    'session.get': call('session.get'),
    'models.list': call('models.list'),
    'models.get': call('models.get'),
    'models.aliasHistory': call('models.aliasHistory'),
    'models.review': call('models.review'),
    'models.setAlias': call('models.setAlias'),
    'models.rollback': call('models.rollback'),
    'models.register': call('models.register'),
    'models.settings': call('models.settings'),
    'models.updateSettings': call('models.updateSettings'),
    'deployments.list': call('deployments.list'),
    'deployments.start': call('deployments.start'),
    'deployments.stop': call('deployments.stop'),
    'predictions.page': call('predictions.page'),
    'predictions.stats': call('predictions.stats'),
    'predictions.refusals': call('predictions.refusals'),
    'predictions.example': call('predictions.example'),
    'predictions.quality': call('predictions.quality'),
    'predictions.get': call('predictions.get'),
    'monitoring.settings': call('monitoring.settings'),
    'monitoring.updateSettings': call('monitoring.updateSettings'),
    'monitoring.setReference': call('monitoring.setReference'),
    'monitoring.computeWindows': call('monitoring.computeWindows'),
    'qualityTests.run': call('qualityTests.run'),
    'qualityTests.list': call('qualityTests.list'),
    'alerts.list': call('alerts.list'),
    'alerts.rules.list': call('alerts.rules.list'),
    'alerts.rules.create': call('alerts.rules.create'),
    'alerts.rules.update': call('alerts.rules.update'),
    'alerts.rules.delete': call('alerts.rules.delete'),
    'alerts.deliveries': call('alerts.deliveries'),
    'jobs.list': call('jobs.list'),
    'jobs.get': call('jobs.get'),
    'jobs.cancel': call('jobs.cancel'),
    'bundle.info': call('bundle.info'),
    'handoff.get': call('handoff.get'),
    'keys.show': call('keys.show'),
    'keys.list': call('keys.list'),
    'keys.trust': call('keys.trust'),
    'keys.untrust': call('keys.untrust'),
    'reviews.draft': call('reviews.draft'),
    'reviews.draft.addComment': call('reviews.draft.addComment'),
    'reviews.draft.removeComment': call('reviews.draft.removeComment'),
    'reviews.draft.update': call('reviews.draft.update'),
    'reviews.draft.save': call('reviews.draft.save'),
    'reviews.import': call('reviews.import'),
    'reviews.comments': call('reviews.comments'),
    'bundles.export': call('bundles.export'),
    'ct.policy.get': call('ct.policy.get'),
    'ct.policy.list': call('ct.policy.list'),
    'ct.policy.set': call('ct.policy.set'),
    'pipelines.list': call('pipelines.list'),
    'pipelines.get': call('pipelines.get'),
    'pipelines.run': call('pipelines.run'),
    'pipelines.shadow': call('pipelines.shadow'),
    'sweeps.list': call('sweeps.list'),
    'sweeps.get': call('sweeps.get'),
    'sweeps.create': call('sweeps.create'),
    'sweeps.cancel': call('sweeps.cancel'),
    'sweeps.promoteBest': call('sweeps.promoteBest'),
    'monitoring.overview': call('monitoring.overview'),
    'monitoring.heatmap': call('monitoring.heatmap'),
    'monitoring.cell': call('monitoring.cell'),
    'monitoring.lineage': call('monitoring.lineage'),
  },
  onEvent(listener: (event: AppEvent) => void) {
    const handler = (_event: IpcRendererEvent, payload: AppEvent) => listener(payload);
    ipcRenderer.on('mldesk:event', handler);
    return () => {
      ipcRenderer.off('mldesk:event', handler);
    };
  },
} satisfies MLDeskBridge;

contextBridge.exposeInMainWorld('mldesk', bridge);
