import { Redis } from 'ioredis';
import { redisConnection } from './bullmq-protocol.js';

/**
 * A plain Redis connection beside BullMQ's (cancel keys, pub/sub); ioredis is BullMQ's own client.
 * Apart from bullmq-protocol.ts so that the CLI's static graph (every command, `serve-model` in a
 * handoff image included) does not load ioredis: only the worker and the BullMQ executor do.
 */
export function openRedis(url: string): Redis {
  const { host, port, db, username, password, tls } = redisConnection(url);
  return new Redis({ host, port, db, username, password, tls, maxRetriesPerRequest: null });
}
