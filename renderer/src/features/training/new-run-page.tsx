import { useEffect, useRef } from 'react';
import { parseDatasetRef } from '../../../../shared/datasets';
import { ErrorBanner } from '../../components/feedback';
import { JobPanel } from './job-panel';
import { NewRunForm } from './new-run-form';
import { editDraft, lastTrainingDataset, useNewRun } from './new-run-store';
import { defaultExperimentName, defaultTarget } from './run-form-model';
import { TargetPreview } from './target-preview';
import { useBackends, useFormData } from './use-form-data';
import '../datasets/datasets.css';
import './training.css';

/**
 * Applies a `?dataset=` from the address once, then keeps the draft consistent with what loads:
 * a dataset when none is picked, a target that exists in the picked version, an experiment name
 * that follows dataset and target until the user types one.
 */
function useDraftDefaults(preselected: string | null, data: ReturnType<typeof useFormData>): void {
  const applied = useRef(false);
  useEffect(() => {
    if (applied.current || !preselected) return;
    applied.current = true;
    const ref = parseDatasetRef(preselected);
    if ('error' in ref) return;
    const { draft } = useNewRun.getState();
    editDraft({ dataset: ref.name, version: ref.version ? String(ref.version) : '', target: ref.name === draft.dataset ? draft.target : '' });
  }, [preselected]);

  const { datasets, version } = data;
  useEffect(() => {
    const { draft } = useNewRun.getState();
    // Only the dataset the user last trained on: picking one for them (the latest import, say)
    // would start a run on data nobody chose.
    const last = lastTrainingDataset();
    if (!draft.dataset && datasets && !preselected && last && datasets.some((d) => d.name === last)) editDraft({ dataset: last, version: '' });
  }, [datasets, preselected]);

  useEffect(() => {
    if (!version) return;
    const { draft } = useNewRun.getState();
    const target = version.schema.some((c) => c.name === draft.target && c.type !== 'text') ? draft.target : defaultTarget(version.schema);
    const patch: Parameters<typeof editDraft>[0] = {};
    if (target !== draft.target) patch.target = target;
    const followed = defaultExperimentName(version.name, target);
    if (!draft.experimentEdited && draft.experimentName !== followed) patch.experimentName = followed;
    if (Object.keys(patch).length > 0) useNewRun.setState((s) => ({ draft: { ...s.draft, ...patch } }));
  }, [version]);
}

/** Start a training run on a dataset version and follow it live. */
export function NewRunPage({ preselected }: { preselected: string | null }) {
  const dataset = useNewRun((s) => s.draft.dataset);
  const versionText = useNewRun((s) => s.draft.version);
  const target = useNewRun((s) => s.draft.target);
  const keepIdColumns = useNewRun((s) => s.draft.keepIdColumns);
  const focusedRunId = useNewRun((s) => s.focusedRunId);
  const data = useFormData(dataset, versionText, focusedRunId);
  const backends = useBackends();
  useDraftDefaults(preselected, data);

  useEffect(() => {
    document.title = 'New run · MLDesk';
    return () => {
      document.title = 'MLDesk';
    };
  }, []);

  return (
    <main className="page new-run-page" data-testid="new-run-page">
      <header className="page-head">
        <div>
          <h1>New training run</h1>
          <p className="muted">Train a TensorFlow.js model on a dataset version. Params, metrics, the model and the dataset’s lineage are tracked as an MLflow run.</p>
        </div>
      </header>
      {data.error && <ErrorBanner message={data.error} />}
      <div className="new-run-layout">
        <NewRunForm data={data} backends={backends} />
        <aside className="new-run-side">
          {focusedRunId && <JobPanel key={focusedRunId} runId={focusedRunId} />}
          {data.version && <TargetPreview version={data.version} target={target} keepIdColumns={keepIdColumns} />}
        </aside>
      </div>
    </main>
  );
}
