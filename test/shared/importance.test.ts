import { describe, expect, it } from 'vitest';
import { Prng } from '../../src-shared/prng';
import { hyperparameterImportance } from '../../src-shared/search/importance';

describe('hyperparameter importance', () => {
  it('ranks the parameter the objective depends on first, and finds its correlation', () => {
    const rng = new Prng(1);
    const trials = Array.from({ length: 40 }, () => {
      const lr = 10 ** -(1 + 3 * rng.next());
      const momentum = 0.85 + 0.14 * rng.next();
      const optimizer = rng.next() < 0.5 ? 'sgd' : 'adam';
      return { params: { lr, momentum, optimizer }, value: 0.5 + 0.1 * Math.log10(lr) * -1 + 0.01 * rng.next() };
    });
    const result = hyperparameterImportance(trials, ['lr', 'momentum', 'optimizer'], new Set(['lr']));
    expect(result.params[0]?.name).toBe('lr');
    expect(result.params[0]?.importance).toBeGreaterThan(0.7);
    expect(result.params.reduce((s, p) => s + p.importance, 0)).toBeCloseTo(1);
    expect(result.params.find((p) => p.name === 'lr')?.correlation).toBeLessThan(-0.9);
    expect(result.method).toMatch(/Breiman 2001/);
  });

  it('is the same for the same trials, and empty-handed with too few', () => {
    const trials = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6].map((v, i) => ({ params: { a: i, b: i % 2 }, value: v }));
    expect(hyperparameterImportance(trials, ['a', 'b'])).toEqual(hyperparameterImportance(trials, ['a', 'b']));
    expect(hyperparameterImportance(trials.slice(0, 2), ['a', 'b']).params.every((p) => p.importance === 0)).toBe(true);
    expect(hyperparameterImportance([{ params: { a: 1 }, value: NaN }], ['a']).trials).toBe(0);
  });
});
