import { mlpLayers, parseLayers } from '../../src-shared/model/layers';
import { frozenWeightLayers } from '../../src-shared/model/resolve';
import { planModel } from '../../src-shared/model/shapes';
import { describe, expect, it } from 'vitest';
import {
  learningRateAt,
  parseAugment,
  formatAugment,
  parseEarlyStopping,
  parseFreeze,
  parseInit,
  parseLrSchedule,
  parseSyntheticDataset,
} from '../../src-shared/entities/specs';
import { trainConfigSchema, flattenParams } from '../../src-shared/entities/train-config';

const value = <T>(parsed: { ok: true; value: T } | { ok: false; message: string }) => {
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.value;
};
const message = (parsed: { ok: boolean; message?: string }) => (parsed.ok ? null : parsed.message);

describe('initialiser specs', () => {
  it('read every initialiser, with nn.init.uniform_ defaults for uniform', () => {
    expect(value(parseInit('uniform'))).toEqual({ name: 'uniform', low: 0, high: 1 });
    expect(value(parseInit('uniform:-0.1,0.1'))).toEqual({ name: 'uniform', low: -0.1, high: 0.1 });
    expect(value(parseInit('normal:0,0.02'))).toEqual({ name: 'normal', mean: 0, std: 0.02 });
    expect(value(parseInit('constant:0.1'))).toEqual({ name: 'constant', value: 0.1 });
    for (const name of ['glorot-uniform', 'glorot-normal', 'he-uniform', 'he-normal', 'zeros']) expect(value(parseInit(name))).toEqual({ name });
  });

  it('refuse unknown names and malformed ranges, saying why', () => {
    expect(message(parseInit('xavier'))).toMatch(/unknown initialiser "xavier"/);
    expect(message(parseInit('uniform:1,0'))).toMatch(/empty range/);
    expect(message(parseInit('uniform:1'))).toMatch(/takes a range/);
    expect(message(parseInit('normal:0,-1'))).toMatch(/standard deviation above 0/);
    expect(message(parseInit('he-normal:2'))).toMatch(/takes no arguments/);
    expect(message(parseInit('uniform:a,b'))).toMatch(/not a list of numbers/);
  });
});

describe('learning-rate schedules', () => {
  it('step multiplies by gamma every N epochs; cosine anneals from the base rate towards 0', () => {
    const step = value(parseLrSchedule('step:10,0.5'));
    expect([1, 10, 11, 21].map((e) => learningRateAt(step, 0.1, e, 30))).toEqual([0.1, 0.1, 0.05, 0.025]);
    const cosine = value(parseLrSchedule('cosine'));
    expect(learningRateAt(cosine, 0.1, 1, 10)).toBeCloseTo(0.1);
    expect(learningRateAt(cosine, 0.1, 6, 10)).toBeCloseTo(0.05);
    expect(learningRateAt(cosine, 0.1, 10, 10)).toBeLessThan(0.003);
    expect(learningRateAt(value(parseLrSchedule('constant')), 0.1, 7, 10)).toBe(0.1);
  });

  it('refuse a malformed schedule', () => {
    expect(message(parseLrSchedule('step:0,0.5'))).toMatch(/EVERY/);
    expect(message(parseLrSchedule('step:5,2'))).toMatch(/GAMMA/);
    expect(message(parseLrSchedule('exponential'))).toMatch(/unknown schedule/);
  });
});

