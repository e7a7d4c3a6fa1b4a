import type { BackendStatus } from '../../src-shared/api/contract';
import type { DatasetInfo } from '../../src-shared/entities/dataset';
import { ACTIVATIONS, BACKENDS, OPTIMIZERS } from '../../src-shared/entities/train-config';
import type { SelectOption } from './select-option';

export const ACTIVATION_OPTIONS: readonly SelectOption[] = ACTIVATIONS.map((a) => ({ value: a, label: a }));

export const OPTIMIZER_OPTIONS: readonly SelectOption[] = OPTIMIZERS.map((o) => ({ value: o, label: o === 'sgd' ? 'SGD (with momentum)' : 'Adam' }));

/** `iris — 150 rows · 4 features · 3 classes` */
export function datasetLabel(dataset: DatasetInfo): string {
  return `${dataset.name} — ${dataset.rows} rows · ${dataset.features} features · ${dataset.classes.length} classes`;
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
