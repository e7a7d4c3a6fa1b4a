import type * as tfType from '@tensorflow/tfjs';
import { MAX_MISCLASSIFIED, histogramOf, scoreClassification, type Evaluation, type Histogram } from '../../src-shared/entities/evaluation';
import { denseLayers, logitsOf, type Tf } from './model';

export interface SplitRows {
  split: 'val' | 'test';
  /** Model inputs, rows x features. */
  x: tfType.Tensor2D;
  /** Class index of each row. */
  labels: Int32Array;
  /** Dataset row of each input (for the gallery and for finding the sample again). */
  rows: Int32Array;
}

const CHUNK = 2048;

/**
 * Error analysis of one split: confusion matrix, per-class precision, recall and F1, and the misclassified samples,
 * most confident first, with their raw features.
 */
export function evaluateSplit(
  tf: Tf,
  model: tfType.Sequential,
  split: SplitRows,
  table: { features: Float32Array; featureNames: string[]; classes: string[] },
  imageShape: [number, number] | null,
): Evaluation {
  const n = split.labels.length;
  const predicted = new Int32Array(n);
  const confidence = new Float32Array(n);
  for (let start = 0; start < n; start += CHUNK) {
    const size = Math.min(CHUNK, n - start);
    const [classes, probabilities] = tf.tidy(() => {
      const probs = tf.softmax(logitsOf(model, tf.slice(split.x, [start, 0], [size, -1]), false));
      return [tf.argMax(probs, 1), tf.max(probs, 1)];
    });
    predicted.set(classes.dataSync() as Int32Array, start);
    confidence.set(probabilities.dataSync() as Float32Array, start);
    tf.dispose([classes, probabilities]);
  }
  const width = table.featureNames.length;
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
    image_shape: imageShape,
  };
}

/** Histogram of each dense layer's kernel, input side first. */
export function kernelHistograms(model: tfType.Sequential): Histogram[] {
  return denseLayers(model).map((layer) => histogramOf((layer.getWeights()[0] as tfType.Tensor).dataSync()));
}
