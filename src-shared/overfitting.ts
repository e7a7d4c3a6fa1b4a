/**
 * Where a run starts to overfit: the epoch after which validation loss keeps rising while training loss keeps
 * falling. Found as the epoch of the lowest validation loss, when after it the validation loss ends clearly higher
 * (by `tolerance`, relative) and the training loss ends lower than it was there. Null when the curves never part.
 * Epochs are counted from 1; the arrays hold one value per epoch (NaN for a missing one).
 */
export function overfittingOnset(trainLoss: readonly number[], valLoss: readonly number[], tolerance = 0.02): number | null {
  const n = Math.min(trainLoss.length, valLoss.length);
  if (n < 3) return null;
  let best = -1;
  for (let i = 0; i < n; i++) {
    const v = valLoss[i] as number;
    if (Number.isFinite(v) && (best < 0 || v < (valLoss[best] as number))) best = i;
  }
  if (best < 0 || best >= n - 1) return null;
  const lastVal = valLoss[n - 1] as number;
  const lastTrain = trainLoss[n - 1] as number;
  const minVal = valLoss[best] as number;
  const trainAtBest = trainLoss[best] as number;
  const risen = Number.isFinite(lastVal) && lastVal > minVal * (1 + tolerance) + 1e-12;
  const stillLearning = Number.isFinite(lastTrain) && Number.isFinite(trainAtBest) && lastTrain < trainAtBest;
  // The rise must last: most epochs after the minimum sit above it.
  const after = valLoss.slice(best + 1, n).filter((v) => Number.isFinite(v));
  const mostlyAbove = after.filter((v) => v > minVal).length >= Math.ceil(after.length * 0.75);
  return risen && stillLearning && mostlyAbove ? best + 1 : null;
}

/** Training minus validation accuracy: how much better the model does on data it has seen. */
export function generalisationGap(trainAccuracy: number | undefined, valAccuracy: number | undefined): number | null {
  if (trainAccuracy === undefined || valAccuracy === undefined || !Number.isFinite(trainAccuracy) || !Number.isFinite(valAccuracy)) return null;
  return trainAccuracy - valAccuracy;
}
