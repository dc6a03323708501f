import type { z } from 'zod';
import { operations, type ApiResult, type OperationName } from '../../shared/app-api/operations.js';
import { localCaller, type Caller } from '../core/caller-identity.js';
import { knownError } from '../core/errors.js';
import type { AppHandlers } from './app-handlers.js';

export function isOperationName(name: string): name is OperationName {
  return Object.hasOwn(operations, name);
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const field = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p))).join('.').replaceAll('.[', '[');
  return field ? `Field '${field}': ${issue.message}` : issue.message;
}

/**
 * Runs one operation for any transport: parses the input with the contract's schema and turns
 * every failure into `{ ok: false, error }` with a message naming the field, never a stack trace.
 * `caller` is who the transport authenticated; handlers that record who did something use it. In
 * process (IPC, tests) it is the OS user; the HTTP transport always passes the request's caller.
 */
export async function dispatch(handlers: AppHandlers, name: string, input: unknown, caller: Caller = localCaller()): Promise<ApiResult<unknown>> {
  if (!isOperationName(name)) return { ok: false, error: { code: 'ENDPOINT_NOT_FOUND', message: `Unknown operation '${name}'.` } };
  const parsed = operations[name].input.safeParse(input ?? {});
  if (!parsed.success) {
    return { ok: false, error: { code: 'INVALID_PARAMETER_VALUE', message: parsed.error.issues.map(describeIssue).join('; ') } };
  }
  try {
    const handler = handlers[name] as (input: unknown, caller: Caller) => unknown;
    return { ok: true, value: await handler(parsed.data, caller) };
  } catch (error) {
    const known = knownError(error);
    if (known) return { ok: false, error: { code: known.code, message: known.message } };
    return { ok: false, error: { code: 'INTERNAL_ERROR', message: `Internal error: ${(error as Error).message}` } };
  }
}
