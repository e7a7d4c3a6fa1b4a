import { crc32c } from '@aws-crypto/crc32c';
import protobuf from 'protobufjs';

/**
 * Writes TensorBoard event files for tests, from TensorFlow's own field numbers (event.proto, summary.proto,
 * tensor.proto, plugin_data.proto), independently of the reader under test.
 */
const root = protobuf.Root.fromJSON({
  nested: {
    Event: { fields: { wall_time: { type: 'double', id: 1 }, step: { type: 'int64', id: 2 }, file_version: { type: 'string', id: 3 }, summary: { type: 'Summary', id: 5 } } },
    Summary: { fields: { value: { rule: 'repeated', type: 'Value', id: 1 } } },
    // As in summary.proto, the value is a oneof: a simple_value of 0 is written, not left out as a default.
    Value: {
      oneofs: { value: { oneof: ['simple_value', 'tensor'] } },
      fields: { tag: { type: 'string', id: 1 }, simple_value: { type: 'float', id: 2 }, tensor: { type: 'Tensor', id: 8 }, metadata: { type: 'Metadata', id: 9 } },
    },
    Metadata: { fields: { plugin_data: { type: 'PluginData', id: 1 } } },
    PluginData: { fields: { plugin_name: { type: 'string', id: 1 }, content: { type: 'bytes', id: 2 } } },
    Tensor: {
      fields: {
        dtype: { type: 'int32', id: 1 },
        tensor_shape: { type: 'Shape', id: 2 },
        tensor_content: { type: 'bytes', id: 4 },
        float_val: { rule: 'repeated', type: 'float', id: 5 },
        double_val: { rule: 'repeated', type: 'double', id: 6 },
      },
    },
    Shape: { fields: {} },
    HParams: { fields: { version: { type: 'int32', id: 1 }, session_start_info: { type: 'Start', id: 3 } } },
    Start: { fields: { hparams: { keyType: 'string', type: 'PValue', id: 1 } as protobuf.IField } },
    PValue: { fields: { number_value: { type: 'double', id: 2 }, string_value: { type: 'string', id: 3 }, bool_value: { type: 'bool', id: 4 } } },
  },
} as protobuf.INamespace);
const Event = root.lookupType('Event');
const HParams = root.lookupType('HParams');

export type TestValue =
  | { tag: string; simple: number }
  | { tag: string; float32: number; plugin?: boolean; raw?: boolean }
  | { tag: string; float64: number; plugin?: boolean; raw?: boolean }
  | { tag: string; hparams: Record<string, number | string | boolean> };

function value(v: TestValue): Record<string, unknown> {
  if ('simple' in v) return { tag: v.tag, simple_value: v.simple };
  if ('hparams' in v) {
    const hparams = Object.fromEntries(
      Object.entries(v.hparams).map(([k, x]) => [k, typeof x === 'number' ? { number_value: x } : typeof x === 'string' ? { string_value: x } : { bool_value: x }]),
    );
    const content = HParams.encode(HParams.create({ version: 0, session_start_info: { hparams } })).finish();
    return { tag: v.tag, metadata: { plugin_data: { plugin_name: 'hparams', content } } };
  }
  const metadata = v.plugin === false ? {} : { metadata: { plugin_data: { plugin_name: 'scalars', content: new Uint8Array() } } };
  if ('float32' in v) {
    const raw = new Uint8Array(4);
    new DataView(raw.buffer).setFloat32(0, v.float32, true);
    return { tag: v.tag, tensor: { dtype: 1, tensor_shape: {}, ...(v.raw ? { tensor_content: raw } : { float_val: [v.float32] }) }, ...metadata };
  }
  const raw = new Uint8Array(8);
  new DataView(raw.buffer).setFloat64(0, v.float64, true);
  return { tag: v.tag, tensor: { dtype: 2, tensor_shape: {}, ...(v.raw ? { tensor_content: raw } : { double_val: [v.float64] }) }, ...metadata };
}

function masked(data: Uint8Array): number {
  const crc = crc32c(data) >>> 0;
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0;
}

/** One TFRecord: length, its masked CRC, data, the data's masked CRC. */
export function record(data: Uint8Array): Buffer {
  const head = Buffer.alloc(12);
  head.writeBigUInt64LE(BigInt(data.length), 0);
  head.writeUInt32LE(masked(head.subarray(0, 8)), 8);
  const tail = Buffer.alloc(4);
  tail.writeUInt32LE(masked(data), 0);
  return Buffer.concat([head, Buffer.from(data), tail]);
}

/** An event file: the file-version event, then one event per entry (wall time in seconds, step, values). */
export function eventFile(events: { wallTime: number; step: number; values: TestValue[] }[]): Buffer {
  const records = [record(Event.encode(Event.create({ wall_time: events[0]?.wallTime ?? 0, file_version: 'brain.Event:2' })).finish())];
  for (const e of events) records.push(record(Event.encode(Event.create({ wall_time: e.wallTime, step: e.step, summary: { value: e.values.map(value) } })).finish()));
  return Buffer.concat(records);
}
