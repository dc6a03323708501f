import { create } from 'zustand';
import type { ExperimentSummary } from '../../../../shared/app-api/entities';
import { call } from '../../api/app-client';

/** Server data of the experiments list; the sidebar's drafts and dialogs stay in component state. */
interface ExperimentsState {
  experiments: ExperimentSummary[];
  /** True once the first answer arrived. */
  loaded: boolean;
  error: string | null;
}

export const useExperiments = create<ExperimentsState>(() => ({ experiments: [], loaded: false, error: null }));

let latest = 0;

/** Refetches the list; an answer overtaken by a newer request is dropped. */
export async function loadExperiments(): Promise<void> {
  const request = ++latest;
  try {
    const { experiments } = await call('experiments.list', {});
    if (request === latest) useExperiments.setState({ experiments, loaded: true, error: null });
  } catch (error) {
    if (request === latest) useExperiments.setState({ loaded: true, error: (error as Error).message });
  }
}

/** Creates, then waits for the list to hold it, so navigating to it never shows "not found". */
export async function createExperiment(name: string): Promise<string> {
  const { experimentId } = await call('experiments.create', { name });
  await loadExperiments();
  return experimentId;
}

export async function renameExperiment(experimentId: string, name: string): Promise<void> {
  await call('experiments.rename', { experimentId, name });
  useExperiments.setState((state) => ({ experiments: state.experiments.map((e) => (e.experimentId === experimentId ? { ...e, name: name.trim() } : e)) }));
  void loadExperiments();
}

export async function deleteExperiment(experimentId: string): Promise<void> {
  await call('experiments.delete', { experimentId });
  useExperiments.setState((state) => ({ experiments: state.experiments.filter((e) => e.experimentId !== experimentId) }));
  void loadExperiments();
}

/**
 * Where to land without an id: the experiment with the latest run. An empty experiment (the
 * Default one, made at first start) only wins when no experiment has runs.
 */
export function mostRecent(experiments: ExperimentSummary[]): ExperimentSummary | undefined {
  let best: ExperimentSummary | undefined;
  for (const experiment of experiments) {
    if (experiment.lastRunTime !== null && (best?.lastRunTime ?? -Infinity) < experiment.lastRunTime) best = experiment;
  }
  // The server orders by last activity (last run, else creation), newest first.
  return best ?? experiments[0];
}

/** The default experiment (id 0) cannot be deleted: MLflow clients log to it when none is set. */
export const DEFAULT_EXPERIMENT_ID = '0';

/** Same rule as the API: trimmed, 1 to 500 characters. */
export function nameProblem(name: string): string | null {
  const trimmed = name.trim();
  if (trimmed === '') return 'Enter a name.';
  if ([...trimmed].length > 500) return 'Use at most 500 characters.';
  return null;
}
