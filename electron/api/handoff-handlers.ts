import { packageFileName } from '../../shared/app-api/handoff.js';
import type { OperationOutput, OperationParsedInput } from '../../shared/app-api/operations.js';
import { planPackage } from '../core/bundles/package-contents.js';
import { dockerTag } from '../core/bundles/package-sbom.js';
import { loadSigningIdentity } from '../core/bundles/signing-identity.js';
import type { Services } from '../core/services.js';

type HandoffOperation = 'handoff.get';
type Input<K extends HandoffOperation> = OperationParsedInput<K>;
type Output<K extends HandoffOperation> = OperationOutput<K>;

/** The Handoff tab of a model version (contract in shared/app-api/handoff.ts). */
export function createHandoffHandlers(services: Pick<Services, 'store' | 'registry' | 'bundle'>) {
  return {
    'handoff.get': async ({ model, version }: Input<'handoff.get'>): Promise<Output<'handoff.get'>> => {
      const plan = await planPackage(services, { name: model, version }, { requireApproval: false });
      const file = packageFileName(plan.version.name, plan.version.version);
      // The key this installation signs with (its own data dir's, also when a bundle is open): operations pin it with --trust.
      const fingerprint = loadSigningIdentity(services.bundle?.homeDataDir ?? services.store.dataDir).signer.fingerprint;
      const contents = plan.entries.map((e) => ({ path: e.path, size: e.size }));
      return {
        model: plan.version.name,
        version: plan.version.version,
        approval: { state: plan.approvalState, refusal: plan.refusal },
        card: plan.card,
        cardMarkdown: plan.cardMarkdown,
        contents,
        totalBytes: contents.reduce((sum, e) => sum + e.size, 0),
        fileName: file,
        commands: [
          { label: 'Verify the signature and every hash', command: `mldesk package verify ${file} --trust ${fingerprint}` },
          { label: 'Serve it (installs into an empty data dir once)', command: `mldesk serve-model --package ${file} --trust ${fingerprint} --port 8080 --data-dir ./serving-data` },
          {
            label: 'Or build the container (context: the package, docker/ from it, MLDesk in mldesk/)',
            command: `unzip -j ${file} 'docker/*' -d . && docker build -t ${dockerTag(plan.version)} . && docker run -p 8080:8080 -e MLDESK_TOKEN=<secret> ${dockerTag(plan.version)}`,
          },
        ],
      };
    },
  };
}
