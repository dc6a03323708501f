import { parentPort, workerData } from 'node:worker_threads';
import { copySpanSync, SpanTruncatedError, type SpanCopyJob } from './span-copy.js';

try {
  parentPort!.postMessage({ ok: true, sha256: copySpanSync(workerData as SpanCopyJob) });
} catch (error) {
  parentPort!.postMessage({ ok: false, truncated: error instanceof SpanTruncatedError, message: (error as Error).message });
}
