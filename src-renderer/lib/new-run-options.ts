import type { BackendStatus } from '../../src-shared/api/contract';
import type { DatasetInfo } from '../../src-shared/entities/dataset';
import { EARLY_STOPPING_DEFAULTS, INITIALISERS, SYNTHETIC_DATASETS, SYNTHETIC_DEFAULTS } from '../../src-shared/entities/specs';
import { ACTIVATIONS, BACKENDS, OPTIMIZERS, type OptimizerName } from '../../src-shared/entities/train-config';
import { datasetSizeText } from './dataset-text';
import type { SelectOption } from './select-option';

export const ACTIVATION_OPTIONS: readonly SelectOption[] = ACTIVATIONS.map((a) => ({ value: a, label: a }));

const OPTIMIZER_LABELS: Record<OptimizerName, string> = {
  sgd: 'SGD',
  adam: 'Adam',
  adamw: 'AdamW (decoupled decay)',
  rmsprop: 'RMSprop',
};
export const OPTIMIZER_OPTIONS: readonly SelectOption[] = OPTIMIZERS.map((o) => ({ value: o, label: OPTIMIZER_LABELS[o] }));

/**
 * Typical values offered under the text-spec fields (any other valid spec may be typed). Augmentation and freeze
 * depend on the data and the model: see model-options.ts.
 */
export const SPEC_SUGGESTIONS = {
  init: [...INITIALISERS.filter((name) => name !== 'uniform' && name !== 'normal'), 'uniform:0,1', 'uniform:-0.05,0.05', 'normal:0,0.01'],
  bias_init: ['zeros', 'constant:0.1', 'normal:0,0.01'],
  lr_schedule: ['constant', 'step:10,0.5', 'cosine'],
  early_stopping: ['off', String(EARLY_STOPPING_DEFAULTS.patience), `${EARLY_STOPPING_DEFAULTS.patience}:0.001`, '10'],
} as const satisfies Record<string, readonly string[]>;

export function suggestionOptions(values: readonly string[]): SelectOption[] {
  return values.map((value) => ({ value, label: value }));
}

/** A generated dataset's catalogue entry when the host does not list it (yet), from its defaults. */
function syntheticInfo(name: (typeof SYNTHETIC_DATASETS)[number]): DatasetInfo {
  const defaults = SYNTHETIC_DEFAULTS[name];
  const classes = name === 'moons' ? 2 : defaults.classes;
  return {
    name,
    title: name,
    description: `Generated 2-D ${name}, seeded; options n, classes, noise, seed.`,
    kind: 'tabular',
    rows: defaults.n,
    features: 2,
    classes: Array.from({ length: classes }, (_, i) => String(i)),
    test_rows: 0,
    image_shape: null,
    source: 'generated',
    builtin: true,
    origin: 'synthetic',
  };
}

/** The catalogue with every synthetic dataset in it, whether or not the host listed it. */
export function withSyntheticDatasets(datasets: readonly DatasetInfo[]): DatasetInfo[] {
  const missing = SYNTHETIC_DATASETS.filter((name) => !datasets.some((d) => d.name === name)).map(syntheticInfo);
  return [...datasets, ...missing];
}

export interface DatasetGroup {
  label: string;
  options: SelectOption[];
}

/** The dataset picker's choices, grouped: built-in, generated (with options), imported from CSV. */
export function datasetGroups(datasets: readonly DatasetInfo[]): DatasetGroup[] {
  const groups: DatasetGroup[] = [
    { label: 'Built-in', options: datasetOptions(datasets.filter((d) => d.origin === 'builtin')) },
    { label: 'Generated', options: datasetOptions(datasets.filter((d) => d.origin === 'synthetic')) },
    { label: 'Imported', options: datasetOptions(datasets.filter((d) => d.origin === 'imported')) },
  ];
  return groups.filter((group) => group.options.length > 0);
}

/** `iris — 150 rows · 4 features · 3 classes`, `fashion-mnist — 70,000 images (10,000 test) · 1×28×28 · 10 classes` */
export function datasetLabel(dataset: DatasetInfo): string {
  return `${dataset.name} — ${datasetSizeText(dataset)}`;
}

export function datasetOptions(datasets: readonly DatasetInfo[]): SelectOption[] {
  return datasets.map((d) => ({ value: d.name, label: datasetLabel(d), title: d.description }));
}

/**
 * `auto` plus every backend the host reports, the unusable ones disabled with the reason as their tooltip.
 * Before the host answered, every backend is offered and the host refuses a wrong one.
 */
export function backendOptions(statuses: readonly BackendStatus[] | undefined): SelectOption[] {
  const options: SelectOption[] = [{ value: 'auto', label: 'auto (fastest available)' }];
  for (const name of BACKENDS) {
    if (name === 'auto') continue;
    const status = statuses?.find((s) => s.name === name);
    const usable = !status || (status.installed && status.loads !== false);
    const option: SelectOption = { value: name, label: usable ? name : `${name} (unavailable)`, disabled: !usable };
    if (status?.reason) option.title = status.reason;
    options.push(option);
  }
  return options;
}
