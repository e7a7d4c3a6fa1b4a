import { z } from 'zod';

export const datasetInfoSchema = z.object({
  name: z.string(),
  title: z.string(),
  description: z.string(),
  kind: z.enum(['image', 'tabular']),
  /** Samples: the training part and the dataset's own test part together. */
  rows: z.number().int(),
  /** Samples of the dataset's own test part (MNIST's t10k files), evaluated once after training; 0 when none. */
  test_rows: z.number().int(),
  /** Input values per sample (features of a table; channels x height x width of an image). */
  features: z.number().int(),
  classes: z.array(z.string()),
  /** Channels, height and width of an image dataset (digits: 1 x 8 x 8), as PyTorch writes them; null for a table. */
  image_shape: z.tuple([z.number().int(), z.number().int(), z.number().int()]).nullable(),
  /** Where the data comes from and its licence. */
  source: z.string(),
  builtin: z.boolean(),
  /** Shipped with Runboard, imported by the user from a CSV file, or generated (spirals, moons, blobs). */
  origin: z.enum(['builtin', 'imported', 'synthetic']),
});
export type DatasetInfo = z.infer<typeof datasetInfoSchema>;

/** Largest CSV accepted by an import, in bytes. */
export const MAX_IMPORT_BYTES = 64 * 1024 * 1024;
/** Dataset names: letters, digits, `-` and `_`, starting with a letter (they name files in the data directory). */
export const DATASET_NAME = /^[a-z][a-z0-9_-]{0,63}$/i;
