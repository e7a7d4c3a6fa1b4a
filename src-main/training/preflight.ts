import { AppError } from '../../src-shared/api/errors';
import type { TrainConfig } from '../../src-shared/entities/train-config';
import type { DatasetCatalogue } from '../datasets/catalogue';
import { NATIVE_PACKAGES, isPackageInstalled, notInstalledReason } from './backend-diagnosis';
import { checkSplit } from './data';

/**
 * Everything about a configuration that the schema alone cannot check: the dataset exists, the split leaves
 * data on both sides, a named native backend is installed. Runs before anything is opened or written.
 * @throws AppError(BAD_INPUT | BACKEND_UNAVAILABLE) with the field named.
 */
export function checkTrainable(config: TrainConfig, datasets: DatasetCatalogue): void {
  const info = datasets.info(config.dataset);
  checkSplit(datasets.labels(config.dataset), info.classes.length, config.val_split);
  if (config.backend === 'tensorflow' || config.backend === 'tensorflow-cuda') {
    if (!isPackageInstalled(NATIVE_PACKAGES[config.backend])) {
      const message = `backend ${config.backend} is not available: ${notInstalledReason(config.backend)}`;
      throw new AppError('BACKEND_UNAVAILABLE', message, [{ field: 'backend', message }]);
    }
  }
}
