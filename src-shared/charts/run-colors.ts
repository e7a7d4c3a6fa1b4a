/** The colour of each run on a chart, the same in the app and in an HTML report. */

/** Ten colours that stay apart on white (Tableau 10), for one line per run. */
export const RUN_PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'] as const;

export function paletteColor(index: number): string {
  return RUN_PALETTE[index % RUN_PALETTE.length] as string;
}

/**
 * A colour per compared run: the ten-colour palette up to ten runs, and beyond that hues spread by the golden angle,
 * so that fifty runs get fifty different colours.
 */
export function runColor(index: number, count: number): string {
  if (count <= RUN_PALETTE.length) return paletteColor(index);
  const hue = (index * 137.508 + 210) % 360;
  const lightness = 0.38 + (index % 3) * 0.08;
  return hslToHex(hue, 0.65, lightness);
}

/** An HSL colour (hue in degrees, saturation and lightness in [0, 1]) as `#rrggbb`, which every SVG reader knows. */
function hslToHex(hue: number, saturation: number, lightness: number): string {
  const a = saturation * Math.min(lightness, 1 - lightness);
  const channel = (n: number): string => {
    const k = (n + hue / 30) % 12;
    const value = lightness - a * Math.max(-1, Math.min(k - 3, 9 - k, 1));
    return Math.round(value * 255)
      .toString(16)
      .padStart(2, '0');
  };
  return `#${channel(0)}${channel(8)}${channel(4)}`;
}

