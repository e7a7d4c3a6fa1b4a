import { crc32c } from '@aws-crypto/crc32c';
import { ImportFileError } from './import-error';

/** TFRecord's masked CRC-32C: the checksum rotated right by 15 bits plus a constant, so a CRC of CRCs is not trivial. */
export function maskedCrc32c(data: Uint8Array): number {
  const crc = crc32c(data) >>> 0;
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0;
}

/**
 * The records of a TFRecord file (TensorBoard's event files): each a little-endian u64 length, the masked CRC-32C of
 * those 8 bytes, the data, and the masked CRC-32C of the data. Both checksums are checked.
 * @throws ImportFileError naming the file and the record (counted from 1) that is truncated or corrupt.
 */
export function* tfRecords(bytes: Uint8Array, path: string): Generator<Uint8Array> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 0;
  let record = 0;
  while (offset < bytes.length) {
    record++;
    if (offset + 12 > bytes.length) throw new ImportFileError(path, `record ${record} is truncated (its header has ${bytes.length - offset} of 12 bytes)`);
    const lengthBytes = bytes.subarray(offset, offset + 8);
    if (view.getUint32(offset + 8, true) !== maskedCrc32c(lengthBytes)) throw new ImportFileError(path, `record ${record} has a bad CRC-32C on its length: the file is corrupt`);
    const length = view.getBigUint64(offset, true);
    const start = offset + 12;
    if (BigInt(start) + length + 4n > BigInt(bytes.length)) throw new ImportFileError(path, `record ${record} is truncated (it announces ${length} bytes; the file ends before them)`);
    const end = start + Number(length);
    const data = bytes.subarray(start, end);
    if (view.getUint32(end, true) !== maskedCrc32c(data)) throw new ImportFileError(path, `record ${record} has a bad CRC-32C on its data: the file is corrupt`);
    yield data;
    offset = end + 4;
  }
}
