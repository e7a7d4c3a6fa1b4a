/** Screen pixels per image pixel so that an image is about `target` pixels wide (at least 1): 8×8 digits and 28×28 images alike. */
export function pixelScale(width: number, target: number): number {
  return Math.max(1, Math.round(target / Math.max(1, width)));
}
