"""The same MLflow client script, timed against any tracking server (MLFLOW_TRACKING_URI, MLFLOW_TRACKING_TOKEN).

    mlflow_client.py log_metric EXPERIMENT   20 runs x 50 steps x 6 metrics, 10 params each; one log_metric per point
    mlflow_client.py log_batch EXPERIMENT    the same, with log_metrics (one log-batch call) per step
    mlflow_client.py seed EXPERIMENT N       N finished runs with 10 params and 6 metrics each (for search)
    mlflow_client.py search EXPERIMENT       search_runs over the experiment's runs, every page of 100

Prints one JSON line: the seconds the timed part took and what it did.
"""

import json
import sys
import time

import mlflow
from mlflow.entities import Metric, Param, RunStatus
from mlflow.tracking import MlflowClient

RUNS, STEPS, KEYS = 20, 50, ["train_loss", "train_accuracy", "val_loss", "val_accuracy", "lr", "grad_norm"]
PARAMS = {f"p{i}": str(0.001 * (i + 1)) for i in range(10)}


def experiment_id(name):
    return mlflow.set_experiment(name).experiment_id


def logging(name, batch):
    exp = experiment_id(name)
    started = time.perf_counter()
    for r in range(RUNS):
        with mlflow.start_run(experiment_id=exp, run_name=f"run-{r}"):
            mlflow.log_params(PARAMS)
            for step in range(STEPS):
                values = {key: (r + 1) / (step + 1 + k) for k, key in enumerate(KEYS)}
                if batch:
                    mlflow.log_metrics(values, step=step)
                else:
                    for key, value in values.items():
                        mlflow.log_metric(key, value, step=step)
    return {"seconds": time.perf_counter() - started, "points": RUNS * STEPS * len(KEYS), "calls": RUNS * STEPS * (1 if batch else len(KEYS))}


def seed(name, count):
    exp = experiment_id(name)
    client = MlflowClient()
    started = time.perf_counter()
    for r in range(count):
        run = client.create_run(exp, run_name=f"seeded-{r}")
        now = int(time.time() * 1000)
        client.log_batch(run.info.run_id, metrics=[Metric(key, r / (k + 1), now, 9) for k, key in enumerate(KEYS)], params=[Param(k, v) for k, v in PARAMS.items()])
        client.set_terminated(run.info.run_id, RunStatus.to_string(RunStatus.FINISHED))
    return {"seconds": time.perf_counter() - started, "runs": count}


def search(name):
    exp = experiment_id(name)
    client = MlflowClient()
    started = time.perf_counter()
    runs, token, pages = 0, None, 0
    while True:
        page = client.search_runs([exp], max_results=100, page_token=token)
        runs += len(page)
        pages += 1
        token = page.token
        if not token:
            break
    return {"seconds": time.perf_counter() - started, "runs": runs, "pages": pages}


if __name__ == "__main__":
    mode, name = sys.argv[1], sys.argv[2]
    if mode in ("log_metric", "log_batch"):
        result = logging(name, batch=mode == "log_batch")
    elif mode == "seed":
        result = seed(name, int(sys.argv[3]))
    else:
        result = search(name)
    print(json.dumps(result))
