import type { FastifyServerOptions } from 'fastify';

function routeSchemasUnused(kind: string): never {
  throw new Error(`MLDesk routes validate with zod and declare no fastify ${kind} schema; this one did.`);
}

/**
 * Requests are checked with zod and replies are plain JSON, so no route declares a fastify
 * schema. Handing fastify these compilers keeps it from loading ajv and fast-json-stringify at
 * start (~0.3 s of every `mldesk serve`, `serve-model` and `bundle open` start); a route that
 * does declare a body/query/response schema fails when it is registered, not silently.
 */
export const SCHEMALESS: Pick<FastifyServerOptions, 'schemaController'> = {
  schemaController: {
    compilersFactory: {
      buildValidator: () => () => routeSchemasUnused('validation'),
      buildSerializer: () => () => routeSchemasUnused('response'),
    },
  },
};
