import type { ClassifierEvaluation } from '../../../../shared/evaluation';
import { formatMetric } from '../../components/format';

const count = new Intl.NumberFormat('en-US');
const score = (value: number | null | undefined) => (value === null || value === undefined ? '—' : formatMetric(value));

export interface SummaryRow {
  label: string;
  title?: string;
  values: Array<number | null | undefined>;
  /** Rows where a higher value is better get the best one marked when versions are compared. */
  higherIsBetter?: boolean;
  integer?: boolean;
}

/** One row per figure, one column per version (or the one run): the numbers people compare. */
export function SummaryTable({ labels, rows, testId }: { labels: string[]; rows: SummaryRow[]; testId: string }) {
  return (
    <div className="evaluation-table-wrap">
      <table className="data-table evaluation-table" data-testid={testId}>
        <thead>
          <tr>
            <th scope="col">Validation figure</th>
            {labels.map((label) => (
              <th key={label} scope="col" className="num">
                {label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => {
            const finite = row.values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
            const best = labels.length > 1 && row.higherIsBetter && finite.length > 1 ? Math.max(...finite) : null;
            return (
              <tr key={row.label}>
                <th scope="row" title={row.title}>
                  {row.label}
                </th>
                {row.values.map((value, i) => (
                  <td key={labels[i]} className={`num${best !== null && value === best ? ' best' : ''}`} data-label={labels[i]}>
                    {row.integer && typeof value === 'number' ? count.format(value) : score(value)}
                  </td>
                ))}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/** Precision, recall, F1 and support of every class: one column group per version. */
export function PerClassTable({ entries }: { entries: Array<{ label: string; evaluation: ClassifierEvaluation }> }) {
  const classes = [...new Set(entries.flatMap((e) => e.evaluation.perClass.classes.map((c) => c.class)))];
  const cells = (e: ClassifierEvaluation, values: { precision: number; recall: number; f1: number; support?: number } | undefined) => [
    <td key="p" className="num group-start">{score(values?.precision)}</td>,
    <td key="r" className="num">{score(values?.recall)}</td>,
    <td key="f" className="num">{score(values?.f1)}</td>,
    <td key="s" className="num muted">{values?.support === undefined ? (values ? count.format(e.summary.rows) : '—') : count.format(values.support)}</td>,
  ];
  return (
    <div className="evaluation-table-wrap wide">
      <table className="data-table evaluation-table per-class-table" data-testid="per-class-table">
        <thead>
          <tr>
            <th rowSpan={2} scope="col">
              Class
            </th>
            {entries.map((e) => (
              <th key={e.label} colSpan={4} scope="colgroup" className="group-start group-title">
                {e.label}
              </th>
            ))}
          </tr>
          <tr>
            {entries.map((e) => [
              <th key={`${e.label}-p`} scope="col" className="num group-start">Precision</th>,
              <th key={`${e.label}-r`} scope="col" className="num">Recall</th>,
              <th key={`${e.label}-f`} scope="col" className="num">F1</th>,
              <th key={`${e.label}-s`} scope="col" className="num" title="Rows of the class in the validation split">Support</th>,
            ])}
          </tr>
        </thead>
        <tbody>
          {classes.map((name) => (
            <tr key={name} data-class={name}>
              <th scope="row">{name}</th>
              {entries.map((e) => cells(e.evaluation, e.evaluation.perClass.classes.find((c) => c.class === name)))}
            </tr>
          ))}
          <tr className="average-row">
            <th scope="row" title="Unweighted mean over the classes">
              macro average
            </th>
            {entries.map((e) => cells(e.evaluation, e.evaluation.perClass.macro))}
          </tr>
          <tr className="average-row">
            <th scope="row" title="Mean weighted by each class's support">
              weighted average
            </th>
            {entries.map((e) => cells(e.evaluation, e.evaluation.perClass.weighted))}
          </tr>
        </tbody>
      </table>
    </div>
  );
}

/** Rows are actual classes, columns predicted ones; a cell's shade is its share of the row. */
export function ConfusionMatrixTable({ label, matrix }: { label: string; matrix: NonNullable<ClassifierEvaluation['confusionMatrix']> }) {
  return (
    <figure className="confusion" data-testid="confusion-matrix" data-label={label}>
      <figcaption className="confusion-title">{label}</figcaption>
      <table className="confusion-table">
        <thead>
          <tr>
            <th className="corner" scope="col">
              actual ↓ · predicted →
            </th>
            {matrix.labels.map((l) => (
              <th key={l} scope="col" title={`predicted ${l}`}>
                {l}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {matrix.matrix.map((row, i) => {
            const total = row.reduce((a, b) => a + b, 0);
            return (
              <tr key={matrix.labels[i]}>
                <th scope="row" title={`actual ${matrix.labels[i]}`}>
                  {matrix.labels[i]}
                </th>
                {row.map((n, j) => {
                  const share = total ? n / total : 0;
                  return (
                    <td
                      key={matrix.labels[j]}
                      className={i === j ? 'diagonal' : undefined}
                      // At most 55% accent: the theme's text colour stays readable on every shade.
                      style={{ background: `color-mix(in srgb, var(--accent) ${Math.round(share * 55)}%, var(--panel))` }}
                      title={`${count.format(n)} of ${count.format(total)} ${matrix.labels[i]} rows predicted ${matrix.labels[j]} (${(share * 100).toFixed(1)}%)`}
                    >
                      {count.format(n)}
                    </td>
                  );
                })}
              </tr>
            );
          })}
        </tbody>
      </table>
    </figure>
  );
}
