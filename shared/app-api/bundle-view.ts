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
    /** The signature and every entry's hash checked (see `artifacts` for when artifacts are). */
    integrity: z.enum(['verified', 'failed']),
    problem: z.string().nullable(),
    meta: BundleMetaSchema,
    /**
     * 'before-serving': every artifact was checked before the bundle opened. 'in-background': the
     * signature and store.sqlite were, artifacts are checked after (and before any is served);
     * `checked` of `total` so far, and `integrity` turns 'failed' if one does not match.
     */
    artifacts: z.object({ check: z.enum(['before-serving', 'in-background']), checked: z.number(), total: z.number() }),
  })
  .nullable();
export type BundleViewInfo = z.infer<typeof BundleViewInfoSchema>;

/** Merged into the operation map (operations.ts). */
export const bundleViewOperations = {
  'bundle.info': { input: z.object({}), output: z.object({ bundle: BundleViewInfoSchema }) },
} as const;
