/**
 * Reusable memory for large answers written as bytes (runs/search: ~1 MB for 1,000 runs). A fresh
 * buffer of that size per request cost about 1 ms of CPU in page faults and garbage collection,
 * as much as selecting the runs; filling one already touched costs ~0.03 ms. A buffer goes back to
 * the pool only once its response has been handed to the operating system ('finish'), so no
 * answer is overwritten while it is still being sent.
 */
import type { ServerResponse } from 'node:http';

/** Answers below this are cheap to allocate and come from Node's shared pool: not worth keeping. */
const SMALLEST = 64 * 1024;

export class ReplyBuffers {
  private readonly free: Buffer[] = [];

  constructor(
    /** Buffers kept between requests: one per request being sent at the same time. */
    private readonly keep = 4,
    /** A one-off huge answer is not kept around for later. */
    private readonly largest = 32 * 1024 * 1024,
  ) {}

  /** `size` bytes to fill, then send with `sendAndRecycle`. */
  take(size: number): Buffer {
    if (size < SMALLEST) return Buffer.allocUnsafe(size);
    let best = -1;
    this.free.forEach((buffer, i) => {
      if (buffer.length >= size && (best === -1 || buffer.length < this.free[best]!.length)) best = i;
    });
    // allocUnsafeSlow: memory of its own, so the whole of it can be reused later.
    const whole = best === -1 ? Buffer.allocUnsafeSlow(Math.max(size, SMALLEST)) : this.free.splice(best, 1)[0]!;
    return whole.subarray(0, size);
  }

  /** Takes `bytes` back once `response` has been handed to the operating system; never if it was cut off. */
  recycleAfter(response: ServerResponse, bytes: Buffer): void {
    if (bytes.length < SMALLEST) return;
    response.once('finish', () => {
      const whole = Buffer.from(bytes.buffer, 0, bytes.buffer.byteLength);
      if (whole.length > this.largest) return;
      if (this.free.length >= this.keep) this.free.sort((a, b) => a.length - b.length).shift();
      this.free.push(whole);
    });
  }
}
