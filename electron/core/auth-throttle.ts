/**
 * Slows down guessing of bearer tokens. A server bound beyond loopback is reachable by anyone on
 * the network, and a token a user picked by hand can be short; without a limit a client can try
 * thousands of tokens a second. After too many failed attempts from one address within a window,
 * that address gets 429 with Retry-After until the window has passed, whatever it presents: if a
 * right token still got in while blocked, the block would not slow the guessing at all. Callers
 * that already hold a login session are not affected (their cookie is not a guess at a token).
 */

export interface ThrottleOptions {
  /** Failed attempts from one address allowed within `windowMs`. */
  maxFailures: number;
  windowMs: number;
  /** Addresses remembered at most; the oldest entry is forgotten first. */
  maxAddresses?: number;
  now?: () => number;
}

export const DEFAULT_THROTTLE: ThrottleOptions = { maxFailures: 20, windowMs: 60_000 };

interface Entry {
  /** Times of the failures still inside the window, oldest first. */
  failures: number[];
}

export class FailedAttemptThrottle {
  private readonly entries = new Map<string, Entry>();
  private readonly maxAddresses: number;
  private readonly now: () => number;

  constructor(private readonly options: ThrottleOptions = DEFAULT_THROTTLE) {
    this.maxAddresses = options.maxAddresses ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  /** Milliseconds until `address` may try again; 0 when it is not blocked. */
  blockedFor(address: string): number {
    const entry = this.entries.get(address);
    if (!entry) return 0;
    this.expire(address, entry);
    if (entry.failures.length < this.options.maxFailures) return 0;
    return entry.failures[0]! + this.options.windowMs - this.now();
  }

  recordFailure(address: string): void {
    let entry = this.entries.get(address);
    if (!entry) {
      if (this.entries.size >= this.maxAddresses) this.entries.delete(this.entries.keys().next().value!);
      entry = { failures: [] };
      this.entries.set(address, entry);
    }
    this.trim(entry);
    entry.failures.push(this.now());
    // Only the newest maxFailures matter for the block; older ones would only grow the array.
    if (entry.failures.length > this.options.maxFailures) entry.failures.shift();
  }

  private trim(entry: Entry): void {
    const since = this.now() - this.options.windowMs;
    while (entry.failures.length > 0 && entry.failures[0]! <= since) entry.failures.shift();
  }

  private expire(address: string, entry: Entry): void {
    this.trim(entry);
    if (entry.failures.length === 0) this.entries.delete(address);
  }
}

/** The 429 body and Retry-After (whole seconds, at least 1) for a blocked address. */
export function throttledAnswer(waitMs: number): { retryAfter: string; body: { error_code: string; message: string } } {
  const seconds = Math.max(1, Math.ceil(waitMs / 1000));
  return {
    retryAfter: String(seconds),
    body: {
      error_code: 'REQUEST_LIMIT_EXCEEDED',
      message: `Too many requests with a wrong token came from this address; try again in ${seconds} s.`,
    },
  };
}
