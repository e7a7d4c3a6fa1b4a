import type { MetricValue, RunSummary } from '../../src-shared/entities/run';
import type { ParamValue } from '../../src-shared/entities/train-config';
import { describeShape, type ModelPlan } from '../../src-shared/model/shapes';

export function formatDuration(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '-';
  const s = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${String(sec).padStart(2, '0')}` : `${m}:${String(sec).padStart(2, '0')}`;
}

export function formatValue(value: MetricValue | ParamValue | undefined, digits = 4): string {
  if (value === undefined || value === null) return '-';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(digits)));
  return String(value);
}

/** A plain text table, columns padded to their widest cell. */
export function textTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n') + '\n';
}

export function runsAsText(runs: readonly RunSummary[]): string {
  if (runs.length === 0) return 'No runs yet. Start one with: runboard train --dataset digits\n';
  const header = ['id', 'name', 'experiment', 'status', 'backend', 'epochs', 'val_acc', 'val_loss', 'best_val_acc', 'lr', 'hidden', 'duration'];
  const rows = runs.map((r) => [
    String(r.run_id),
    r.name,
    r.experiment,
    r.status,
    r.backend ?? '-',
    String(r.epochs),
    formatValue(r.metrics.val_accuracy),
    formatValue(r.metrics.val_loss),
    formatValue(r.best.val_accuracy),
    formatValue(r.params.lr),
    formatValue(r.params.hidden),
    formatDuration(r.duration_s === null ? null : r.duration_s * 1000),
  ]);
  return textTable(header, rows);
}

/** The model as Keras's `summary()` prints it: each layer, its output shape, its parameters; the total. */
export function modelAsText(plan: ModelPlan): string {
  const rows = plan.layers.map((p) => [
    p.added === 'output' ? `${p.text} (output)` : p.added === 'flatten' ? `${p.text} (added)` : p.text,
    describeShape(p.output),
    p.params.toLocaleString('en-US'),
  ]);
  return `Model, ${plan.params.toLocaleString('en-US')} parameters:\n` + textTable(['layer', 'output', 'params'], rows);
}
