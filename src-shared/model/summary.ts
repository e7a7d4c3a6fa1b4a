import type { ModelSummary } from '../entities/model-summary';
import type { ModelPlan, SampleShape } from './shapes';

/** A shape as PyTorch writes it: [channels, height, width] for an image, [features] for a flat input. */
export function shapeDims(shape: SampleShape): number[] {
  return shape.kind === 'image' ? [shape.channels, shape.height, shape.width] : [shape.size];
}

/**
 * A planned model as the run page and the New run form show it: each layer with its output shape and parameters,
 * the frozen layers (weight indices) marked, and the totals.
 */
export function summariseModel(plan: ModelPlan, input: SampleShape, frozen: readonly number[]): ModelSummary {
  const layers = plan.layers.map((p) => ({
    text: p.text,
    output: shapeDims(p.output),
    params: p.params,
    weight_index: p.weightIndex,
    frozen: p.weightIndex !== null && frozen.includes(p.weightIndex),
    added: p.added,
  }));
  return { input: shapeDims(input), layers, params: plan.params, trainable_params: layers.filter((l) => !l.frozen).reduce((sum, l) => sum + l.params, 0) };
}
