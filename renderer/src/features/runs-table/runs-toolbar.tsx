import { useState } from 'react';
import { exportUrl } from '../../../../shared/app-api/export-url';
import { navigate } from '../../app/router';
import { ColumnPicker } from './column-picker';
import { ExportBundleButton } from './export-bundle-dialog';
import { FilterBox } from './filter-box';
import { Icon } from './icons';
import { runIdsInRange, useRunsData } from './runs-data-store';
import { clearSelection, COMPARE_LIMIT, selectAllMatching, selectedCount, useRunsUi, type Selection } from './runs-ui-store';

const number = new Intl.NumberFormat();

async function selectedRunIds(selection: Selection, total: number): Promise<string[]> {
  if (selection.mode === 'ids') return [...selection.ids];
  const ids = await runIdsInRange(0, total - 1);
  return ids.filter((id) => !selection.except.has(id));
}

function CompareButton() {
  const selection = useRunsUi((s) => s.selection);
  const total = useRunsData((s) => s.total);
  const [busy, setBusy] = useState(false);
  const count = selectedCount(selection, total);
  const tooMany = count > COMPARE_LIMIT;
  const title = count < 2 ? 'Select at least two runs to compare' : tooMany ? `Compare up to ${COMPARE_LIMIT} runs at a time; narrow the selection` : `Compare ${count} runs`;
  const onClick = async () => {
    setBusy(true);
    try {
      navigate({ view: 'compare', runIds: await selectedRunIds(selection, total ?? 0) });
    } finally {
      setBusy(false);
    }
  };
  return (
    <button type="button" className="btn btn-primary" disabled={count < 2 || tooMany || busy} title={title} onClick={() => void onClick()}>
      <Icon name="compare" />
      Compare ({number.format(count)})
    </button>
  );
}

/** Downloads the table as shown (filter, sort, columns; every row, not only those on screen) as CSV. */
function ExportButton() {
  const query = useRunsData((s) => s.query);
  const total = useRunsData((s) => s.total);
  if (!query || !total) {
    return (
      <button type="button" className="btn" disabled title="No runs to export">
        <Icon name="download" />
        Export CSV
      </button>
    );
  }
  const href = exportUrl('runs', {
    experimentIds: [query.experimentId],
    ...(query.filter.trim() ? { filter: query.filter } : {}),
    ...(query.sort ? { sort: [query.sort] } : {}),
    columns: query.columns,
  });
  return (
    <a className="btn" href={href} download title={`Download the ${number.format(total)} runs of the table, with its columns, as CSV`}>
      <Icon name="download" />
      Export CSV
    </a>
  );
}

/** "1,234 runs · 3 selected": what the table holds and what is picked, with the shortcuts to change it. */
function Summary() {
  const total = useRunsData((s) => s.total);
  const filtered = useRunsData((s) => !!s.query?.filter);
  const selection = useRunsUi((s) => s.selection);
  const count = selectedCount(selection, total);
  if (total === null) return <div className="rt-summary muted">Loading runs…</div>;
  return (
    <div className="rt-summary">
      <span className="rt-total" data-testid="runs-total">
        <strong>{number.format(total)}</strong> {total === 1 ? 'run' : 'runs'}
        {filtered && <span className="muted"> matching the filter</span>}
      </span>
      {count > 0 && (
        <>
          <span className="rt-dot" aria-hidden="true">
            ·
          </span>
          <span>
            {selection.mode === 'all' && selection.except.size === 0 ? `All ${number.format(count)} selected` : `${number.format(count)} selected`}
          </span>
          {selection.mode === 'ids' && count < total && (
            <button type="button" className="rt-link-btn" onClick={selectAllMatching}>
              Select all {number.format(total)}
            </button>
          )}
          <button type="button" className="rt-link-btn" onClick={clearSelection}>
            Clear selection
          </button>
        </>
      )}
    </div>
  );
}

function BundleButton() {
  const selection = useRunsUi((s) => s.selection);
  const total = useRunsData((s) => s.total);
  const experimentId = useRunsData((s) => s.query?.experimentId ?? null);
  return <ExportBundleButton experimentId={experimentId} count={selectedCount(selection, total)} resolveRunIds={() => selectedRunIds(selection, total ?? 0)} />;
}

export function RunsToolbar() {
  return (
    <div className="rt-toolbar">
      <div className="rt-toolbar-row">
        <FilterBox />
        <ColumnPicker />
        <ExportButton />
        <BundleButton />
        <CompareButton />
      </div>
      <Summary />
    </div>
  );
}
