/**
 * Training progress for the terminal, shared by `mldesk train` and `mldesk reproduce`.
 */
import type { WorkerMessage } from '../core/training/messages.js';
import { ID_COLUMN_REASON } from '../core/training/preprocessing.js';
import type { EpochMetrics } from '../core/training/trainer.js';

const formatNumber = (value: number) => (Number.isNaN(value) ? 'nan' : Number.isInteger(value) ? String(value) : value.toPrecision(4));

export function formatMetrics(metrics: EpochMetrics): string {
  return Object.entries(metrics)
    .map(([key, value]) => `${key} ${formatNumber(value)}`)
    .join('  ');
}

function formatDuration(ms: number): string {
  const total = Math.round(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

/**
 * Progress on stderr (stdout stays for the result, so `--json` output is one clean object): one
 * line rewritten in place on a terminal, one plain line per epoch otherwise (CI logs, pipes).
 */
export class ProgressPrinter {
  private pending = false;

  constructor(private readonly out: NodeJS.WriteStream) {}

  private line(text: string): void {
    if (this.pending) this.out.write('\n');
    this.pending = false;
    this.out.write(`${text}\n`);
  }

  started(runId: string, experiment: string): void {
    this.line(`Training run ${runId} in experiment '${experiment}' (Ctrl-C stops it and marks it KILLED)`);
  }

  message(message: WorkerMessage): void {
    if (message.type === 'backend') {
      const skipped = message.backend.skipped.map((s) => s.name).join(', ');
      this.line(`backend: ${message.backend.name} (TF.js ${message.backend.tfVersion})${skipped ? `; unavailable: ${skipped}` : ''}`);
    } else if (message.type === 'prepared') {
      const classes = message.classes ? `, ${message.classes.length} classes` : '';
      this.line(`task: ${message.task}, ${message.trainRows} training rows, ${message.validationRows} validation rows${classes}`);
      for (const column of message.ignoredColumns ?? []) {
        const hint = column.reason === ID_COLUMN_REASON ? ' (--keep-id-columns uses it)' : '';
        this.line(`left out: ${column.name}: ${column.reason}${hint}`);
      }
    } else if (message.type === 'progress') {
      const p = message.progress;
      const text = `epoch ${p.epoch}/${p.epochs}${p.phase === 'batch' ? ` (batch ${p.batch}/${p.batches})` : ''}  elapsed ${formatDuration(p.elapsedMs)}  ETA ${formatDuration(p.etaMs)}  ${formatMetrics(p.metrics)}`;
      if (this.out.isTTY) {
        // Cut to the terminal width: a wrapped line cannot be rewritten in place.
        this.out.write(`\r\x1b[2K${text.slice(0, Math.max(20, (this.out.columns ?? 120) - 1))}`);
        this.pending = true;
      } else if (p.phase === 'epoch') {
        this.out.write(`${text}\n`);
      }
    }
  }

  finish(): void {
    if (this.pending) this.out.write('\n');
    this.pending = false;
  }
}
