import { create } from 'zustand';
import type { OperationOutput } from '../../../../shared/app-api/operations';
import type { DatasetSummary, DatasetVersion } from '../../../../shared/datasets';
import { call } from '../../api/app-client';

export type Sample = OperationOutput<'datasets.samples'>['samples'][number];

/**
 * Server data of the Datasets page: every dataset's latest version and the shipped samples. The
 * upload box's draft and progress stay in its component.
 */
interface DatasetsState {
  datasets: DatasetSummary[];
  samples: Sample[];
  /** True once the first answer arrived. */
  loaded: boolean;
  error: string | null;
}

export const useDatasets = create<DatasetsState>(() => ({ datasets: [], samples: [], loaded: false, error: null }));

let latest = 0;

/** Refetches list and samples together; an answer overtaken by a newer request is dropped. */
export async function loadDatasets(): Promise<void> {
  const request = ++latest;
  try {
    const [{ datasets }, { samples }] = await Promise.all([call('datasets.list', {}), call('datasets.samples', {})]);
    if (request === latest) useDatasets.setState({ datasets, samples, loaded: true, error: null });
  } catch (error) {
    if (request === latest) useDatasets.setState({ loaded: true, error: (error as Error).message });
  }
}

export interface ImportResult {
  version: DatasetVersion;
  /** False when these exact bytes were already a version: nothing new was stored. */
  created: boolean;
}

export async function importSample(name: string): Promise<ImportResult> {
  const result = await call('datasets.importSample', { name });
  await loadDatasets();
  return result;
}

export async function uploadDataset(name: string, fileName: string, content: string): Promise<ImportResult> {
  const result = await call('datasets.upload', { name, fileName, content });
  await loadDatasets();
  return result;
}
