"""Optuna's TPESampler driving Runboard's trainer through its CLI, for bench/tpe-vs-optuna.ts.

    optuna_driver.py SPEC_JSON

SPEC_JSON: {"node", "cli", "db", "seed", "trials", "fixed": [flags...], "space": [{"name", "kind", "low", "high"}],
"objective": "val_loss", "direction": "minimize"}. One study per call, with TPESampler(seed=seed) and its defaults; each
trial is asked, trained by one `runboard train ... --json` (its training seed derived from the study's seed and the
trial number as a Runboard sweep derives its trials'), and told the run's best value of the objective over its epochs.
Prints one JSON line: {"values": [...], "best": ...}. Needs Debian's python3-optuna (/usr/bin/python3).
"""

import json
import subprocess
import sys

import optuna


def main():
    spec = json.loads(sys.argv[1])
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction=spec["direction"], sampler=optuna.samplers.TPESampler(seed=spec["seed"]))
    values = []
    for number in range(spec["trials"]):
        trial = study.ask()
        flags = []
        for param in spec["space"]:
            value = trial.suggest_float(param["name"], param["low"], param["high"], log=param["kind"] == "loguniform")
            flags += ["--" + param["name"].replace("_", "-"), repr(value)]
        training_seed = (spec["seed"] * 1_000_003 + number + 1) % 2**32
        command = [spec["node"], spec["cli"], "train", *spec["fixed"], *flags, "--seed", str(training_seed), "--db", spec["db"], "--json"]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        run = json.loads(result.stdout) if result.stdout.strip() else {}
        value = run.get("best", {}).get(spec["objective"])
        finite = isinstance(value, (int, float))
        # The best so far counts every run's best value, as a Runboard sweep's does (a diverged run's epochs before it
        # diverged included); a run that did not finish is a failed trial for Optuna, which leaves it out.
        values.append(value if finite else None)
        if result.returncode != 0 or not finite:
            study.tell(trial, state=optuna.trial.TrialState.FAIL)
        else:
            study.tell(trial, value)
    finite = [v for v in values if v is not None]
    best = (min if spec["direction"] == "minimize" else max)(finite) if finite else None
    print(json.dumps({"values": values, "best": best, "optuna": optuna.__version__}))


if __name__ == "__main__":
    main()
