export { DatasetCatalogue, type DatasetSource, type Preprocessing } from './catalogue';
export { readLabelledCsv, type LabelledTable } from './csv-dataset';
