import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_MONITOR_SETTINGS, settingsSha256 } from '../core/monitoring/monitor-settings.js';
import { readReference } from '../core/monitoring/reference-profiles.js';
import { churnProfile, churnRecords, logChurnPredictions, openMonitoringStore, registerBareVersion, storeReadyReference, type MonitoringFixture } from '../core/monitoring/test-monitoring.js';
import { createServices } from '../core/services.js';
import { createAppHandlers, type AppHandlers } from './app-handlers.js';
import { dispatch } from './dispatch.js';

let fx: MonitoringFixture;
let handlers: AppHandlers;

beforeEach(() => {
  fx = openMonitoringStore('monitoring-handlers');
  handlers = createAppHandlers(createServices({ store: fx.store }));
  registerBareVersion(fx.registry, 'churn');
});
afterEach(() => fx.dispose());

const call = (name: string, input: unknown) => dispatch(handlers, name, input);

describe('monitoring settings operations', () => {
  it('answers the defaults, stores valid settings, and hashes them whatever the key order', async () => {
    expect(await call('monitoring.settings', { model: 'churn' })).toEqual({ ok: true, value: { settings: DEFAULT_MONITOR_SETTINGS } });
    const settings = { window: { by: 'day' }, minWindowRows: 100, datasetShare: 0.3, overrides: { plan: { method: 'psi', threshold: 0.25 } } };
    expect(await call('monitoring.updateSettings', { model: 'churn', settings })).toEqual({ ok: true, value: { settings } });
    expect(await call('monitoring.settings', { model: 'churn' })).toEqual({ ok: true, value: { settings } });
    const reordered = { overrides: { plan: { threshold: 0.25, method: 'psi' as const } }, datasetShare: 0.3, minWindowRows: 100, window: { by: 'day' as const } };
    expect(settingsSha256(reordered)).toBe(settingsSha256(settings as typeof reordered));
  });

  it('refuses bad settings naming the field, and keeps what was stored', async () => {
    const good = { window: { by: 'count', size: 200 }, minWindowRows: 50, datasetShare: 0.5, overrides: {} };
    await call('monitoring.updateSettings', { model: 'churn', settings: good });
    const cases: Array<[unknown, RegExp]> = [
      [{ window: { by: 'count', size: 0 } }, /Field 'settings\.window/],
      [{ window: { by: 'week' } }, /Field 'settings\.window/],
      [{ minWindowRows: 0 }, /Field 'settings\.minWindowRows'/],
      [{ datasetShare: 1.5 }, /Field 'settings\.datasetShare'/],
      [{ overrides: { plan: { method: 'magic' } } }, /Field 'settings\.overrides\.plan\.method'/],
      [{ overrides: { plan: { threshold: -1 } } }, /Field 'settings\.overrides\.plan\.threshold'/],
      [{ minRows: 10 }, /minRows/],
    ];
    for (const [settings, message] of cases) {
      const answer = await call('monitoring.updateSettings', { model: 'churn', settings });
      expect(answer.ok).toBe(false);
      if (!answer.ok) {
        expect(answer.error.code).toBe('INVALID_PARAMETER_VALUE');
        expect(answer.error.message).toMatch(message);
      }
    }
    expect(await call('monitoring.settings', { model: 'churn' })).toEqual({ ok: true, value: { settings: good } });
    const unknown = await call('monitoring.updateSettings', { model: 'nope', settings: good });
    expect(unknown).toMatchObject({ ok: false, error: { code: 'RESOURCE_DOES_NOT_EXIST' } });
  });

  it('refuses a reference for an unknown version or dataset, naming it, and stores nothing', async () => {
    expect(await call('monitoring.setReference', { model: 'churn', version: '7', dataset: 'iris' })).toMatchObject({
      ok: false,
      error: { code: 'RESOURCE_DOES_NOT_EXIST', message: expect.stringMatching(/version=7/) },
    });
    expect(await call('monitoring.setReference', { model: 'churn', version: '1', dataset: 'iris' })).toMatchObject({
      ok: false,
      error: { code: 'RESOURCE_DOES_NOT_EXIST', message: expect.stringMatching(/No dataset named 'iris'/) },
    });
    expect(await call('monitoring.setReference', { model: 'churn', version: 'one', dataset: 'iris' })).toMatchObject({
      ok: false,
      error: { code: 'INVALID_PARAMETER_VALUE', message: expect.stringMatching(/Field 'version'/) },
    });
    expect(readReference(fx.db, fx.registry.versionRow('churn', 1).version_pk)).toBeNull();
  });

  it('runs a monitoring pass for a model on demand: new closed windows, and why a version has none', async () => {
    storeReadyReference(fx.db, fx.registry.versionRow('churn', 1).version_pk, churnProfile(churnRecords({ rows: 2000, seed: 1 })));
    registerBareVersion(fx.registry, 'churn');
    logChurnPredictions(fx.db, 'churn', 1, churnRecords({ rows: 2500, seed: 2 }), (i) => Date.now() - 1e6 + i);
    expect(await call('monitoring.computeWindows', { model: 'churn' })).toEqual({
      ok: true,
      value: {
        versions: [
          { version: '1', stored: 2, rows: 2000, skipped: null },
          { version: '2', stored: 0, rows: 0, skipped: 'no reference dataset' },
        ],
      },
    });
    expect(await call('monitoring.computeWindows', { model: 'churn' })).toMatchObject({ ok: true, value: { versions: [{ version: '1', stored: 0 }, { version: '2' }] } });
    expect(await call('monitoring.computeWindows', { model: 'nope' })).toMatchObject({ ok: false, error: { code: 'RESOURCE_DOES_NOT_EXIST' } });
  });
});
