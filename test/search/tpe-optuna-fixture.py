"""Writes tpe-optuna-fixture.json: what Optuna's TPE computes for fixed histories, for tpe-sampler.test.ts to compare.

The integer range is 1..8 so that the prior (centred at 4.5) never ties with an observation: numpy sorts ties in an
order of its own, and where the prior ties, which tied observation gets which width differs from a stable sort.

Run with Debian's python3-optuna (3.1): /usr/bin/python3 test/search/tpe-optuna-fixture.py
The tests read the JSON only, so they need no Python. Optuna 3.1's truncated normal log density leaves out each
component's 1/sigma (optuna#5109, fixed in 3.5 by #5110); Runboard follows the fix, so this script applies it too.
"""
import json
import math
import os

import numpy as np
import optuna
from optuna import distributions
from optuna.samplers._tpe import _truncnorm
from optuna.samplers._tpe.parzen_estimator import _ParzenEstimator, _ParzenEstimatorParameters
from optuna.samplers._tpe.sampler import _split_observation_pairs, default_gamma, default_weights

optuna.logging.set_verbosity(optuna.logging.ERROR)

_original_logpdf = _truncnorm.logpdf


def _fixed_logpdf(x, a, b, loc=0, scale=1):
    return _original_logpdf(x, a, b, loc, scale) - np.log(scale)


_truncnorm.logpdf = _fixed_logpdf

PARAMETERS = _ParzenEstimatorParameters(True, 1.0, True, False, default_weights, False)

DOMAINS = {
    "uniform": (distributions.FloatDistribution(-2.0, 3.0), {"kind": "float", "low": -2.0, "high": 3.0, "log": False}),
    "loguniform": (distributions.FloatDistribution(1e-4, 1e-1, log=True), {"kind": "float", "low": 1e-4, "high": 1e-1, "log": True}),
    "int": (distributions.IntDistribution(1, 8), {"kind": "int", "low": 1, "high": 8}),
    "categorical": (distributions.CategoricalDistribution(["a", "b", "c", "d"]), {"kind": "categorical", "size": 4}),
}


def observations_for(kind, rng, n):
    if kind == "uniform":
        return list(rng.uniform(-2.0, 3.0, n))
    if kind == "loguniform":
        return list(np.exp(rng.uniform(math.log(1e-4), math.log(1e-1), n)))
    if kind == "int":
        return [float(v) for v in rng.randint(1, 9, n)]
    return [float(v) for v in rng.randint(0, 4, n)]


def estimators():
    rng = np.random.RandomState(7)
    out = []
    for kind, (distribution, domain) in DOMAINS.items():
        for n in (0, 1, 3, 30):
            observed = observations_for(kind, rng, n)
            pe = _ParzenEstimator({"x": np.asarray(observed, dtype=float)}, {"x": distribution}, PARAMETERS)
            if kind == "categorical":
                points = [0, 1, 2, 3]
                internal = np.asarray(points)
            elif kind == "int":
                points = [1, 2, 5, 8]
                internal = np.asarray(points, dtype=float)
            elif kind == "loguniform":
                points = [1e-4, 3e-3, 0.05, 0.1]
                internal = np.asarray(points)
            else:
                points = [-2.0, -0.3, 1.7, 3.0]
                internal = np.asarray(points)
            entry = {
                "kind": kind,
                "domain": domain,
                "observations": observed,
                "weights": pe._weights.tolist(),
                "points": points,
                "logPdf": pe.log_pdf({"x": internal}).tolist(),
            }
            if kind == "categorical":
                entry["categoricalWeights"] = pe._categorical_weights["x"].tolist()
            else:
                entry["mus"] = pe._mus["x"].tolist()
                entry["sigmas"] = pe._sigmas["x"].tolist()
            out.append(entry)
    return out


def splits():
    """Optuna's split for histories of complete, pruned and running trials (minimising)."""
    cases = []
    histories = [
        [("complete", v, None) for v in [5.0, 3.0, 9.0, 1.0, 7.0, 2.0, 8.0, 4.0, 6.0, 0.5, 3.5]],
        [("complete", 4.0, None), ("pruned", 0.1, 1), ("pruned", 2.0, 3), ("complete", 9.0, None), ("running", None, None),
         ("pruned", float("nan"), 3), ("complete", 1.0, None), ("pruned", None, None), ("running", None, None), ("complete", 2.0, None),
         ("pruned", 0.5, 3), ("complete", 3.0, None)],
    ]
    for history in histories:
        scores = []
        for state, value, step in history:
            if state == "complete":
                scores.append((-float("inf"), [value]))
            elif state == "pruned":
                scores.append((1, [0.0]) if value is None else (-step, [float("inf") if math.isnan(value) else value]))
            else:
                scores.append((float("inf"), [float("inf")]))
        n = sum(s < float("inf") for s, _ in scores)
        below, above = _split_observation_pairs(scores, default_gamma(n), None)
        cases.append({
            "history": [{"state": s, "value": (None if v is None else ("NaN" if math.isnan(v) else v)), "step": st} for s, v, st in history],
            "below": below.tolist(),
            "above": above.tolist(),
        })
    return cases


def suggestions():
    """Many of Optuna's suggestions for one fixed history, each with its own seed: their distribution."""
    rng = np.random.RandomState(3)
    xs = list(rng.uniform(-5.0, 5.0, 20))
    values = [(x - 1.3) ** 2 for x in xs]
    out = []
    for seed in range(400):
        sampler = optuna.samplers.TPESampler(seed=seed)
        study = optuna.create_study(sampler=sampler)
        for x, v in zip(xs, values):
            study.add_trial(optuna.trial.create_trial(params={"x": x}, distributions={"x": distributions.FloatDistribution(-5.0, 5.0)}, value=v))
        trial = study.ask({"x": distributions.FloatDistribution(-5.0, 5.0)})
        out.append(trial.params["x"])
    return {"xs": xs, "values": values, "suggested": out}


if __name__ == "__main__":
    fixture = {"optuna": optuna.__version__, "estimators": estimators(), "splits": splits(), "suggestions": suggestions()}
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tpe-optuna-fixture.json")
    with open(path, "w") as f:
        json.dump(fixture, f, indent=1)
    print(f"wrote {path}")