describe('augmentation, early stopping and freeze specs', () => {
  it('read augmentation options and refuse bad ones', () => {
    expect(value(parseAugment('shift=1,rotate=10,noise=0.05'))).toEqual({ shift: 1, rotate: 10, scale: 0, flip: 'none', crop: 0, noise: 0.05 });
    expect(value(parseAugment('rotate=15,shift=2,scale=0.1,flip=h,crop=4,noise=0.05'))).toEqual({ shift: 2, rotate: 15, scale: 0.1, flip: 'h', crop: 4, noise: 0.05 });
    expect(value(parseAugment('none'))).toEqual({ shift: 0, rotate: 0, scale: 0, flip: 'none', crop: 0, noise: 0 });
    expect(formatAugment(value(parseAugment('noise=0.05, flip=hv, rotate=15')))).toBe('rotate=15,flip=hv,noise=0.05');
    expect(message(parseAugment('flip=1'))).toBe('flip must be h (left-right), v (upside down) or hv, not 1');
    expect(message(parseAugment('blur=1'))).toBe('unknown augmentation "blur"; one of rotate, shift, scale, flip, crop, noise');
    expect(message(parseAugment('shift=17'))).toMatch(/0 to 16/);
    expect(message(parseAugment('scale=0.6'))).toMatch(/0 to 0.5/);
    expect(message(parseAugment('rotate=190'))).toMatch(/0 to 180/);
    expect(message(parseAugment('noise'))).toMatch(/KEY=VALUE/);
  });

  it('read early stopping as patience and minimum improvement', () => {
    expect(value(parseEarlyStopping('5'))).toEqual({ patience: 5, minDelta: 0 });
    expect(value(parseEarlyStopping('3:0.001'))).toEqual({ patience: 3, minDelta: 0.001 });
    expect(value(parseEarlyStopping('off'))).toBeNull();
    expect(message(parseEarlyStopping('0'))).toMatch(/patience/);
    expect(message(parseEarlyStopping('2:-1'))).toMatch(/min delta/);
  });

  it('resolve frozen layers against the model, refusing missing layers and a model with nothing left to train', () => {
    const mlp = value(planModel(mlpLayers([8, 8], 'relu', [0, 0]), { kind: 'flat', size: 4 }, 3));
    expect(value(frozenWeightLayers(value(parseFreeze('all-but-last')), mlp))).toEqual([0, 1]);
    expect(value(frozenWeightLayers(value(parseFreeze('1,0,1')), mlp))).toEqual([0, 1]);
    expect(message(frozenWeightLayers(value(parseFreeze('3')), mlp))).toBe('layer 3 does not exist: the layers with weights are 0 linear(8), 1 linear(8), 2 linear(3) (output)');
    expect(message(frozenWeightLayers(value(parseFreeze('0,1,2')), mlp))).toMatch(/nothing would be left to train/);
    expect(message(frozenWeightLayers(value(parseFreeze('conv')), mlp))).toBe('freeze conv: the model has no convolutional layer');
    expect(message(parseFreeze('first'))).toMatch(/not a list of layer indices/);
    // conv: every layer with weights before the first linear layer, batch normalisations among them.
    const cnn = value(planModel(value(parseLayers('conv2d(4,3),batchnorm,relu,conv2d(4,3),flatten,linear(8)')).map((p) => p.layer), { kind: 'image', channels: 1, height: 8, width: 8 }, 3));
    expect(value(frozenWeightLayers(value(parseFreeze('conv')), cnn))).toEqual([0, 1, 2]);
  });

  it('read synthetic dataset specs', () => {
    expect(parseSyntheticDataset('digits')).toBeNull();
    expect(value(parseSyntheticDataset('moons:n=800,noise=0.1') as never)).toMatchObject({ name: 'moons', n: 800, noise: 0.1, classes: 2 });
    expect(message(parseSyntheticDataset('moons:classes=3') as never)).toMatch(/2 classes/);
    expect(message(parseSyntheticDataset('blobs:size=3') as never)).toMatch(/unknown option "size"/);
  });
});

describe('training configuration', () => {
  const refusal = (input: Record<string, unknown>) => {
    const result = trainConfigSchema.safeParse({ dataset: 'digits', ...input });
    return result.success ? null : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
  };

  it('names the field of every bad toolkit option', () => {
    expect(refusal({ dropout: 1 })).toMatch(/^dropout/);
    expect(refusal({ dropout: [0.5] })).toMatch(/dropout lists 1 rate\(s\) for 2 hidden layer\(s\)/);
    expect(refusal({ init: 'uniform:1,0' })).toMatch(/^init: uniform:1,0 is an empty range/);
    expect(refusal({ weight_decay: -0.1 })).toMatch(/^weight_decay/);
    expect(refusal({ nesterov: true, optimizer: 'adam' })).toMatch(/^nesterov/);
    expect(refusal({ val_split: 0.5, test_split: 0.5 })).toMatch(/^test_split: .*leave no training data/);
    expect(refusal({ overfit_batch: 0 })).toMatch(/^overfit_batch/);
    expect(refusal({ freeze: 'top' })).toMatch(/^freeze/);
  });

  it('logs every hyperparameter as a typed param, lists as text', () => {
    const config = { ...trainConfigSchema.parse({ dataset: 'digits', dropout: [0.5, 0.2], weight_decay: 0.0005, nesterov: true }), seed: 1 };
    const params = flattenParams(config);
    expect(params).toMatchObject({ dropout: '0.5,0.2', weight_decay: 0.0005, nesterov: true, init: 'glorot-uniform', lr_schedule: 'constant', test_split: 0, augment: 'none' });
    expect('overfit_batch' in params).toBe(false);
  });
});
