/**
 * Runboard's experiment numbers in MLflow's terms, for the tracking API and for the links MLflow's client prints
 * (`View experiment at .../#/experiments/0`): Runboard's experiment 1 (`default`) is MLflow's default experiment
 * "0"; any other experiment keeps its number.
 */

export const DEFAULT_EXPERIMENT_ID = '0';

export function experimentIdOf(id: number): string {
  return id === 1 ? DEFAULT_EXPERIMENT_ID : String(id);
}

/** Runboard's experiment number for MLflow's id; null for an id that cannot name one. */
export function experimentNumber(mlflowId: string): number | null {
  if (!/^\d{1,15}$/.test(mlflowId)) return null;
  const id = Number(mlflowId);
  if (id === 0) return 1;
  return id === 1 ? null : id;
}
