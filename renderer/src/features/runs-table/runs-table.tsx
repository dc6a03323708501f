import { useCallback, useEffect, useLayoutEffect, useState } from 'react';
import { ErrorBanner } from '../../components/feedback';
import { FILTER_INPUT_ID } from './filter-box';
import { NoMatches, NoRunsYet } from './runs-empty';
import { RunsGrid } from './runs-grid';
import { openExperiment, refreshVisible, retry, useRunsData } from './runs-data-store';
import { RunsToolbar } from './runs-toolbar';
import { resetUi } from './runs-ui-store';
import { useLiveRuns } from './use-live-runs';
import './runs-table.css';

/** `/` jumps to the filter box from anywhere but a text field, as in GitHub and W&B. */
function useSlashToFilter(): void {
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement;
      if (event.key !== '/' || event.ctrlKey || event.metaKey || event.altKey) return;
      if (target.closest('input, textarea, select, [contenteditable=true]')) return;
      event.preventDefault();
      document.getElementById(FILTER_INPUT_ID)?.focus();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}

/**
 * One experiment's runs: filter, column picker, compare, and the virtualised grid.
 * `data-state` turns `ready` once the first window of rows is on screen (the benchmark waits on it).
 */
export function RunsTable({ experimentId, experimentName }: { experimentId: string; experimentName: string }) {
  // Before paint, so another experiment's rows never flash under this one's name.
  useLayoutEffect(() => {
    if (useRunsData.getState().query?.experimentId === experimentId) {
      // Back from a run: same filter, selection and rows at once, then brought up to date.
      void refreshVisible();
      return;
    }
    resetUi(experimentId);
    void openExperiment(experimentId);
  }, [experimentId]);
  useLiveRuns(experimentId);
  useSlashToFilter();

  const current = useRunsData((s) => s.query?.experimentId === experimentId);
  const total = useRunsData((s) => (current ? s.total : null));
  const filter = useRunsData((s) => s.query?.filter ?? '');
  const switching = useRunsData((s) => s.switching);
  const loadError = useRunsData((s) => s.loadError);
  const [firstRows, setFirstRows] = useState(false);
  const onFirstRows = useCallback((shown: boolean) => setFirstRows(shown), []);

  const ready = current && total !== null && !switching && (total === 0 || firstRows);
  let body;
  if (total === 0 && !filter) body = <NoRunsYet experimentName={experimentName} />;
  else if (total === 0) body = <NoMatches filter={filter} />;
  else body = <RunsGrid experimentId={experimentId} onFirstRows={onFirstRows} />;

  return (
    <section className="runs-table" data-testid="runs-table" data-state={ready ? 'ready' : 'loading'} data-total={total ?? ''} aria-label="Runs table">
      <RunsToolbar />
      {loadError && <ErrorBanner message={loadError} onRetry={retry} />}
      <div className={`rt-frame ${switching ? 'is-switching' : ''}`}>
        {switching && <div className="rt-progress" role="progressbar" aria-label="Loading runs" />}
        {body}
      </div>
    </section>
  );
}
