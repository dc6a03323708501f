import { z } from 'zod';

/** Fields many operations take, spelled once so their refusals read the same everywhere. */
export const modelName = z.string().min(1, 'is required');
/** A registered model's version number as the API carries it: a string of digits, from 1. */
export const versionNumber = z.string().regex(/^[1-9]\d*$/, 'must be a version number');
