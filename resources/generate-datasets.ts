// Writes the sample datasets in resources/datasets: `npx tsx resources/generate-datasets.ts`.
// Their content is defined (and tested) in electron/core/data/sample-datasets.ts.
import { writeFileSync } from 'node:fs';
import { sampleDatasetFiles } from '../electron/core/data/sample-datasets.js';

const dir = new URL('./datasets/', import.meta.url);
for (const { file, content } of sampleDatasetFiles()) {
  writeFileSync(new URL(file, dir), content);
  process.stdout.write(`wrote resources/datasets/${file} (${content.length} bytes)\n`);
}
