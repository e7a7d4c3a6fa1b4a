/**
 * Screen pixels per image pixel so that an image is at least about `target` pixels wide (whole pixels, at least 1):
 * 8×8 digits at 8 for 64, 28×28 images at 3.
 */
export function pixelScale(width: number, target: number): number {
  return Math.max(1, Math.ceil(target / Math.max(1, width)));
}
