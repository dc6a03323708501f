import { create } from 'zustand';
import type { DatasetVersion } from '../../../../shared/datasets';
import { call } from '../../api/app-client';
import { buildRequest, EMPTY_DRAFT, serverFieldErrors, type FieldErrors, type RunDraft } from './run-form-model';
import { loadTrainingJobs, useTrainingJobs } from './training-jobs-store';

/**
 * UI state of the New run page: the draft and the job it last started. Kept outside the page so a
 * trip to a dataset or a run and back finds the form as it was left and the job still on show.
 */
interface NewRunState {
  draft: RunDraft;
  errors: FieldErrors;
  /** An answer from the server that names no field. */
  serverError: string | null;
  submitting: boolean;
  /** Run id of the job this page started last; its live panel stays up until another starts. */
  focusedRunId: string | null;
}

export const useNewRun = create<NewRunState>(() => ({ draft: EMPTY_DRAFT, errors: {}, serverError: null, submitting: false, focusedRunId: null }));

/** Edits the draft; a field's message goes once the field changes. */
export function editDraft(patch: Partial<RunDraft>): void {
  useNewRun.setState((state) => {
    const errors = { ...state.errors };
    for (const key of Object.keys(patch)) delete errors[key as keyof FieldErrors];
    return { draft: { ...state.draft, ...patch }, errors };
  });
}

export function editHyperparameter(key: keyof RunDraft['hyperparameters'], text: string): void {
  useNewRun.setState((state) => {
    const errors = { ...state.errors };
    delete errors[key];
    return { draft: { ...state.draft, hyperparameters: { ...state.draft.hyperparameters, [key]: text } }, errors };
  });
}

/**
 * Validates the draft against the picked version and starts training. Field problems land on
 * their fields (the first one gets focus); anything else the server says goes in the banner.
 */
export async function submitRun(version: DatasetVersion | null): Promise<void> {
  const { draft, submitting } = useNewRun.getState();
  if (submitting) return;
  const { request, errors } = buildRequest(draft, version);
  if (!request) {
    useNewRun.setState({ errors, serverError: null });
    focusFirstInvalid();
    return;
  }
  useNewRun.setState({ submitting: true, errors: {}, serverError: null });
  try {
    const { runId } = await call('training.start', request);
    rememberTrainingDataset(draft.dataset);
    useNewRun.setState({ focusedRunId: runId });
    // The job's first event normally beats this answer; if the stream is down, ask for it.
    if (!useTrainingJobs.getState().jobs[runId]) void loadTrainingJobs();
  } catch (error) {
    const { fields, rest } = serverFieldErrors((error as Error).message);
    useNewRun.setState({ errors: fields, serverError: rest });
    focusFirstInvalid();
  } finally {
    useNewRun.setState({ submitting: false });
  }
}

const LAST_DATASET_KEY = 'mldesk.training.last-dataset';

/** The dataset of the last run started from this form, offered first next time. */
export function lastTrainingDataset(): string | null {
  try {
    return localStorage.getItem(LAST_DATASET_KEY);
  } catch {
    return null;
  }
}

function rememberTrainingDataset(name: string): void {
  try {
    localStorage.setItem(LAST_DATASET_KEY, name);
  } catch {
    // Storage disabled: the next visit starts with no dataset picked.
  }
}

function focusFirstInvalid(): void {
  window.requestAnimationFrame(() => document.querySelector<HTMLElement>('.new-run-form [aria-invalid="true"]')?.focus());
}
