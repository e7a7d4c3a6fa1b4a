export { DatasetCatalogue, type CatalogueOptions, type ImportInput, type ImportOptions } from './catalogue';
export { loadTable, type DatasetSource, type Preprocessing } from './source';
export { readLabelledCsv, type LabelledTable } from './csv-dataset';
export { generateSynthetic } from './synthetic';
export { MAX_CLASSES, MAX_IMPORT_COLUMNS, MAX_IMPORT_ROWS } from './csv-checker';
export type { ImportProgress } from './csv-import';
export type { ImageShape } from './source';
