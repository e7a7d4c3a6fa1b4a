/**
 * Which menu item a key moves the focus to (the WAI-ARIA menu pattern): ArrowDown and ArrowUp step and wrap around,
 * Home and End go to the first and the last. `current` is the focused item's index (-1 for none); null for other keys.
 */
export function menuFocusIndex(key: string, current: number, count: number): number | null {
  if (count === 0) return null;
  switch (key) {
    case 'ArrowDown':
      return current < 0 ? 0 : (current + 1) % count;
    case 'ArrowUp':
      return current < 0 ? count - 1 : (current - 1 + count) % count;
    case 'Home':
      return 0;
    case 'End':
      return count - 1;
    default:
      return null;
  }
}
