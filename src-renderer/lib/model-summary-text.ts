/** How a model's numbers read: `120,586` weights, `32×14×14` shapes (channels×height×width, as PyTorch writes them). */

export function formatCount(value: number): string {
  return value.toLocaleString('en-US');
}

export function formatDims(dims: readonly number[]): string {
  return dims.join('×');
}
