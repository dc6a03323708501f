// The scheduling bench's baseline (scheduling-bench.ts): one command spawned after another, from a
// process as small as MLDesk's own job spawner (spawner-process.ts). Spawned from the bench process
// itself, the baseline grew with that process's heap: a fork copies the parent's page tables and
// pays its copy-on-write faults, and after the ingest benches a /bin/true spawn took 14 ms instead of 8.
import { spawn } from 'node:child_process';

function once(argv) {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    child.stdout.resume();
    child.stderr.resume();
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`${argv.join(' ')} exited ${code}`))));
  });
}

process.on('message', async ({ argv, trials }) => {
  const each = [];
  try {
    for (let i = 0; i < trials; i++) {
      const started = performance.now();
      await once(argv);
      each.push(performance.now() - started);
    }
    process.send({ each });
  } catch (error) {
    process.send({ error: error.message });
  }
});
