/**
 * Bench-only preload (`node --import bench/parse-only-route.mjs bin/mldesk.js serve ...`): adds
 * `/bench/parse-only` to the server `mldesk serve` builds, so the tracking-latency bench can time a
 * route that goes through the same hooks and body parser and answers `{}` without doing any work.
 * It hooks Fastify's `fastify.initialization` diagnostics channel, so the production code carries
 * no bench route and no switch for one.
 */
import { subscribe } from 'node:diagnostics_channel';

subscribe('fastify.initialization', ({ fastify }) => {
  fastify.route({
    method: ['GET', 'POST'],
    url: '/bench/parse-only',
    // The same body limit as log-batch, so the 1,000-point bodies are accepted alike.
    bodyLimit: 1024 * 1024,
    handler: async (request) => {
      // Touch what the parser produced, as a real handler would, without validating it.
      const input = request.method === 'GET' ? request.query : request.body;
      return input === undefined ? { empty: true } : {};
    },
  });
});
