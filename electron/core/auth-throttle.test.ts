import { describe, expect, it } from 'vitest';
import { FailedAttemptThrottle, throttledAnswer } from './auth-throttle.js';

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('FailedAttemptThrottle', () => {
  it('blocks an address after maxFailures within the window, until the oldest failure leaves it', () => {
    const c = clock();
    const throttle = new FailedAttemptThrottle({ maxFailures: 3, windowMs: 10_000, now: c.now });
    throttle.recordFailure('a');
    c.advance(1_000);
    throttle.recordFailure('a');
    expect(throttle.blockedFor('a')).toBe(0);
    throttle.recordFailure('a');
    expect(throttle.blockedFor('a')).toBe(9_000);
    expect(throttle.blockedFor('b')).toBe(0);
    c.advance(8_999);
    expect(throttle.blockedFor('a')).toBe(1);
    c.advance(1);
    expect(throttle.blockedFor('a')).toBe(0);
  });

  it('forgets failures older than the window', () => {
    const c = clock();
    const throttle = new FailedAttemptThrottle({ maxFailures: 2, windowMs: 1_000, now: c.now });
    throttle.recordFailure('a');
    c.advance(1_000);
    throttle.recordFailure('a');
    expect(throttle.blockedFor('a')).toBe(0);
  });

  it('remembers a bounded number of addresses, forgetting the oldest', () => {
    const c = clock();
    const throttle = new FailedAttemptThrottle({ maxFailures: 1, windowMs: 1_000, maxAddresses: 2, now: c.now });
    throttle.recordFailure('a');
    throttle.recordFailure('b');
    throttle.recordFailure('c');
    expect(throttle.blockedFor('a')).toBe(0);
    expect(throttle.blockedFor('b')).toBeGreaterThan(0);
    expect(throttle.blockedFor('c')).toBeGreaterThan(0);
  });

  it('answers with whole seconds, never 0', () => {
    expect(throttledAnswer(1).retryAfter).toBe('1');
    expect(throttledAnswer(2_001).retryAfter).toBe('3');
    expect(throttledAnswer(2_001).body.message).toContain('3 s');
  });
});
