import { z } from 'zod';

/** How far a bundle export has got; pushed as `bundles.exportProgress` and printed by the CLI. */
export const BundleProgressSchema = z.object({
  phase: z.enum(['store', 'files', 'report', 'done', 'failed']),
  /** Bytes of the entries written so far, of `totalBytes` (known once the store is copied). */
  doneBytes: z.number(),
  totalBytes: z.number(),
  message: z.string(),
});
export type BundleProgress = z.infer<typeof BundleProgressSchema>;

/** The event payload: one export started from the app, by its id. */
export interface BundleExportEvent extends BundleProgress {
  exportId: string;
  /** When done: the download link relative to the UI's address, and the file's name. */
  downloadUrl: string | null;
  fileName: string | null;
}

export const BundleExportRequestSchema = z.object({
  experimentId: z.string().regex(/^\d+$/, 'must be an experiment id (digits)'),
  /** The runs to bundle; empty: every active run of the experiment. */
  runIds: z.array(z.string().min(1)).max(10_000, 'may name at most 10,000 runs'),
  withData: z.boolean(),
  anonymize: z.boolean(),
});
export type BundleExportRequest = z.infer<typeof BundleExportRequestSchema>;

/** Merged into the operation map (operations.ts). */
export const bundleOperations = {
  /** Starts writing the bundle in the background; progress comes as `bundles.exportProgress` events. */
  'bundles.export': { input: BundleExportRequestSchema, output: z.object({ exportId: z.string() }) },
} as const;

/** The finished bundle's download link (a GET the browser saves), relative to the UI's address. */
export const bundleDownloadUrl = (exportId: string) => `app-files/bundles/${encodeURIComponent(exportId)}.mldesk`;
