import { z } from 'zod';

/** Precision, recall and F1 of one class (NaN-free: a class never predicted has precision 0). */
export const classScoresSchema = z.object({
  label: z.string(),
  precision: z.number(),
  recall: z.number(),
  f1: z.number(),
  /** Samples of this class in the evaluated split. */
  support: z.number().int(),
});
export type ClassScores = z.infer<typeof classScoresSchema>;

export const misclassifiedSchema = z.object({
  /** Row of the dataset (0-based, in file order). */
  row: z.number().int(),
  true_label: z.string(),
  predicted_label: z.string(),
  /** Softmax probability of the predicted class. */
  confidence: z.number(),
  /** The raw feature values, as in the dataset (pixels 0..16 for digits). */
  features: z.array(z.number()),
});
export type Misclassified = z.infer<typeof misclassifiedSchema>;

/** Error analysis of one split, computed once after training with the weights the run ended with. */
export const evaluationSchema = z.object({
  split: z.enum(['val', 'test']),
  classes: z.array(z.string()),
  /** confusion[t][p]: samples of true class t predicted as p; sums to the split's size. */
  confusion: z.array(z.array(z.number().int())),
  accuracy: z.number(),
  per_class: z.array(classScoresSchema),
  /** The most confident mistakes first; at most MAX_MISCLASSIFIED of them. */
  misclassified: z.array(misclassifiedSchema),
  total_misclassified: z.number().int(),
  feature_names: z.array(z.string()),
  /**
   * Channels, height and width when the features are an image (digits: 1 x 8 x 8); pixels are channels last.
   * Runs of Runboard 0.1 recorded height and width only (one channel).
   */
  image_shape: z.union([z.tuple([z.number().int(), z.number().int(), z.number().int()]), z.tuple([z.number().int(), z.number().int()])]).nullable(),
});
export type Evaluation = z.infer<typeof evaluationSchema>;
export const MAX_MISCLASSIFIED = 200;

export const histogramSchema = z.object({
  min: z.number(),
  max: z.number(),
  mean: z.number(),
  std: z.number(),
  /** Counts in equal-width bins from min to max. */
  counts: z.array(z.number().int()),
});
export type Histogram = z.infer<typeof histogramSchema>;

/** Each dense layer's weight (kernel) distribution at initialisation and at the end of training. */
export const weightHistogramsSchema = z.object({
  layers: z.array(
    z.object({
      /** Dense layer index: hidden layers 0..H-1, the output layer H. */
      layer: z.number().int(),
      name: z.string(),
      shape: z.array(z.number().int()),
      frozen: z.boolean(),
      initial: histogramSchema,
      final: histogramSchema.nullable(),
    }),
  ),
});
export type WeightHistograms = z.infer<typeof weightHistogramsSchema>;

/** Counts values into `bins` equal-width bins; a constant tensor gets one full bin. */
export function histogramOf(values: ArrayLike<number>, bins = 30): Histogram {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let finite = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (!Number.isFinite(v)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
    finite++;
  }
  if (finite === 0) return { min: 0, max: 0, mean: 0, std: 0, counts: [] };
  const mean = sum / finite;
  let sq = 0;
  const counts = new Array<number>(min === max ? 1 : bins).fill(0);
  const width = (max - min) / counts.length;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (!Number.isFinite(v)) continue;
    sq += (v - mean) ** 2;
    const bin = width === 0 ? 0 : Math.min(counts.length - 1, Math.floor((v - min) / width));
    counts[bin] = (counts[bin] as number) + 1;
  }
  return { min, max, mean, std: Math.sqrt(sq / finite), counts };
}

/** Confusion matrix, accuracy and per-class scores from true and predicted class indices. */
export function scoreClassification(truth: ArrayLike<number>, predicted: ArrayLike<number>, classes: readonly string[]): Pick<Evaluation, 'confusion' | 'accuracy' | 'per_class'> {
  const k = classes.length;
  const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  let correct = 0;
  for (let i = 0; i < truth.length; i++) {
    const t = truth[i] as number;
    const p = predicted[i] as number;
    (confusion[t] as number[])[p] = ((confusion[t] as number[])[p] as number) + 1;
    if (t === p) correct++;
  }
  const per_class = classes.map((label, c) => {
    const tp = (confusion[c] as number[])[c] as number;
    const support = (confusion[c] as number[]).reduce((a, b) => a + b, 0);
    const predictedAs = confusion.reduce((a, row) => a + (row[c] as number), 0);
    const precision = predictedAs === 0 ? 0 : tp / predictedAs;
    const recall = support === 0 ? 0 : tp / support;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    return { label, precision, recall, f1, support };
  });
  return { confusion, accuracy: truth.length === 0 ? 0 : correct / truth.length, per_class };
}
