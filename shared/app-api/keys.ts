import { z } from 'zod';
import { SignerSchema } from '../bundles.js';

/** This installation's signing key and the keys it trusts (issue 14): the settings card and `mldesk keys`. */

export const TrustedKeySchema = z.object({ name: z.string(), fingerprint: z.string(), publicKey: z.string(), addedTime: z.number() });

export const SigningKeyInfoSchema = z.object({
  publicKey: SignerSchema.shape.publicKey,
  fingerprint: SignerSchema.shape.fingerprint,
  /** The name this installation signs as (informative; anonymised bundles replace it). */
  name: z.string(),
  /** Where the private key lives (inside the data dir, readable by its owner only). */
  keyFile: z.string(),
});
export type SigningKeyInfo = z.infer<typeof SigningKeyInfoSchema>;

/** Merged into the operation map (operations.ts). */
export const keyOperations = {
  /** This installation's key (created on first use). */
  'keys.show': { input: z.object({}), output: z.object({ key: SigningKeyInfoSchema }) },
  'keys.list': { input: z.object({}), output: z.object({ keys: z.array(TrustedKeySchema) }) },
  /** Trusts a raw Ed25519 public key (base64, as `mldesk keys show` prints it) under a name. */
  'keys.trust': {
    input: z.object({ name: z.string().trim().min(1, 'cannot be empty').max(200, 'must be at most 200 characters'), key: z.string().trim().min(1, 'cannot be empty').max(200, 'is too long for a public key') }),
    output: z.object({ key: TrustedKeySchema }),
  },
  'keys.untrust': { input: z.object({ nameOrFingerprint: z.string().trim().min(1, 'cannot be empty').max(200, 'is too long') }), output: z.object({}) },
} as const;
