import type { BullMqExecutor, BullMqExecutorOptions } from '../core/automation/bullmq-executor.js';

const CONNECT_TIMEOUT_MS = 15_000;

/** A --redis problem worth a usage exit (2): a bad URL, an unreachable server. */
export class QueueConnectError extends Error {}

/** The URL without its password, for messages. */
export function redactedUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}

/**
 * The controller's side of the BullMQ queue (`mldesk sweep --redis`, `mldesk serve --redis`).
 * An unreachable Redis makes ioredis retry for ever: give up with a message instead. BullMQ is
 * loaded on demand, so a process without --redis never pays for its start-up.
 */
export async function openQueue(options: BullMqExecutorOptions): Promise<BullMqExecutor> {
  if (!/^rediss?:\/\//.test(options.redisUrl)) throw new QueueConnectError(`--redis: '${redactedUrl(options.redisUrl)}' must start with redis:// or rediss://.`);
  let timer: NodeJS.Timeout | undefined;
  try {
    const { BullMqExecutor } = await import('../core/automation/bullmq-executor.js');
    return await Promise.race([
      BullMqExecutor.open(options),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new QueueConnectError(`--redis: cannot reach Redis at ${redactedUrl(options.redisUrl)} within ${CONNECT_TIMEOUT_MS / 1000} s.`)), CONNECT_TIMEOUT_MS);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
