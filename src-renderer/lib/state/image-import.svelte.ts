import type { MethodInput, MethodOutput } from '../../../src-shared/api/contract';
import { DATASET_NAME } from '../../../src-shared/entities/dataset';
import type { ApiClient } from '../api/api-client';
import { ApiCallError, errorMessage } from '../api/api-call-error';
import { datasetNameFromPath, parseImageSize } from '../image-import';
import type { Catalog } from './catalog.svelte';

export type ImageImportResult = MethodOutput<'datasets/import-images'>;
/** The fields of the image import, as `datasets/import-images` names them (its `fields` errors too). */
export type ImageImportField = 'path' | 'name' | 'size' | 'grayscale' | 'classes';
/** `auto`: one grey channel when every image is grey (the host decides). */
export type GreyChoice = 'auto' | 'grey' | 'colour';

/**
 * Importing images from a path on the machine Runboard runs on (`datasets/import-images`): IDX files (MNIST style,
 * their t10k pair kept as the test set) or an image folder (one subfolder per class). The host reads the files, so
 * the path is the host's, not the browser's. Skipped files are listed after an import; refusals are shown by field.
 */
export class ImageImport {
  #client: ApiClient;
  #catalog: Catalog;
  #open = $state(false);
  #path = $state('');
  #name = $state('');
  /** Whether the user typed a name (else it follows the path's last folder). */
  #named = $state(false);
  #size = $state('');
  #grey = $state<GreyChoice>('auto');
  #classes = $state('');
  #importing = $state(false);
  #error = $state<string | null>(null);
  #serverErrors = $state.raw<Partial<Record<ImageImportField, string>>>({});
  #result = $state.raw<ImageImportResult | null>(null);

  constructor(client: ApiClient, catalog: Catalog) {
    this.#client = client;
    this.#catalog = catalog;
  }

  get open(): boolean {
    return this.#open;
  }
  get importing(): boolean {
    return this.#importing;
  }
  /** The host's message about the import as a whole (one about a field shows under that field), verbatim. */
  get error(): string | null {
    return this.#error;
  }
  /** The last import: the new dataset and the files it skipped. */
  get result(): ImageImportResult | null {
    return this.#result;
  }

  get path(): string {
    return this.#path;
  }
  set path(value: string) {
    this.#path = value;
    if (!this.#named) this.#name = datasetNameFromPath(value);
    this.#forget('path');
  }
  get name(): string {
    return this.#name;
  }
  set name(value: string) {
    this.#name = value;
    this.#named = true;
    this.#forget('name');
  }
  get size(): string {
    return this.#size;
  }
  set size(value: string) {
    this.#size = value;
    this.#forget('size');
  }
  get grey(): GreyChoice {
    return this.#grey;
  }
  set grey(value: GreyChoice) {
    this.#grey = value;
    this.#forget('grayscale');
  }
  get classes(): string {
    return this.#classes;
  }
  set classes(value: string) {
    this.#classes = value;
    this.#forget('classes');
  }

  /** Why a field is refused: the client's check, or the host's `fields`. */
  errorFor(field: ImageImportField): string | undefined {
    const server = this.#serverErrors[field];
    if (server) return server;
    if (field === 'name' && this.#name !== '' && !DATASET_NAME.test(this.#name)) return 'letters, digits, - and _, starting with a letter, at most 64 characters';
    if (field === 'size') {
      const size = parseImageSize(this.#size);
      if (!size.ok) return size.message;
    }
    if (field === 'classes' && this.#classList().length === 1) return 'at least two class names, comma-separated';
    return undefined;
  }

  /** Whether the import can be sent: a path and a valid name, nothing refused. */
  get ready(): boolean {
    const fields: ImageImportField[] = ['path', 'name', 'size', 'grayscale', 'classes'];
    return this.#path.trim() !== '' && this.#name !== '' && fields.every((f) => this.errorFor(f) === undefined);
  }

  show(): void {
    this.#open = true;
    this.#result = null;
  }

  close(): void {
    this.#open = false;
    this.#error = null;
    this.#serverErrors = {};
  }

  /** The `datasets/import-images` input: options left out when not chosen, so the host's defaults apply. */
  input(): MethodInput<'datasets/import-images'> {
    const size = parseImageSize(this.#size);
    const classes = this.#classList();
    return {
      name: this.#name,
      path: this.#path.trim(),
      ...(size.ok && size.value ? { size: size.value } : {}),
      ...(this.#grey !== 'auto' ? { grayscale: this.#grey === 'grey' } : {}),
      ...(classes.length > 0 ? { classes } : {}),
    };
  }

  /** Asks the host to import. Resolves with the result, or null when refused (the errors are then shown). */
  async submit(): Promise<ImageImportResult | null> {
    if (this.#importing || !this.ready) return null;
    this.#importing = true;
    this.#error = null;
    this.#serverErrors = {};
    try {
      const result = await this.#client.call('datasets/import-images', this.input());
      await this.#catalog.loadDatasets();
      this.#result = result;
      this.#open = false;
      this.#path = '';
      this.#name = '';
      this.#named = false;
      return result;
    } catch (error) {
      const fields: Partial<Record<ImageImportField, string>> = {};
      if (error instanceof ApiCallError) for (const { field, message } of error.fields) if (isImageImportField(field)) fields[field] = message;
      this.#serverErrors = fields;
      // A refusal that names a field shows under it; anything else (an empty class, an unreadable file) above the buttons.
      this.#error = Object.keys(fields).length > 0 ? null : errorMessage(error);
      return null;
    } finally {
      this.#importing = false;
    }
  }

  /** Forgets the result shown after an import. */
  dismissResult(): void {
    this.#result = null;
  }

  #classList(): string[] {
    return this.#classes
      .split(',')
      .map((name) => name.trim())
      .filter((name) => name !== '');
  }

  #forget(field: ImageImportField): void {
    if (!this.#serverErrors[field]) return;
    const next = { ...this.#serverErrors };
    delete next[field];
    this.#serverErrors = next;
  }
}

function isImageImportField(name: string): name is ImageImportField {
  return ['path', 'name', 'size', 'grayscale', 'classes'].includes(name);
}
