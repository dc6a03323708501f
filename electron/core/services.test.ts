import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createServices } from './services.js';
import { TrackingStore } from './store/tracking-store.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mldesk-services-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('createServices', () => {
  it('opens the data directory once and closes it on close(), once however often it is called', async () => {
    const services = createServices({ dataDir: dir });
    expect(services.store.dataDir).toBe(dir);
    expect(services.events).toBe(services.store.events);
    services.registry.createModel('iris');
    expect(services.datasets.list()).toEqual([]);
    expect(services.deployments.list()).toEqual([]);
    expect(services.training.list()).toEqual([]);
    await Promise.all([services.close(), services.close()]);
    expect(services.store.db.open).toBe(false);
    expect(() => services.deployments.start({ model: 'iris', alias: 'champion', port: 0 })).toThrow(/shutting down/);
  });

  it('leaves a store it was given open for its owner, and writes through the same connection', async () => {
    const store = TrackingStore.open(dir);
    try {
      const services = createServices({ store });
      services.registry.createModel('churn');
      await services.close();
      expect(store.db.open).toBe(true);
      expect(createServices({ store }).registry.getModel('churn').name).toBe('churn');
    } finally {
      store.close();
    }
  });
});
