/**
 * The anchor of training_overhead_ratio: bare TensorFlow.js `model.fit` on the same backend, model and data as a
 * Runboard run, in its own process like a Runboard worker. Prints one JSON line: training samples per second.
 */
import { DatasetCatalogue, loadTable } from '../src-main/datasets';
import { loadBackend } from '../src-main/training/worker/backends';
import { gatherLabels, preprocessRows, stratifiedSplit } from '../src-main/training/data';
import { Prng } from '../src-shared/prng';
import { seedMathRandom } from '../src-main/training/worker/run-training';

const [dataset = 'digits', epochsText = '5', batchText = '32', hiddenText = '256,256', dropoutText = '0.2', backend = 'wasm'] = process.argv.slice(2);
const epochs = Number(epochsText);
const batchSize = Number(batchText);
const hidden = hiddenText.split(',').map(Number);
const dropout = Number(dropoutText);

seedMathRandom(1);
const { tf } = await loadBackend(backend as 'wasm');
const source = new DatasetCatalogue().source(dataset);
const table = loadTable(source);
const split = stratifiedSplit(table.labels, table.classes.length, 0.2, new Prng(1));
const width = table.featureNames.length;
const classes = table.classes.length;
const xTrain = tf.tensor2d(preprocessRows(table.features, width, split.train, source.preprocessing, split.train), [split.train.length, width]);
const yTrain = tf.oneHot(tf.tensor1d(gatherLabels(table.labels, split.train), 'int32'), classes).toFloat();
const xVal = tf.tensor2d(preprocessRows(table.features, width, split.val, source.preprocessing, split.train), [split.val.length, width]);
const yVal = tf.oneHot(tf.tensor1d(gatherLabels(table.labels, split.val), 'int32'), classes).toFloat();

const model = tf.sequential();
hidden.forEach((units, i) => {
  model.add(tf.layers.dense({ units, activation: 'relu', ...(i === 0 ? { inputShape: [width] } : {}) }));
  if (dropout > 0) model.add(tf.layers.dropout({ rate: dropout }));
});
model.add(tf.layers.dense({ units: classes, activation: 'softmax' }));
model.compile({ optimizer: tf.train.momentum(0.01, 0.9), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });

const started = performance.now();
await model.fit(xTrain, yTrain, { epochs, batchSize, shuffle: true, validationData: [xVal, yVal], verbose: 0 });
const seconds = (performance.now() - started) / 1000;
process.stdout.write(JSON.stringify({ samples_per_s: (split.train.length * epochs) / seconds, seconds }) + '\n');
