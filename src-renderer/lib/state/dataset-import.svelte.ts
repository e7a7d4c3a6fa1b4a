import { DATASET_NAME, MAX_IMPORT_BYTES, type DatasetInfo } from '../../../src-shared/entities/dataset';
import { ApiCallError, errorMessage } from '../api/api-call-error';
import { csvFileProblem, csvHeader, datasetNameFromFile, looksLikeCsv } from '../csv-import';
import type { Catalog } from './catalog.svelte';

interface PendingFile {
  filename: string;
  text: string;
  columns: string[];
  /** Why there is nothing to import (an empty file, a header and no data), or null. */
  problem: string | null;
}

/**
 * Importing a CSV file as a dataset: the file is read in the page, the user names it and picks the label column,
 * then the host parses it strictly (`datasets/import`). The host's errors name a line and column and are shown
 * verbatim; nothing of a file that failed is kept.
 */
export class DatasetImport {
  #catalog: Catalog;
  #file = $state.raw<PendingFile | null>(null);
  #name = $state('');
  #label = $state('');
  #error = $state<string | null>(null);
  #nameError = $state<string | null>(null);
  #importing = $state(false);

  constructor(catalog: Catalog) {
    this.#catalog = catalog;
  }

  get file(): PendingFile | null {
    return this.#file;
  }
  get importing(): boolean {
    return this.#importing;
  }
  /** The host's (or the reader's) message, verbatim. */
  get error(): string | null {
    return this.#error;
  }
  get name(): string {
    return this.#name;
  }
  set name(value: string) {
    this.#name = value;
    this.#nameError = null;
  }
  get label(): string {
    return this.#label;
  }
  set label(value: string) {
    this.#label = value;
  }
  /** Why the name is refused, from the client's check or the host's `fields`. */
  get nameError(): string | null {
    if (this.#nameError) return this.#nameError;
    return this.#file && !DATASET_NAME.test(this.#name) ? 'letters, digits, - and _, starting with a letter, at most 64 characters' : null;
  }

  /** Reads a chosen or dropped file and proposes a name (from the file name) and a label column (the last). */
  async open(file: File): Promise<void> {
    this.#error = null;
    this.#nameError = null;
    if (!looksLikeCsv(file)) {
      this.#file = null;
      this.#error = `${file.name} is not a CSV file: import a .csv file with a header row, numeric features and a label column.`;
      return;
    }
    if (file.size > MAX_IMPORT_BYTES) {
      this.#file = null;
      this.#error = `${file.name} is larger than ${MAX_IMPORT_BYTES / 1024 / 1024} MB.`;
      return;
    }
    let text: string;
    try {
      text = await file.text();
    } catch (error) {
      this.#error = `Could not read ${file.name}: ${errorMessage(error)}`;
      return;
    }
    const columns = csvHeader(text);
    this.#file = { filename: file.name, text, columns, problem: csvFileProblem(text) };
    this.#name = datasetNameFromFile(file.name);
    this.#label = columns[columns.length - 1] ?? '';
  }

  cancel(): void {
    this.#file = null;
    this.#error = null;
    this.#nameError = null;
  }

  /** Sends the file to the host. Resolves with the new dataset, or null when it was refused (the error is shown). */
  async submit(): Promise<DatasetInfo | null> {
    const file = this.#file;
    if (!file || file.problem || this.#importing || this.nameError) return null;
    this.#importing = true;
    this.#error = null;
    try {
      const info = await this.#catalog.importDataset({
        name: this.#name,
        csv: file.text,
        filename: file.filename,
        ...(this.#label !== '' ? { label: this.#label } : {}),
      });
      this.#file = null;
      return info;
    } catch (error) {
      this.#error = errorMessage(error);
      const nameField = error instanceof ApiCallError ? error.fields.find((f) => f.field === 'name') : undefined;
      if (nameField) this.#nameError = nameField.message;
      return null;
    } finally {
      this.#importing = false;
    }
  }
}
