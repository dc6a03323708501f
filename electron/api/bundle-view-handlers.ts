import type { OperationOutput, OperationParsedInput } from '../../shared/app-api/operations.js';
import type { Services } from '../core/services.js';

type BundleViewOperation = 'bundle.info';
type Handler<K extends BundleViewOperation> = (input: OperationParsedInput<K>) => OperationOutput<K>;

/** The opened bundle, if the services run over one (contract in shared/app-api/bundle-view.ts). */
export function createBundleViewHandlers({ bundle }: Pick<Services, 'bundle'>): { [K in BundleViewOperation]: Handler<K> } {
  return {
    // Filled in by the bundle-open work; a normal data dir is not a bundle.
    'bundle.info': () => {
      void bundle;
      return { bundle: null };
    },
  };
}
