import { z } from 'zod';
import { BundleMetaSchema, SignerSchema } from '../bundles.js';

/**
 * What the app shows when it runs over an opened bundle (`mldesk bundle open`, File → Open): the
 * banner with signer and integrity, and what the review panel needs. Null in a normal data dir.
 */
export const BundleViewInfoSchema = z
  .object({
    fileName: z.string(),
    manifestSha256: z.string(),
    createdTime: z.number(),
    signer: SignerSchema,
    trusted: z.boolean(),
    trustedName: z.string().nullable(),
    /** Every entry's hash and the signature were checked when the bundle was opened. */
    integrity: z.enum(['verified', 'failed']),
    problem: z.string().nullable(),
    meta: BundleMetaSchema,
  })
  .nullable();
export type BundleViewInfo = z.infer<typeof BundleViewInfoSchema>;

/** Merged into the operation map (operations.ts). */
export const bundleViewOperations = {
  'bundle.info': { input: z.object({}), output: z.object({ bundle: BundleViewInfoSchema }) },
} as const;
