import type { ModelSummary } from '../../src-shared/entities/model-summary';
import type { ParamValue } from '../../src-shared/entities/train-config';
import { MODEL_PRESETS } from '../../src-shared/model/layers';
import { CUSTOM_MODEL } from './new-run-fields';
import type { SelectOption } from './select-option';

/** The New run form's Model choices: the MLP of the hidden-layer fields, the named presets, or a typed layer list. */
export const MODEL_OPTIONS: readonly SelectOption[] = [
  { value: 'mlp', label: 'MLP (hidden layers)' },
  { value: 'cnn', label: 'CNN: two convolution blocks (small, fast on a CPU)', title: MODEL_PRESETS.cnn },
  { value: 'lenet5', label: 'LeNet-5 (LeCun et al., 1998)', title: MODEL_PRESETS.lenet5 },
  { value: CUSTOM_MODEL, label: 'Custom layers (PyTorch names)' },
];

/** The layer list a named preset expands to, or null for the MLP and custom layers. */
export function presetLayers(model: string): string | null {
  return Object.prototype.hasOwnProperty.call(MODEL_PRESETS, model) ? MODEL_PRESETS[model as keyof typeof MODEL_PRESETS] : null;
}

/** Example layer lists offered under the Custom layers field. */
export const LAYER_EXAMPLES: readonly SelectOption[] = [
  { value: 'conv2d(16,3,padding=same),relu,maxpool2d(2),flatten,linear(64),relu', label: 'one convolution block' },
  { value: 'conv2d(32,3,padding=same),batchnorm,relu,maxpool2d(2),conv2d(64,3,padding=same),batchnorm,relu,global_avg_pool', label: 'batchnorm and global average pooling' },
  { value: 'flatten,linear(256),relu,dropout(0.2),linear(128),relu', label: 'an MLP as a layer list' },
];

/** Augmentations offered: geometric ones for images, noise only for a table (the rest does not apply to it). */
export function augmentSuggestions(image: boolean): SelectOption[] {
  const values = image ? ['none', 'rotate=10,shift=1', 'rotate=15,shift=2,scale=0.1', 'flip=h,crop=4', 'rotate=10,shift=2,noise=0.05'] : ['none', 'noise=0.05', 'noise=0.1'];
  return values.map((value) => ({ value, label: value }));
}

/**
 * Freeze choices for the planned model: `conv` when it has convolutions, `all-but-last`, and each layer with weights
 * by its index (what `--freeze 0,1` names), labelled with the layer.
 */
export function freezeSuggestions(summary: ModelSummary | null): SelectOption[] {
  const options: SelectOption[] = [
    { value: 'none', label: 'none' },
    { value: 'all-but-last', label: 'every layer but the output layer' },
  ];
  if (!summary) return options;
  const weighted = summary.layers.filter((l) => l.weight_index !== null && l.added !== 'output');
  if (summary.layers.some((l) => l.text.startsWith('conv2d'))) options.splice(1, 0, { value: 'conv', label: 'the convolutional part' });
  for (const layer of weighted) options.push({ value: String(layer.weight_index), label: `${layer.weight_index}: ${layer.text}` });
  return options;
}

/** A run's model in a few words, from its params: `cnn`, `MLP 256,256`, `layers conv2d(8,3),relu,…`. */
export function modelLabel(params: Record<string, ParamValue>): string {
  const { model, hidden, layers } = params;
  if (typeof model === 'string' && model !== 'mlp') return model;
  if (hidden !== undefined && hidden !== null) return String(hidden) === '' ? 'linear model' : `MLP ${String(hidden)}`;
  if (typeof layers === 'string') return `layers ${layers.length > 40 ? `${layers.slice(0, 39)}…` : layers}`;
  return 'model unknown';
}
