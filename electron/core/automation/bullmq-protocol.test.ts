import { describe, expect, it } from 'vitest';
import { bullJobId, checkQueueName, jobIdOf, redisConnection } from './bullmq-protocol.js';

describe('redisConnection', () => {
  it('reads host, port, database and credentials from a redis:// URL', () => {
    expect(redisConnection('redis://127.0.0.1:6380')).toMatchObject({ host: '127.0.0.1', port: 6380, db: 0, maxRetriesPerRequest: null });
    expect(redisConnection('redis://team:s%40cret@queue.internal/2')).toMatchObject({ host: 'queue.internal', port: 6379, db: 2, username: 'team', password: 's@cret' });
    expect(redisConnection('rediss://[::1]:6379').tls).toEqual({});
  });

  it('refuses what is not a Redis URL, naming the flag and the problem', () => {
    expect(() => redisConnection('localhost:6379')).toThrow("--redis: 'localhost:6379' must start with redis:// or rediss://.");
    expect(() => redisConnection('not a url')).toThrow("--redis: 'not a url' is not a URL; expected redis://HOST:PORT.");
    expect(() => redisConnection('redis://host:6379/x')).toThrow("--redis: database 'x' in 'redis://host:6379/x' is not a number.");
  });
});

describe('queue names and job ids', () => {
  it('keeps BullMQ ids non-numeric and maps them back', () => {
    expect(bullJobId('12345')).toBe('job-12345');
    expect(jobIdOf(bullJobId('abc'))).toBe('abc');
  });

  it('refuses a queue name that would reach into other Redis keys', () => {
    expect(checkQueueName('mldesk-jobs')).toBe('mldesk-jobs');
    expect(() => checkQueueName('a:b')).toThrow("--queue: 'a:b' must be 1-64 letters, digits, '.', '_' or '-'.");
    expect(() => checkQueueName('')).toThrow('--queue');
  });
});
