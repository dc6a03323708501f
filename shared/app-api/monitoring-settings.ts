import { z } from 'zod';
import { modelName, versionNumber } from './fields.js';
import { MonitorSettingsSchema } from '../monitoring.js';

/**
 * The app's write side of monitoring (issue 13): a model's monitoring settings, a version's
 * reference dataset given by hand, and a monitoring pass run on demand. The monitoring page's reads
 * are elsewhere (its own operations).
 */

const model = modelName;
const version = versionNumber;

export const ReferenceViewSchema = z.object({
  /** `name@version`. */
  dataset: z.string(),
  sha256: z.string(),
  source: z.enum(['lineage', 'manual']),
  status: z.enum(['pending', 'ready', 'failed']),
  error: z.string().nullable(),
  /** Rows and features profiled; null until the profile is ready. */
  rows: z.number().nullable(),
  features: z.number().nullable(),
});
export type ReferenceView = z.infer<typeof ReferenceViewSchema>;

export const monitoringSettingsOperations = {
  'monitoring.settings': {
    input: z.object({ model }),
    output: z.object({ settings: MonitorSettingsSchema }),
  },
  /** Replaces the model's settings (omitted fields take their defaults); its windows start a new series. */
  'monitoring.updateSettings': {
    input: z.object({ model, settings: MonitorSettingsSchema.strict() }),
    output: z.object({ settings: MonitorSettingsSchema }),
  },
  /** Gives a version a reference dataset (`NAME` or `NAME@VERSION`) by hand and profiles it before answering. */
  'monitoring.setReference': {
    input: z.object({ model, version, dataset: z.string().min(1, 'is required') }),
    output: z.object({ reference: ReferenceViewSchema }),
  },
  /** Runs a monitoring pass for the model's versions now: profiles pending references, stores new closed windows. */
  'monitoring.computeWindows': {
    input: z.object({ model }),
    output: z.object({
      versions: z.array(z.object({ version: z.string(), stored: z.number(), rows: z.number(), skipped: z.string().nullable() })),
    }),
  },
} as const;
