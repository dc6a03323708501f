import type { Command } from 'commander';
import { MLDeskError } from '../core/errors.js';
import { assignReference, type StoredReference } from '../core/monitoring/reference-profiles.js';
import { parseTarget, resolveTarget } from '../core/serving/serving-target.js';
import { runMonitorCli, type MonitorFlags } from './monitor-report-command.js';

interface ReferenceFlags extends MonitorFlags {
  dataset: string;
}

export interface ReferenceAnswer {
  model: string;
  version: string;
  reference: { dataset: string; sha256: string; source: string; status: string; rows: number | null; features: number | null };
}

/** `mldesk monitor reference NAME/VERSION --dataset NAME[@V]`: a reference for a version whose run has no dataset in lineage. */
export function registerMonitorReference(monitor: Command): void {
  monitor
    .command('reference <target>')
    .description("give a model version (NAME/VERSION or NAME@ALIAS) a reference dataset by hand and profile it now; its windows compare against it from then on")
    .requiredOption('--dataset <ref>', 'the dataset version: NAME@VERSION, or NAME for its latest version')
    .option('--json', 'print one JSON object')
    .option('--data-dir <dir>', 'directory holding the database (default: $MLDESK_HOME, else the OS app-data folder)')
    .action((target: string, flags: ReferenceFlags) =>
      runMonitorCli(
        'monitor reference',
        flags,
        async (services): Promise<ReferenceAnswer> => {
          const parsed = parseTarget(target);
          if (!parsed.alias && !parsed.version) throw new MLDeskError('INVALID_PARAMETER_VALUE', `Name the version: ${target}/VERSION or ${target}@ALIAS.`);
          const version = resolveTarget(services.registry, parsed);
          const stored: StoredReference = await assignReference(services, version.name, version.version, flags.dataset);
          if (stored.status === 'failed') throw new MLDeskError('INVALID_STATE', `${stored.datasetRef} cannot be the reference of ${version.name}/${version.version}: ${stored.error}`);
          return {
            model: version.name,
            version: version.version,
            reference: {
              dataset: stored.datasetRef,
              sha256: stored.datasetSha256,
              source: stored.source,
              status: stored.status,
              rows: stored.profile?.rows ?? null,
              features: stored.profile?.columns.length ?? null,
            },
          };
        },
        (a) => `${a.model}/${a.version} is now monitored against ${a.reference.dataset} (${a.reference.rows ?? '?'} rows, ${a.reference.features ?? '?'} features profiled).`,
      ),
    );
}
