import type { DatasetInfo } from '../../src-shared/entities/dataset';
import { formatCount } from './model-summary-text';

/**
 * A dataset's size and shape in a few words: `70,000 images (10,000 test) · 1×28×28 · 10 classes` for images (the
 * test part is the dataset's own, evaluated once after training), `150 rows · 4 features · 3 classes` for a table.
 */
export function datasetSizeText(dataset: DatasetInfo): string {
  const classes = `${dataset.classes.length} classes`;
  if (dataset.image_shape) {
    const test = dataset.test_rows > 0 ? ` (${formatCount(dataset.test_rows)} test)` : '';
    return `${formatCount(dataset.rows)} images${test} · ${dataset.image_shape.join('×')} · ${classes}`;
  }
  return `${formatCount(dataset.rows)} rows · ${dataset.features} features · ${classes}`;
}
