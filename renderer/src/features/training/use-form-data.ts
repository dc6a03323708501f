import { useEffect, useState } from 'react';
import type { ExperimentSummary } from '../../../../shared/app-api/entities';
import type { DatasetSummary, DatasetVersion } from '../../../../shared/datasets';
import { call } from '../../api/app-client';
import type { Backend } from './run-form-model';

export interface BackendChoice {
  name: Backend;
  available: boolean;
  reason: string | null;
}

/** Installed TensorFlow.js backends (asked once per page: installing one needs a restart anyway). */
export function useBackends(): BackendChoice[] | null {
  const [backends, setBackends] = useState<BackendChoice[] | null>(null);
  useEffect(() => {
    let active = true;
    call('training.backends', {}).then(
      (answer) => active && setBackends(answer.backends),
      // Without the answer every backend stays pickable; the run reports one that is missing.
      () => undefined,
    );
    return () => {
      active = false;
    };
  }, []);
  return backends;
}

/** What the New run form chooses from: datasets, the chosen dataset's versions, experiments. */
export interface FormData {
  datasets: DatasetSummary[] | null;
  versions: DatasetVersion[] | null;
  /** The version the draft points at: the one picked, else the latest. */
  version: DatasetVersion | null;
  /** The draft names a version the dataset does not have (a stale link). */
  missingVersion: boolean;
  experiments: ExperimentSummary[];
  error: string | null;
}

/** `refreshKey` changes reload the lists (after a run started, a new experiment exists). */
export function useFormData(dataset: string, versionText: string, refreshKey: string | null): FormData {
  const [datasets, setDatasets] = useState<DatasetSummary[] | null>(null);
  const [experiments, setExperiments] = useState<ExperimentSummary[]>([]);
  const [loaded, setLoaded] = useState<{ name: string; versions: DatasetVersion[] } | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let active = true;
    call('datasets.list', {}).then(
      (answer) => active && setDatasets(answer.datasets),
      (caught: unknown) => active && setError(`Could not load datasets: ${(caught as Error).message}`),
    );
    call('experiments.list', {}).then(
      (answer) => active && setExperiments(answer.experiments),
      () => undefined,
    );
    return () => {
      active = false;
    };
  }, [refreshKey]);

  useEffect(() => {
    if (!dataset) return;
    let active = true;
    call('datasets.get', { ref: dataset }).then(
      (answer) => {
        if (!active) return;
        setLoaded({ name: answer.name, versions: answer.versions });
        setError(null);
      },
      (caught: unknown) => active && setError(`Could not load dataset ${dataset}: ${(caught as Error).message}`),
    );
    return () => {
      active = false;
    };
  }, [dataset]);

  const versions = loaded && loaded.name === dataset ? loaded.versions : null;
  const wanted = versionText ? Number(versionText) : null;
  const latest = versions?.reduce<DatasetVersion | null>((best, v) => (!best || v.version > best.version ? v : best), null) ?? null;
  const picked = wanted === null ? latest : (versions?.find((v) => v.version === wanted) ?? null);
  return { datasets, versions, version: picked, missingVersion: versions !== null && wanted !== null && picked === null, experiments, error };
}
