/** A file that cannot be imported: its path, and where in it (a line or record number) when known. */
export class ImportFileError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${path}: ${reason}`);
    this.name = 'ImportFileError';
  }
}
