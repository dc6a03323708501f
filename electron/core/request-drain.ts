/**
 * A request refused for its size must still be read to its end before the answer goes out: a
 * server that closes the connection on unread data resets it, and a client still sending gets a
 * broken connection instead of the error naming the limit.
 */

/** Reads and drops the rest of a request body, up to a bound (then the connection is dropped). */
export function drained(stream: NodeJS.ReadableStream & { readableEnded?: boolean; destroyed?: boolean }, limitBytes = 256 * 1024 * 1024): Promise<void> {
  if (stream.readableEnded || stream.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    let seen = 0;
    const done = () => {
      stream.removeListener('data', count);
      resolve();
    };
    const count = (chunk: Buffer) => {
      seen += chunk.length;
      if (seen > limitBytes) done();
    };
    stream.on('data', count);
    stream.once('end', done);
    stream.once('close', done);
    stream.once('error', done);
    stream.resume();
  });
}
