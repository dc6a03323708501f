import { parentPort, workerData } from 'node:worker_threads';
import { copySpan, SpanTruncatedError, type SpanCopyJob } from './span-copy.js';

copySpan(workerData as SpanCopyJob).then(
  (sha256) => parentPort!.postMessage({ ok: true, sha256 }),
  (error: unknown) => parentPort!.postMessage({ ok: false, truncated: error instanceof SpanTruncatedError, message: (error as Error).message }),
);
