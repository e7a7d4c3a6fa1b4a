/**
 * From a run's configuration to its model, the same on every side: the New run form (to show the summary and refuse a
 * layer that cannot apply), the host (before anything is written) and the worker (to build it).
 */
import type { FreezeSpec, Parsed } from '../entities/specs';
import { MODEL_PRESETS, mlpLayers, parseLayers, type LayerActivation, type ParsedLayer } from './layers';
import { planModel, type ModelPlan, type SampleShape } from './shapes';

/** What of a configuration defines its model (see `TrainConfig`). */
export interface ModelChoice {
  /** A layer list; wins over everything else. */
  layers?: string | undefined;
  /** A named preset; `mlp` (or none) builds from `hidden`, `activation` and `dropout`. */
  model?: string | undefined;
  hidden: number[];
  activation: LayerActivation | 'linear';
  /** One rate per hidden layer. */
  dropout: number[];
}

/** The shape of one sample: an image of channels x height x width, or `features` values. */
export function sampleShape(imageShape: readonly [number, number, number] | null, features: number): SampleShape {
  return imageShape ? { kind: 'image', channels: imageShape[0], height: imageShape[1], width: imageShape[2] } : { kind: 'flat', size: features };
}

/** The field a model error belongs to, so the form shows it next to the right input. */
export function modelField(choice: Pick<ModelChoice, 'layers' | 'model'>): 'layers' | 'model' | 'hidden' {
  return choice.layers !== undefined ? 'layers' : choice.model !== undefined && choice.model !== 'mlp' ? 'model' : 'hidden';
}

/** The layer list a configuration asks for, before it meets any data. */
export function chosenLayers(choice: ModelChoice): Parsed<ParsedLayer[]> {
  if (choice.layers !== undefined) return parseLayers(choice.layers);
  if (choice.model !== undefined && choice.model !== 'mlp') {
    const preset = MODEL_PRESETS[choice.model as keyof typeof MODEL_PRESETS];
    if (!preset) return { ok: false, message: `unknown model "${choice.model}"; one of mlp, ${Object.keys(MODEL_PRESETS).join(', ')}` };
    return parseLayers(preset);
  }
  return { ok: true, value: mlpLayers(choice.hidden, choice.activation, choice.dropout).map((layer) => ({ layer, column: 0, text: '' })) };
}

/** The model a configuration builds on samples of `input` with `classes` classes: every layer checked and sized. */
export function planFor(choice: ModelChoice, input: SampleShape, classes: number): Parsed<ModelPlan> {
  const layers = chosenLayers(choice);
  if (!layers.ok) return layers;
  // Only a layer list the user typed has columns worth pointing at; a preset's or the shorthand's layers go by position.
  return planModel(choice.layers !== undefined ? layers.value : layers.value.map((l) => l.layer), input, classes);
}

/**
 * The weight-layer indices a freeze spec names in a planned model. `conv` is every layer with weights before the
 * first linear layer (convolutions and the batch normalisations among them).
 */
export function frozenWeightLayers(spec: FreezeSpec, plan: ModelPlan): Parsed<number[]> {
  const weighted = plan.layers.filter((p) => p.weightIndex !== null);
  const count = weighted.length;
  let indices: number[];
  switch (spec.kind) {
    case 'none':
      return { ok: true, value: [] };
    case 'all-but-last':
      indices = Array.from({ length: count - 1 }, (_, i) => i);
      break;
    case 'conv': {
      const firstLinear = weighted.findIndex((p) => p.layer.kind === 'linear');
      indices = weighted.slice(0, firstLinear).map((p) => p.weightIndex as number);
      if (!weighted.some((p) => p.layer.kind === 'conv2d')) return { ok: false, message: 'freeze conv: the model has no convolutional layer' };
      break;
    }
    case 'layers': {
      const missing = spec.indices.filter((i) => i >= count);
      if (missing.length > 0) {
        const list = weighted.map((p) => `${p.weightIndex} ${p.text}${p.added === 'output' ? ' (output)' : ''}`).join(', ');
        return { ok: false, message: `layer ${missing.join(', ')} does not exist: the layers with weights are ${list}` };
      }
      indices = spec.indices;
    }
  }
  if (indices.length >= count) return { ok: false, message: 'every layer would be frozen: nothing would be left to train' };
  return { ok: true, value: indices };
}
