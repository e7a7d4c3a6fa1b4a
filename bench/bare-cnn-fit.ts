/**
 * The anchor of cnn_training_overhead_ratio: bare TensorFlow.js `model.fit` of the same model (the `cnn` preset, built
 * by the same code), data (the same view and split, every image already a float tensor in memory: fit's best case),
 * optimiser and backend as a Runboard run, in its own process like a Runboard worker.
 * Usage: bare-cnn-fit DATA_DIR DATASET EPOCHS BATCH. Prints one JSON line: training samples per second.
 */
import { DatasetCatalogue, loadTable } from '../src-main/datasets';
import { loadBackend } from '../src-main/training/worker/backends';
import { gatherLabels, inputEncoder, splitRows } from '../src-main/training/data';
import { buildModel, inputShapeOf } from '../src-main/training/worker/model';
import { seedMathRandom } from '../src-main/training/worker/run-training';
import { MODEL_PRESETS, parseLayers } from '../src-shared/model/layers';
import { sampleShape } from '../src-shared/model/resolve';
import { planModel } from '../src-shared/model/shapes';
import { Prng } from '../src-shared/prng';

const [dataDir = '', dataset = 'fashion-mnist:n=6000', epochsText = '2', batchText = '64'] = process.argv.slice(2);
const epochs = Number(epochsText);
const batchSize = Number(batchText);

seedMathRandom(1);
const { tf } = await loadBackend('wasm');
const source = new DatasetCatalogue({ userDir: dataDir }).source(dataset);
const table = loadTable(source);
const classes = table.classes.length;
const split = splitRows(table.labels, classes, 0.2, 0, table.testRows, new Prng(1).fork(1));
const image = source.imageShape;
const input = sampleShape(image ? [image.channels, image.height, image.width] : null, table.width);
const encode = inputEncoder(table.features, table.width, source.preprocessing, split.train);
const tensors = (rows: Int32Array) => [
  tf.tensor(encode(rows), [rows.length, ...inputShapeOf(input)]),
  tf.oneHot(tf.tensor1d(gatherLabels(table.labels, rows), 'int32'), classes).toFloat(),
];
const [xTrain, yTrain] = tensors(split.train) as [never, never];
const [xVal, yVal] = tensors(split.val) as [never, never];

const layers = parseLayers(MODEL_PRESETS.cnn);
if (!layers.ok) throw new Error(layers.message);
const plan = planModel(layers.value, input, classes);
if (!plan.ok) throw new Error(plan.message);
const model = buildModel(tf, { input, plan: plan.value, init: { name: 'glorot-uniform' }, biasInit: { name: 'zeros' } });
model.compile({ optimizer: tf.train.adam(0.001), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });

const started = performance.now();
await model.fit(xTrain, yTrain, { epochs, batchSize, shuffle: true, validationData: [xVal, yVal], verbose: 0 });
const seconds = (performance.now() - started) / 1000;
process.stdout.write(JSON.stringify({ samples_per_s: (split.train.length * epochs) / seconds, seconds }) + '\n');
