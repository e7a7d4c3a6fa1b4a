import type * as tfType from '@tensorflow/tfjs';
import { MAX_MISCLASSIFIED, histogramOf, scoreClassification, type Evaluation, type Histogram } from '../../../src-shared/entities/evaluation';
import type { ImageShape } from '../../datasets';
import { logitsOf, weightLayers, type Tf } from './model';
import { evaluationChunk, type TrainingData } from './train-loop';

export interface SplitRows {
  split: 'val' | 'test';
  /** Dataset rows of the split (for the gallery and for finding a sample again). */
  rows: Int32Array;
  /** Class index of each row. */
  labels: Int32Array;
}

/**
 * Error analysis of one split: confusion matrix, per-class precision, recall and F1, and the misclassified samples,
 * most confident first, with their raw features. Reads results asynchronously: a GPU backend (WebGPU) in Node cannot
 * read its memory synchronously.
 */
export async function evaluateSplit(
  tf: Tf,
  model: tfType.Sequential,
  data: Pick<TrainingData, 'inputs' | 'sampleSize'>,
  split: SplitRows,
  table: { features: Float32Array | Uint8Array; width: number; featureNames: string[]; classes: string[] },
  imageShape: ImageShape | null,
): Promise<Evaluation> {
  const n = split.labels.length;
  const predicted = new Int32Array(n);
  const confidence = new Float32Array(n);
  const chunk = evaluationChunk(data.sampleSize);
  for (let start = 0; start < n; start += chunk) {
    const size = Math.min(chunk, n - start);
    const [classes, probabilities] = tf.tidy(() => {
      const probs = tf.softmax(logitsOf(model, data.inputs(split.rows.subarray(start, start + size)), false));
      return [tf.argMax(probs, 1), tf.max(probs, 1)];
    });
    try {
      predicted.set((await classes.data()) as Int32Array, start);
      confidence.set((await probabilities.data()) as Float32Array, start);
    } finally {
      tf.dispose([classes, probabilities]);
    }
  }
  const width = table.width;
  const mistakes: number[] = [];
  for (let i = 0; i < n; i++) if (predicted[i] !== split.labels[i]) mistakes.push(i);
  mistakes.sort((a, b) => (confidence[b] as number) - (confidence[a] as number));
  return {
    split: split.split,
    classes: table.classes,
    ...scoreClassification(split.labels, predicted, table.classes),
    misclassified: mistakes.slice(0, MAX_MISCLASSIFIED).map((i) => {
      const row = split.rows[i] as number;
      return {
        row,
        true_label: table.classes[split.labels[i] as number] as string,
        predicted_label: table.classes[predicted[i] as number] as string,
        confidence: confidence[i] as number,
        features: Array.from(table.features.subarray(row * width, (row + 1) * width)),
      };
    }),
    total_misclassified: mistakes.length,
    feature_names: table.featureNames,
    image_shape: imageShape ? [imageShape.channels, imageShape.height, imageShape.width] : null,
  };
}

/** Histogram of each weight layer's first weight (a kernel; a batch normalisation's scale), input side first. */
export async function kernelHistograms(model: tfType.Sequential): Promise<Histogram[]> {
  const histograms: Histogram[] = [];
  for (const layer of weightLayers(model)) histograms.push(histogramOf((await (layer.getWeights()[0] as tfType.Tensor).data()) as Float32Array));
  return histograms;
}
