import protobuf from 'protobufjs';

/**
 * The parts of TensorFlow's and TensorBoard's protos an event file's scalars and hparams are read from
 * (`tensorflow/core/util/event.proto`, `summary.proto`, `tensor.proto`, `tensorboard/plugins/hparams/plugin_data.proto`,
 * `google/protobuf/struct.proto`), with their field numbers. Fields not listed are skipped by the decoder.
 */
const descriptor: protobuf.INamespace = {
  nested: {
    Event: {
      fields: { wall_time: { type: 'double', id: 1 }, step: { type: 'int64', id: 2 }, file_version: { type: 'string', id: 3 }, summary: { type: 'Summary', id: 5 } },
    },
    Summary: {
      fields: { value: { rule: 'repeated', type: 'SummaryValue', id: 1 } },
    },
    // The value is a oneof, as in summary.proto: a simple_value of 0 is present, not a default to leave out.
    SummaryValue: {
      oneofs: { value: { oneof: ['simple_value', 'tensor'] } },
      fields: {
        tag: { type: 'string', id: 1 },
        simple_value: { type: 'float', id: 2 },
        tensor: { type: 'TensorProto', id: 8 },
        metadata: { type: 'SummaryMetadata', id: 9 },
      },
    },
    SummaryMetadata: { fields: { plugin_data: { type: 'PluginData', id: 1 } } },
    PluginData: { fields: { plugin_name: { type: 'string', id: 1 }, content: { type: 'bytes', id: 2 } } },
    TensorProto: {
      fields: {
        dtype: { type: 'int32', id: 1 },
        tensor_shape: { type: 'TensorShapeProto', id: 2 },
        tensor_content: { type: 'bytes', id: 4 },
        float_val: { rule: 'repeated', type: 'float', id: 5, options: { packed: true } },
        double_val: { rule: 'repeated', type: 'double', id: 6, options: { packed: true } },
      },
    },
    TensorShapeProto: { fields: { dim: { rule: 'repeated', type: 'Dim', id: 2 } } },
    Dim: { fields: { size: { type: 'int64', id: 1 } } },
    HParamsPluginData: {
      fields: { version: { type: 'int32', id: 1 }, session_start_info: { type: 'SessionStartInfo', id: 3 }, session_end_info: { type: 'SessionEndInfo', id: 4 } },
    },
    SessionStartInfo: {
      fields: { hparams: { keyType: 'string', type: 'Value', id: 1 } as protobuf.IMapField, start_time_secs: { type: 'double', id: 5 } },
    },
    SessionEndInfo: { fields: { status: { type: 'int32', id: 1 }, end_time_secs: { type: 'double', id: 2 } } },
    Value: {
      oneofs: { kind: { oneof: ['null_value', 'number_value', 'string_value', 'bool_value', 'struct_value', 'list_value'] } },
      fields: {
        null_value: { type: 'int32', id: 1 },
        number_value: { type: 'double', id: 2 },
        string_value: { type: 'string', id: 3 },
        bool_value: { type: 'bool', id: 4 },
        struct_value: { type: 'bytes', id: 5 },
        list_value: { type: 'bytes', id: 6 },
      },
    },
  },
};
const root = protobuf.Root.fromJSON(descriptor);

export interface TensorProto {
  dtype?: number;
  tensor_shape?: { dim?: { size?: number }[] };
  tensor_content?: Uint8Array;
  float_val?: number[];
  double_val?: number[];
}

export interface SummaryValue {
  tag?: string;
  simple_value?: number;
  tensor?: TensorProto;
  metadata?: { plugin_data?: { plugin_name?: string; content?: Uint8Array } };
}

export interface TfEvent {
  wall_time?: number;
  step?: number;
  file_version?: string;
  summary?: { value?: SummaryValue[] };
}

export interface HParamsPluginData {
  session_start_info?: { hparams?: Record<string, { null_value?: number; number_value?: number; string_value?: string; bool_value?: boolean }>; start_time_secs?: number };
  session_end_info?: { status?: number; end_time_secs?: number };
}

const Event = root.lookupType('Event');
const HParams = root.lookupType('HParamsPluginData');
const asObject = { longs: Number, bytes: Uint8Array, defaults: false, oneofs: true } as const;

/** @throws Error when the bytes are not an Event. */
export function decodeEvent(bytes: Uint8Array): TfEvent {
  return Event.toObject(Event.decode(bytes), asObject) as TfEvent;
}

export function decodeHParams(bytes: Uint8Array): HParamsPluginData {
  return HParams.toObject(HParams.decode(bytes), asObject) as HParamsPluginData;
}

/** TensorFlow's DataType numbers for the scalars TensorBoard shows. */
export const DT_FLOAT = 1;
export const DT_DOUBLE = 2;
