import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { OperationOutput, OperationParsedInput } from '../../shared/app-api/operations.js';
import type { DatasetStore } from '../core/data/dataset-store.js';
import { MLDeskError } from '../core/errors.js';

const SAMPLES: Array<{ name: string; file: string; description: string }> = [
  { name: 'iris', file: 'iris.csv', description: "Fisher's Iris (150 flowers, 4 measurements, 3 species): a first classifier." },
  { name: 'synthetic-churn', file: 'synthetic-churn.csv', description: 'Customer churn, 5,000 rows, numeric and categorical features (generated, no drift).' },
  {
    name: 'synthetic-churn-drifted',
    file: 'synthetic-churn-drifted.csv',
    description: 'Next month of the churn data with drift dialled in: shifted means, new category, more nulls.',
  },
];

/** resources/datasets in a checkout, or the packaged app's resources folder. */
function samplesDir(): string {
  const packaged = (process as NodeJS.Process & { resourcesPath?: string }).resourcesPath;
  if (packaged && existsSync(join(packaged, 'datasets'))) return join(packaged, 'datasets');
  return fileURLToPath(new URL('../../../resources/datasets', import.meta.url));
}

export function createDatasetHandlers(datasets: DatasetStore) {
  return {
    'datasets.list': (): OperationOutput<'datasets.list'> => ({ datasets: datasets.list() }),
    'datasets.get': ({ ref }: OperationParsedInput<'datasets.get'>): OperationOutput<'datasets.get'> => {
      const selected = datasets.getVersion(ref);
      return { name: selected.name, versions: datasets.get(selected.name).versions, selected };
    },
    'datasets.samples': (): OperationOutput<'datasets.samples'> => {
      const known = new Set(datasets.list().map((d) => d.name));
      return { samples: SAMPLES.filter((s) => existsSync(join(samplesDir(), s.file))).map((s) => ({ ...s, imported: known.has(s.name) })) };
    },
    'datasets.importSample': async ({ name }: OperationParsedInput<'datasets.importSample'>): Promise<OperationOutput<'datasets.importSample'>> => {
      const sample = SAMPLES.find((s) => s.name === name);
      if (!sample) throw new MLDeskError('RESOURCE_DOES_NOT_EXIST', `No sample dataset named '${name}'; samples: ${SAMPLES.map((s) => s.name).join(', ')}.`);
      return datasets.importFile(join(samplesDir(), sample.file), { name: sample.name });
    },
    'datasets.upload': async ({ name, fileName, content }: OperationParsedInput<'datasets.upload'>): Promise<OperationOutput<'datasets.upload'>> => {
      // The renderer never touches the file system: it sends the file's text, kept here as a temp file
      // only long enough for the import to hash and copy it into the content-addressed store.
      const dir = await mkdtemp(join(tmpdir(), 'mldesk-upload-'));
      try {
        const path = join(dir, basename(fileName));
        await writeFile(path, content, 'utf8');
        try {
          return await datasets.importFile(path, { name });
        } catch (error) {
          // Name the user's file, not the temporary copy.
          if (error instanceof Error) error.message = error.message.replaceAll(path, fileName);
          throw error;
        }
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}
