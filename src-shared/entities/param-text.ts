import type { ParamValue } from './train-config';

/** A number as people and Python write one: `0.01`, `1e-3`, `-2`, `.5`; not `0x10`, `nan` or `1_000`. */
const NUMBER_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * The value a param logged as text stands for (other trackers log every param as text: MLflow's `log_param`
 * sends `str(value)`): a number when the text is one, a boolean for `true`/`false` in Python's or JSON's case,
 * the text otherwise. The text itself is kept beside it, so nothing of what was logged is lost.
 */
export function typedParam(text: string): ParamValue {
  const trimmed = text.trim();
  if (NUMBER_TEXT.test(trimmed)) {
    const value = Number(trimmed);
    if (Number.isFinite(value)) return value;
  }
  if (trimmed === 'true' || trimmed === 'True') return true;
  if (trimmed === 'false' || trimmed === 'False') return false;
  return text;
}

/** A typed param as text, for a tracker that only knows text (a Runboard-trained run read through the MLflow API). */
export function paramText(value: ParamValue): string {
  if (value === null) return 'None';
  return String(value);
}
