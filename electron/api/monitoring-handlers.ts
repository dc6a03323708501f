import type { OperationOutput, OperationParsedInput } from '../../shared/app-api/operations.js';
import type { ReferenceView } from '../../shared/app-api/monitoring-settings.js';
import { monitorModel } from '../core/monitoring/monitor-pass.js';
import { readMonitorSettings, writeMonitorSettings } from '../core/monitoring/monitor-settings.js';
import { assignReference, type StoredReference } from '../core/monitoring/reference-profiles.js';
import type { Services } from '../core/services.js';

type MonitoringOperation = 'monitoring.settings' | 'monitoring.updateSettings' | 'monitoring.setReference' | 'monitoring.computeWindows';
type Input<K extends MonitoringOperation> = OperationParsedInput<K>;
type Output<K extends MonitoringOperation> = OperationOutput<K>;

export function referenceView(stored: StoredReference): ReferenceView {
  return {
    dataset: stored.datasetRef,
    sha256: stored.datasetSha256,
    source: stored.source,
    status: stored.status,
    error: stored.error,
    rows: stored.profile?.rows ?? null,
    features: stored.profile?.columns.length ?? null,
  };
}

/** The write side of monitoring in the app API (contract in shared/app-api/monitoring-settings.ts). */
export function createMonitoringHandlers(services: Services) {
  const { store } = services;
  const changed = (name: string) => store.events.emit('models.changed', { name });
  return {
    'monitoring.settings': ({ model }: Input<'monitoring.settings'>): Output<'monitoring.settings'> => ({ settings: readMonitorSettings(store.db, model) }),
    'monitoring.updateSettings': ({ model, settings }: Input<'monitoring.updateSettings'>): Output<'monitoring.updateSettings'> => {
      const stored = writeMonitorSettings(store.db, model, settings);
      changed(model);
      return { settings: stored };
    },
    'monitoring.setReference': async ({ model, version, dataset }: Input<'monitoring.setReference'>): Promise<Output<'monitoring.setReference'>> => {
      const stored = await assignReference(services, model, version, dataset);
      changed(model);
      return { reference: referenceView(stored) };
    },
    'monitoring.computeWindows': async ({ model }: Input<'monitoring.computeWindows'>): Promise<Output<'monitoring.computeWindows'>> => {
      const passes = await monitorModel(services, model);
      return { versions: passes.map((p) => ({ version: String(p.version), stored: p.stored, rows: p.rows, skipped: p.skipped })) };
    },
  } satisfies { [K in MonitoringOperation]: unknown };
}
