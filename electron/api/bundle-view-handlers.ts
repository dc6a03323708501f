import type { OperationOutput, OperationParsedInput } from '../../shared/app-api/operations.js';
import { BundleMetaSchema } from '../../shared/bundles.js';
import { bundleFileName } from '../core/bundles/bundle-open.js';
import type { Services } from '../core/services.js';

type BundleViewOperation = 'bundle.info';
type Handler<K extends BundleViewOperation> = (input: OperationParsedInput<K>) => OperationOutput<K>;

/** The opened bundle, if the services run over one (contract in shared/app-api/bundle-view.ts). */
export function createBundleViewHandlers({ bundle }: Pick<Services, 'bundle'>): { [K in BundleViewOperation]: Handler<K> } {
  return {
    'bundle.info': () => {
      if (!bundle) return { bundle: null };
      const { verification, manifest } = bundle;
      const progress = bundle.artifactProgress();
      return {
        bundle: {
          fileName: bundleFileName(bundle),
          manifestSha256: bundle.manifestSha256,
          createdTime: manifest.createdTime,
          signer: manifest.signer,
          trusted: verification.trusted,
          trustedName: verification.trustedName,
          integrity: verification.ok ? 'verified' : 'failed',
          problem: verification.problem?.message ?? null,
          // openBundle has parsed it already: a bundle whose meta does not parse is never opened.
          meta: BundleMetaSchema.parse(manifest.meta),
          artifacts: { check: bundle.artifactCheck, checked: progress.checked, total: progress.total },
        },
      };
    },
  };
}
