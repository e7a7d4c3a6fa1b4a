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
});
export type DatasetInfo = z.infer<typeof datasetInfoSchema>;
