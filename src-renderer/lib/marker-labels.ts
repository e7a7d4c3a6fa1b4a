/**
 * Where the labels of a chart's vertical markers go: in rows above the plot area, so that they never cover a curve.
 * A label starts just right of its line, or ends just left of it when it would run past the plot's right edge; labels
 * that would overlap go to the next row up.
 */

/** One label to place: its line's x and its text's width, in canvas pixels. */
export interface LabelToPlace {
  x: number;
  width: number;
}

/** A placed label: where its text starts, and its row (0 is the row nearest to the plot). */
export interface PlacedLabel {
  left: number;
  row: number;
}

/** Pixels between a marker's line and its label, and between two labels of a row. */
const GAP = 5;

export function placeLabels(labels: readonly LabelToPlace[], plotRight: number): PlacedLabel[] {
  const rows: { left: number; right: number }[][] = [];
  return labels.map((label) => {
    const left = label.x + GAP + label.width > plotRight ? label.x - GAP - label.width : label.x + GAP;
    const right = left + label.width;
    let row = rows.findIndex((taken) => taken.every((other) => right + GAP <= other.left || left >= other.right + GAP));
    if (row < 0) {
      rows.push([]);
      row = rows.length - 1;
    }
    rows[row]?.push({ left, right });
    return { left, row };
  });
}

/** How many rows the placed labels take. */
export function rowsTaken(placed: readonly PlacedLabel[]): number {
  return placed.reduce((rows, label) => Math.max(rows, label.row + 1), 0);
}
