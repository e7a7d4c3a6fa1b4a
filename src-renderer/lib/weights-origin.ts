import type { RunSummary } from '../../src-shared/entities/run';
import { formatParam } from './format';
import { frozenLayersText, hiddenLayerCount, weightLayerNames } from './outcome';

/**
 * Where a run's weights started, for the run page: drawn by an initialiser, or a fine-tuned run's parent's final
 * weights (with the layers that stayed frozen, and the initialiser of an output layer that was replaced).
 */
export type WeightsOrigin =
  | { kind: 'initialized'; init: string }
  | {
      kind: 'parent';
      parentRunId: number;
      /** `hidden 0, hidden 1`, `0 conv2d(32,3)`, `none`, or null while not known (before the model is built). */
      frozen: string | null;
      /** The initialiser of a replaced output layer (a dataset with other classes), else null. */
      replacedOutputInit: string | null;
    };

/**
 * @param frozenLayers The frozen dense layers as the weight histograms report them (written when the model is
 *   built), or null when they have not arrived; the run's outcome is used then.
 */
export function weightsOrigin(run: Pick<RunSummary, 'parent_run_id' | 'params' | 'outcome'>, frozenLayers: readonly number[] | null): WeightsOrigin | null {
  if (run.parent_run_id === null) {
    const init = run.params['init'];
    return init === undefined ? null : { kind: 'initialized', init: formatParam(init) };
  }
  // The histograms are written when the model is built; an outcome made up for a crashed worker lists no layer.
  const layers = frozenLayers ?? run.outcome?.frozen_layers ?? null;
  const frozen = layers === null ? null : layers.length === 0 ? 'none' : frozenLayersText(layers, hiddenLayerCount(run), weightLayerNames(run));
  const replaced = run.outcome?.output_layer_replaced === true;
  const init = run.params['init'];
  return { kind: 'parent', parentRunId: run.parent_run_id, frozen, replacedOutputInit: replaced && init !== undefined ? formatParam(init) : null };
}
