import { describe, expect, it } from 'vitest';
import type { ConvFilters } from '../../src-shared/entities/model-summary';
import { divergingColour, filterSet } from '../../src-renderer/lib/conv-filters';

/** A kernel of [2, 2, channels, filters] whose value is `value(y, x, c, f)`, in TensorFlow.js's order. */
function kernel(channels: number, count: number, value: (y: number, x: number, c: number, f: number) => number): number[] {
  const out: number[] = [];
  for (let y = 0; y < 2; y++) for (let x = 0; x < 2; x++) for (let c = 0; c < channels; c++) for (let f = 0; f < count; f++) out.push(value(y, x, c, f));
  return out;
}

describe('the first convolution drawn as small images', () => {
  it('reads each filter from [kh, kw, in, filters], its first input channel, on one scale shared by initial and final weights', () => {
    const initial = kernel(2, 3, (y, x, c, f) => (c === 0 ? (f === 1 && y === 0 && x === 1 ? 0.5 : 0) : 9));
    const final = kernel(2, 3, (y, x, c, f) => (c === 0 && f === 2 && y === 1 && x === 0 ? -1 : 0));
    const filters: ConvFilters = { layer: 'conv2d(3,2)', shape: [2, 2, 2, 3], initial, final };
    const set = filterSet(filters);
    expect(set).toMatchObject({ height: 2, width: 2, rgb: false });
    expect(set.initial).toHaveLength(3);
    // The second channel (9 everywhere) is not drawn, but it is the largest weight, so it sets the scale.
    expect(set.limit).toBe(9);
    expect(set.initial[1]?.cells[1]).toEqual(divergingColour(0.5 / 9));
    expect(set.initial[0]?.cells).toEqual(new Array(4).fill([255, 255, 255]));
    expect(set.final?.[2]?.cells[2]).toEqual(divergingColour(-1 / 9));
  });

  it('three input channels are drawn as colour; a run still training has no final filters', () => {
    const initial = kernel(3, 1, (_y, _x, c) => [1, 0, -1][c] as number);
    const set = filterSet({ layer: 'conv2d(1,2)', shape: [2, 2, 3, 1], initial, final: null });
    expect(set.rgb).toBe(true);
    expect(set.initial[0]?.cells[0]).toEqual([255, 128, 0]);
    expect(set.final).toBeNull();
  });

  it('the scale runs from blue (negative) through white (zero) to red (positive)', () => {
    expect(divergingColour(0)).toEqual([255, 255, 255]);
    expect(divergingColour(-1)).toEqual([33, 102, 172]);
    expect(divergingColour(1)).toEqual([178, 24, 43]);
    expect(divergingColour(5)).toEqual(divergingColour(1));
  });
});
