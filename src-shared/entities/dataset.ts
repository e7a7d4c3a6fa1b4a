import { z } from 'zod';

export const datasetInfoSchema = z.object({
  name: z.string(),
  title: z.string(),
  description: z.string(),
  kind: z.enum(['image', 'tabular']),
  rows: z.number().int(),
  features: z.number().int(),
  classes: z.array(z.string()),
  /** Height and width for image datasets (digits: 8 x 8). */
  image_shape: z.tuple([z.number().int(), z.number().int()]).nullable(),
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
