import { describe, expect, it } from 'vitest';
import { epochRange, type ChartSeries } from '../../src-renderer/lib/chart-series';
import { placeLabels, rowsTaken } from '../../src-renderer/lib/marker-labels';

const line = (xs: number[]): ChartSeries => ({ label: 'l', color: '#000', points: xs.map((x) => ({ x, y: 1 })) });

describe('run chart axes and marker labels', () => {
  it('spans the x axis over exactly the epochs drawn, not widened to round ticks', () => {
    expect(epochRange([line([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])])).toEqual({ min: 1, max: 10 });
    expect(epochRange([line(Array.from({ length: 30 }, (_, i) => i + 1)), line([30])])).toEqual({ min: 1, max: 30 });
    expect(epochRange([line([1])]), 'one epoch: chart.js picks the range').toEqual({});
  });

  it('puts marker labels side by side when they fit, one row up when they would overlap, and left of a line near the right edge', () => {
    const placed = placeLabels(
      [
        { x: 100, width: 120 },
        { x: 400, width: 120 },
        { x: 150, width: 120 },
        { x: 590, width: 120 },
      ],
      600,
    );
    expect(placed.map((p) => p.row)).toEqual([0, 0, 1, 1]);
    expect(placed[0]?.left).toBe(105);
    expect(placed[3]?.left).toBe(590 - 5 - 120);
    expect(rowsTaken(placed)).toBe(2);
    expect(rowsTaken([])).toBe(0);
  });
});
