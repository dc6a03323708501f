import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadSigningIdentity } from '../core/bundles/signing-identity.js';
import { createServices } from '../core/services.js';
import { TrackingStore } from '../core/store/tracking-store.js';
import { createAppHandlers, type AppHandlers } from './app-handlers.js';
import { dispatch } from './dispatch.js';

let dir: string;
let store: TrackingStore;
let handlers: AppHandlers;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mldesk-key-handlers-'));
  store = TrackingStore.open(dir);
  handlers = createAppHandlers(createServices({ store }));
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('keys.* operations', () => {
  it("show the data dir's own key; trust, list and untrust keys; errors name the field", async () => {
    const shown = await dispatch(handlers, 'keys.show', {});
    const own = loadSigningIdentity(dir);
    expect(shown).toEqual({ ok: true, value: { key: { publicKey: own.signer.publicKey, fingerprint: own.signer.fingerprint, name: own.signer.name, keyFile: join(dir, 'keys', 'signing-key.pem') } } });

    const alice = loadSigningIdentity(join(dir, 'alice'), 'alice');
    const trusted = await dispatch(handlers, 'keys.trust', { name: ' Alice ', key: `${alice.signer.publicKey}\n` });
    expect(trusted).toMatchObject({ ok: true, value: { key: { name: 'Alice', fingerprint: alice.signer.fingerprint } } });
    expect(await dispatch(handlers, 'keys.list', {})).toMatchObject({ ok: true, value: { keys: [{ name: 'Alice' }] } });

    const refusals: Array<[unknown, RegExp]> = [
      [{ name: '', key: alice.signer.publicKey }, /name/],
      [{ name: 'Bob', key: 'QUJD' }, /Invalid value for 'key': not an Ed25519 public key/],
      [{ name: 'Bob', key: `${alice.signer.publicKey.slice(0, 42)}B=` }, /Invalid value for 'key'/],
      [{ name: 'Alice', key: own.signer.publicKey }, /already trusted as 'Alice'/],
    ];
    for (const [input, message] of refusals) {
      const result = await dispatch(handlers, 'keys.trust', input);
      expect(result.ok, JSON.stringify(input)).toBe(false);
      expect(!result.ok && result.error.message, JSON.stringify(input)).toMatch(message);
    }
    expect(await dispatch(handlers, 'keys.untrust', { nameOrFingerprint: 'Nobody' })).toMatchObject({ ok: false, error: { message: "No trusted key is named or fingerprinted 'Nobody'." } });
    expect(await dispatch(handlers, 'keys.untrust', { nameOrFingerprint: alice.signer.fingerprint })).toEqual({ ok: true, value: {} });
    expect(await dispatch(handlers, 'keys.list', {})).toEqual({ ok: true, value: { keys: [] } });
  });
});
