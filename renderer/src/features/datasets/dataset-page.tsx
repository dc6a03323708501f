import { useEffect, useMemo, useState } from 'react';
import { routeHref } from '../../app/router';
import { ErrorBanner, NotFoundPage, ShowMore, Spinner } from '../../components/feedback';
import { ColumnCard } from './column-card';
import { DatasetHeader } from './dataset-header';
import { SchemaTable } from './schema-table';
import { useDataset } from './use-dataset';
import { diffVersions, previousVersion } from './version-diff';
import './datasets.css';

/** Statistics cards rendered at first; wide tables show more on request rather than hundreds of charts at once. */
const CARDS_PAGE = 24;

/** One dataset version: identity, schema, per-column statistics and what changed since the version before. */
export function DatasetPage({ datasetRef }: { datasetRef: string }) {
  const state = useDataset(datasetRef);
  const { selected, versions } = state;
  const [filter, setFilter] = useState('');
  const [cardLimit, setCardLimit] = useState(CARDS_PAGE);
  const previous = selected ? previousVersion(versions, selected) : null;
  const diff = useMemo(() => (selected && previous ? diffVersions(selected, previous) : null), [selected, previous]);

  useEffect(() => {
    if (!selected) return;
    document.title = `${selected.ref} · MLDesk`;
    return () => {
      document.title = 'MLDesk';
    };
  }, [selected]);

  if (state.notFound)
    return (
      <NotFoundPage testId="dataset-not-found" title="Dataset not found" backHref={routeHref({ view: 'datasets' })} backLabel="All datasets">
        {state.notFound}
      </NotFoundPage>
    );
  if (!selected) {
    return <main className="page">{state.error ? <ErrorBanner message={`Could not load ${datasetRef}: ${state.error}`} onRetry={state.reload} /> : <Spinner label="Loading dataset…" />}</main>;
  }

  const needle = filter.trim().toLowerCase();
  const shownColumns = needle ? selected.schema.filter((c) => c.name.toLowerCase().includes(needle)) : selected.schema;
  const statsByName = new Map(selected.stats.map((s) => [s.name, s]));
  const deltas = new Map(diff?.columns.map((c) => [c.name, c]) ?? []);
  const cards = shownColumns.slice(0, cardLimit);
  const openColumn = (name: string) => {
    const index = shownColumns.findIndex((c) => c.name === name);
    if (index >= cardLimit) setCardLimit(index + 1);
    // After the card renders (it may have just been paged in).
    window.requestAnimationFrame(() => document.getElementById(`column-${name}`)?.scrollIntoView({ behavior: 'smooth', block: 'center' }));
  };

  return (
    <main className="page dataset-page" data-testid="dataset-page" data-ref={selected.ref}>
      <DatasetHeader versions={versions} selected={selected} />
      {state.error && <ErrorBanner message={`Could not load ${datasetRef}: ${state.error}`} onRetry={state.reload} />}
      {selected.schema.length > 8 && (
        <div className="column-filter">
          <input type="search" aria-label="Filter columns" placeholder={`Filter ${selected.schema.length} columns…`} value={filter} onChange={(event) => setFilter(event.target.value)} />
          {needle && <span className="muted">{shownColumns.length} matching</span>}
        </div>
      )}
      <SchemaTable version={selected} shown={shownColumns} diff={diff} onOpenColumn={openColumn} />
      <section aria-labelledby="stats-title">
        <h2 id="stats-title" className="section-title">
          Column statistics
        </h2>
        <div className="column-grid">
          {cards.map((column) => (
            <ColumnCard key={`${selected.ref}/${column.name}`} column={column} stats={statsByName.get(column.name)} rows={selected.rows} delta={deltas.get(column.name)} />
          ))}
        </div>
        {shownColumns.length > cards.length && (
          <ShowMore onMore={() => setCardLimit((n) => n + CARDS_PAGE)}>Show {Math.min(CARDS_PAGE, shownColumns.length - cards.length)} more of {shownColumns.length - cards.length} columns</ShowMore>
        )}
      </section>
    </main>
  );
}
