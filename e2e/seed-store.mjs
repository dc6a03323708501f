// Writes runs straight into a served data dir from a second process (as another MLDesk process on
// the same data dir would), for tests whose subject is a big table rather than how runs arrive:
// 10,000 runs through the REST API take half a minute of a CI core; this takes about one second.
// Reads {dataDir, experimentId, runs: SeedRun[]} as JSON on stdin; prints the run ids as JSON.
import { readFileSync } from 'node:fs';
import { TrackingStore } from '../dist/electron/core/store/tracking-store.js';

const { dataDir, experimentId, runs } = JSON.parse(readFileSync(0, 'utf8'));
const store = TrackingStore.open(dataDir);
const ids = store.db.transaction(() =>
  runs.map((run) => {
    const created = store.createRun({ experimentId, runName: run.name, startTime: run.startTime, tags: Object.entries(run.tags ?? {}).map(([key, value]) => ({ key, value })) });
    const runId = created.info.run_id;
    const metrics = Object.entries(run.metrics ?? {}).map(([key, value]) => ({ key, value, timestamp: run.startTime, step: 0 }));
    const params = Object.entries(run.params ?? {}).map(([key, value]) => ({ key, value }));
    if (metrics.length > 0 || params.length > 0) store.logBatch(runId, { metrics, params, tags: [] });
    if (run.status) store.updateRun(runId, { status: run.status, endTime: run.endTime ?? run.startTime + 60_000 });
    return runId;
  }),
)();
store.close();
process.stdout.write(JSON.stringify(ids));
