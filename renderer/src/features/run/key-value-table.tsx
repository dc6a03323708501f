import { useMemo, useState, type ReactNode } from 'react';

interface Entry {
  key: string;
  value: string;
}

/** A searchable key/value card (params, tags): filters on keys and values as you type. */
export function KeyValueTable(props: { title: string; entries: Entry[]; emptyText: string; searchLabel: string; toolbar?: ReactNode; testId?: string }) {
  const [query, setQuery] = useState('');
  const visible = useMemo(() => {
    const q = query.trim().toLowerCase();
    const sorted = [...props.entries].sort((a, b) => a.key.localeCompare(b.key));
    return q ? sorted.filter((e) => e.key.toLowerCase().includes(q) || e.value.toLowerCase().includes(q)) : sorted;
  }, [props.entries, query]);

  return (
    <section className="card kv-card" data-testid={props.testId}>
      <div className="card-header">
        <span>
          {props.title} <span className="count">{props.entries.length}</span>
        </span>
        {props.toolbar}
      </div>
      {props.entries.length > 0 && (
        <div className="kv-search">
          <input type="search" aria-label={props.searchLabel} placeholder={`${props.searchLabel}…`} value={query} onChange={(event) => setQuery(event.target.value)} />
        </div>
      )}
      {props.entries.length === 0 ? (
        <p className="muted card-empty">{props.emptyText}</p>
      ) : visible.length === 0 ? (
        <p className="muted card-empty">Nothing matches “{query}”.</p>
      ) : (
        <div className="kv-scroll">
          <table className="kv-table">
            <tbody>
              {visible.map((entry) => (
                <tr key={entry.key}>
                  <th scope="row" className="mono" title={entry.key}>
                    {entry.key}
                  </th>
                  <td className="mono">{entry.value}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
