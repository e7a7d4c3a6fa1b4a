/** How a fine-tuned run's frozen layers are named, the same in the app and the CLI. */
import type { RunSummary } from '../entities/run';
import { formatLayer, hasWeights, parseLayers } from './layers';

/**
 * The frozen layers, by their weight index: `hidden 0, hidden 1` / `hidden 0, output` for an MLP with `hiddenLayers`
 * hidden layers; `0 conv2d(32,3), 1 conv2d(64,3)` for another model, named by `weightLayers` (see `weightLayerNames`).
 */
export function frozenLayersText(layers: readonly number[], hiddenLayers: number | null, weightLayers: readonly string[] | null = null): string {
  if (hiddenLayers === null && weightLayers) return layers.map((layer) => `${layer} ${weightLayers[layer] ?? 'layer'}`).join(', ');
  return layers.map((layer) => (hiddenLayers !== null && layer === hiddenLayers ? 'output' : `hidden ${layer}`)).join(', ');
}

/**
 * The layers with weights of a run's model, by weight index (what `--freeze` names), the output layer last as
 * `output`; from its recorded layer list. Null for a run that recorded none.
 */
export function weightLayerNames(run: Pick<RunSummary, 'params'>): string[] | null {
  const layers = run.params['layers'];
  if (typeof layers !== 'string') return null;
  const parsed = parseLayers(layers);
  if (!parsed.ok) return null;
  return [...parsed.value.filter((p) => hasWeights(p.layer)).map((p) => formatLayer(p.layer)), 'output'];
}

/** Number of hidden layers from the logged `hidden` param (`"32,16"` -> 2, `""` -> 0). */
export function hiddenLayerCount(run: Pick<RunSummary, 'params'>): number | null {
  const hidden = run.params['hidden'];
  if (hidden === undefined || hidden === null) return null;
  const text = String(hidden).trim();
  return text === '' ? 0 : text.split(',').length;
}
