import { useId, type KeyboardEvent } from 'react';
import { parseRunFilter, SearchSyntaxError } from '../../../../shared/search-filter';
import { Icon } from './icons';
import { applyFilter, setFilterError, useRunsData, type FilterProblem } from './runs-data-store';
import { dropAllMatching, setFilterDraft, useRunsUi } from './runs-ui-store';

/** Checks the grammar before a round trip; the server stays the judge of what it accepts. */
function localProblem(filter: string): FilterProblem | null {
  try {
    parseRunFilter(filter);
    return null;
  } catch (error) {
    if (!(error instanceof SearchSyntaxError)) return null;
    return { message: error.message, position: error.position ?? null, filter };
  }
}

export const FILTER_INPUT_ID = 'runs-filter';

export function submitFilter(filter: string): void {
  const problem = localProblem(filter);
  if (problem) return setFilterError(problem);
  dropAllMatching();
  void applyFilter(filter);
}

export function clearFilter(): void {
  setFilterDraft('');
  setFilterError(null);
  if (useRunsData.getState().query?.filter) submitFilter('');
}

/** The filter text with the character at the error position marked, so "position 17" needs no counting. */
function ErrorPointer({ problem }: { problem: FilterProblem }) {
  if (problem.position === null || problem.filter === '') return null;
  const at = Math.min(problem.position, problem.filter.length);
  const marked = problem.filter.slice(at, at + 1) || ' ';
  return (
    <code className="rt-filter-pointer" aria-hidden="true">
      {problem.filter.slice(0, at)}
      <mark>{marked}</mark>
      {problem.filter.slice(at + 1)}
    </code>
  );
}

/** MLflow's filter grammar, applied on Enter; Escape clears. Errors show under the box, the table stays. */
export function FilterBox() {
  const draft = useRunsUi((s) => s.filterDraft);
  const applied = useRunsData((s) => s.query?.filter ?? '');
  const problem = useRunsData((s) => s.filterError);
  const switching = useRunsData((s) => s.switching);
  const errorId = useId();
  const pending = draft.trim() !== applied;

  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === 'Enter') {
      event.preventDefault();
      submitFilter(draft);
    } else if (event.key === 'Escape') {
      event.preventDefault();
      clearFilter();
    }
  };

  return (
    <div className="rt-filter">
      <div className={`rt-filter-box ${problem ? 'is-invalid' : ''} ${applied ? 'is-applied' : ''}`}>
        <span className="rt-filter-icon">
          <Icon name="filter" />
        </span>
        <input
          id={FILTER_INPUT_ID}
          type="text"
          title="Filter runs (press / to focus)"
          spellCheck={false}
          autoComplete="off"
          aria-label="Filter runs"
          aria-invalid={problem ? true : undefined}
          aria-describedby={problem ? errorId : undefined}
          className={problem ? 'invalid' : undefined}
          placeholder="Filter runs, e.g. metrics.accuracy > 0.9 AND params.model = 'mlp'"
          value={draft}
          onChange={(event) => setFilterDraft(event.target.value)}
          onKeyDown={onKeyDown}
        />
        {pending && !switching && !problem && <kbd className="rt-filter-hint">Enter to apply</kbd>}
        {switching && <span className="rt-filter-busy" aria-label="Applying filter" />}
        {(draft || applied) && (
          <button type="button" className="rt-icon-btn" aria-label="Clear filter" title="Clear filter (Esc)" onClick={clearFilter}>
            <Icon name="close" size={14} />
          </button>
        )}
      </div>
      {problem && (
        <div id={errorId} role="alert" className="rt-filter-error">
          <span>{problem.message}</span>
          <ErrorPointer problem={problem} />
        </div>
      )}
    </div>
  );
}
