import { z } from 'zod';

/**
 * A run's model as built: each layer with its output shape and parameter count, what is frozen, and the totals.
 * Shapes are written as PyTorch writes them: [channels, height, width] for images, [features] otherwise.
 */
export const modelSummarySchema = z.object({
  input: z.array(z.number().int()),
  layers: z.array(
    z.object({
      text: z.string(),
      output: z.array(z.number().int()),
      /** Weights trained by gradient descent (0 for layers without weights). */
      params: z.number().int(),
      /** Index among the layers with weights (what `--freeze` names), or null. */
      weight_index: z.number().int().nullable(),
      frozen: z.boolean(),
      /** Added by Runboard: the output layer, or a flatten before a linear layer that met an image. */
      added: z.enum(['output', 'flatten']).nullable(),
    }),
  ),
  params: z.number().int(),
  trainable_params: z.number().int(),
});
export type ModelSummary = z.infer<typeof modelSummarySchema>;

/**
 * The first convolutional layer's filters at initialisation and at the end of training: the kernel's values in its
 * own order (height x width x input channels x filters, as TensorFlow.js keeps them).
 */
export const convFiltersSchema = z.object({
  layer: z.string(),
  /** [kernel height, kernel width, input channels, filters]. */
  shape: z.tuple([z.number().int(), z.number().int(), z.number().int(), z.number().int()]),
  initial: z.array(z.number()),
  final: z.array(z.number()).nullable(),
});
export type ConvFilters = z.infer<typeof convFiltersSchema>;
