import type { OperationOutput, OperationParsedInput } from '../../shared/app-api/operations.js';
import { parsePublicKey, signingKeyInfo } from '../core/bundles/key-service.js';
import { homeTrustedKeyList } from '../core/bundles/bundle-open.js';
import { TrustedKeys } from '../core/bundles/trusted-keys.js';
import type { Services } from '../core/services.js';

type KeyOperation = 'keys.show' | 'keys.list' | 'keys.trust' | 'keys.untrust';
type Handler<K extends KeyOperation> = (input: OperationParsedInput<K>) => OperationOutput<K>;

/** The settings card's signing key and trusted keys (contract in shared/app-api/keys.ts). */
export function createKeyHandlers({ store, bundle }: Pick<Services, 'store' | 'bundle'>): { [K in KeyOperation]: Handler<K> } {
  const trusted = new TrustedKeys(store.db);
  // Over an opened bundle the key is still the reviewer's own, kept in their data dir.
  const keyDir = bundle?.homeDataDir ?? store.dataDir;
  return {
    'keys.show': () => ({ key: signingKeyInfo(keyDir) }),
    // Over a bundle, the reviewer's own trusted keys (the bundle's table is the author's); changing
    // them is refused there like every other write, and done from the reviewer's own app.
    'keys.list': () => ({ keys: bundle ? homeTrustedKeyList(bundle.homeDataDir) : trusted.list() }),
    'keys.trust': ({ name, key }) => ({ key: trusted.add(name, parsePublicKey(key, 'key')) }),
    'keys.untrust': ({ nameOrFingerprint }) => {
      trusted.remove(nameOrFingerprint);
      return {};
    },
  };
}
