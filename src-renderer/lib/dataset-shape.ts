/**
 * What the New run form knows of the data a run will train on, before anything is sent: the shape of one sample and
 * the class names, for the dataset the form names (a catalogue entry, a view of one such as `digits:classes=5-9,n=500`,
 * or a generated dataset such as `spirals:classes=4`). The host checks the same again when the run starts.
 */
import type { DatasetInfo } from '../../src-shared/entities/dataset';
import { parseDatasetView, parseSyntheticDataset, type Parsed } from '../../src-shared/entities/specs';
import { sampleShape } from '../../src-shared/model/resolve';
import type { SampleShape } from '../../src-shared/model/shapes';

export interface FormData {
  /** The dataset as the form names it: `digits:classes=5-9`. */
  text: string;
  /** The catalogue entry of the dataset the view or the options apply to. */
  info: DatasetInfo;
  input: SampleShape;
  /** The classes the run trains on, in the order of its outputs (a view keeps its classes, renumbered). */
  classes: string[];
}

/**
 * The data of `text` in the catalogue `datasets`. Null when the dataset is not in the catalogue (the host says more);
 * a message when a view or a generator's options cannot apply (a class that does not exist), worded as the host words it.
 */
export function formData(text: string, datasets: readonly DatasetInfo[]): Parsed<FormData> | null {
  const trimmed = text.trim();
  const base = (trimmed.includes(':') ? trimmed.slice(0, trimmed.indexOf(':')) : trimmed).trim();
  const info = datasets.find((d) => d.name === base);
  if (!info) return null;
  const input = sampleShape(info.image_shape, info.features);
  if (info.origin === 'synthetic') {
    const spec = parseSyntheticDataset(trimmed);
    if (spec === null) return { ok: true, value: { text: trimmed, info, input, classes: info.classes } };
    if (!spec.ok) return spec;
    return { ok: true, value: { text: trimmed, info, input, classes: Array.from({ length: spec.value.classes }, (_, c) => String(c)) } };
  }
  const view = parseDatasetView(trimmed);
  if (!view.ok) return view;
  const kept = view.value.classes;
  if (kept === null) return { ok: true, value: { text: trimmed, info, input, classes: info.classes } };
  const missing = kept.filter((c) => c >= info.classes.length);
  if (missing.length > 0) {
    const list = info.classes.length <= 12 ? ` (${info.classes.map((label, c) => `${c} ${label}`).join(', ')})` : '';
    return { ok: false, message: `${info.name} has classes 0-${info.classes.length - 1}${list}; class ${missing.join(', ')} does not exist` };
  }
  return { ok: true, value: { text: trimmed, info, input, classes: kept.map((c) => info.classes[c] as string) } };
}

/** `1×28×28 images` or `4 features`. */
export function describeInput(input: SampleShape): string {
  return input.kind === 'image' ? `${input.channels}×${input.height}×${input.width} images` : `${input.size} feature${input.size === 1 ? '' : 's'}`;
}
