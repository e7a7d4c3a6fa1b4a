import { describe, expect, it } from 'vitest';
import { menuFocusIndex } from '../../src-renderer/lib/menu-keys';

describe('keyboard focus in a menu', () => {
  it('steps with the arrows and wraps around, jumps with Home and End, and ignores other keys', () => {
    expect(menuFocusIndex('ArrowDown', 0, 4)).toBe(1);
    expect(menuFocusIndex('ArrowDown', 3, 4)).toBe(0);
    expect(menuFocusIndex('ArrowUp', 0, 4)).toBe(3);
    expect(menuFocusIndex('ArrowUp', -1, 4)).toBe(3);
    expect(menuFocusIndex('ArrowDown', -1, 4)).toBe(0);
    expect(menuFocusIndex('Home', 2, 4)).toBe(0);
    expect(menuFocusIndex('End', 0, 4)).toBe(3);
    expect(menuFocusIndex('a', 0, 4)).toBeNull();
    expect(menuFocusIndex('ArrowDown', -1, 0)).toBeNull();
  });
});
