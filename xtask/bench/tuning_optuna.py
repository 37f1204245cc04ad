"""Optuna's TPESampler and GPSampler on the test functions of suggest/src/functions.rs (keep
the definitions in step): median regret of the best trial after TRIALS trials over SEEDS seeds.

Usage: tuning_optuna.py TRIALS SEEDS [WORKERS]; prints one JSON object
{"<function>": {"optuna_tpe": regret, "optuna_gp": regret}, ...}.
"""

import json
import math
import multiprocessing
import statistics
import sys


def branin(x):
    a, b, c = 1.0, 5.1 / (4.0 * math.pi**2), 5.0 / math.pi
    r, s, t = 6.0, 10.0, 1.0 / (8.0 * math.pi)
    return a * (x[1] - b * x[0] ** 2 + c * x[0] - r) ** 2 + s * (1 - t) * math.cos(x[0]) + s


ALPHA = [1.0, 1.2, 3.0, 3.2]
A = [
    [10.0, 3.0, 17.0, 3.5, 1.7, 8.0],
    [0.05, 10.0, 17.0, 0.1, 8.0, 14.0],
    [3.0, 3.5, 1.7, 10.0, 17.0, 8.0],
    [17.0, 8.0, 0.05, 10.0, 0.1, 14.0],
]
P = [
    [0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886],
    [0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991],
    [0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650],
    [0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381],
]


def hartmann6(x):
    return -sum(
        ALPHA[i] * math.exp(-sum(A[i][j] * (x[j] - P[i][j]) ** 2 for j in range(6)))
        for i in range(4)
    )


def quadratic(x):
    return (x[0] - 0.5) ** 2 + (x[1] + 0.3) ** 2 + (x[2] - 1.1) ** 2


FUNCTIONS = {
    "branin": (branin, [(-5.0, 10.0), (0.0, 15.0)], 0.0, 0.397887357729738),
    "hartmann6": (hartmann6, [(0.0, 1.0)] * 6, 0.0, -3.322368011415515),
    "noisy_quadratic": (quadratic, [(-2.0, 2.0)] * 3, 0.1, 0.0),
}


def regret(job):
    import optuna
    import random

    name, sampler_name, trials, seed = job
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    function, bounds, noise, minimum = FUNCTIONS[name]
    noise_rng = random.Random(seed)
    clean = {}

    def objective(trial):
        x = [trial.suggest_float(f"x{i}", lo, hi) for i, (lo, hi) in enumerate(bounds)]
        value = function(x)
        clean[trial.number] = value
        return value + (noise * noise_rng.gauss(0.0, 1.0) if noise else 0.0)

    if sampler_name == "optuna_tpe":
        sampler = optuna.samplers.TPESampler(seed=seed)
    else:
        import torch

        torch.set_num_threads(1)
        sampler = optuna.samplers.GPSampler(seed=seed)
    study = optuna.create_study(sampler=sampler, direction="minimize")
    study.optimize(objective, n_trials=trials)
    return name, sampler_name, clean[study.best_trial.number] - minimum


def main():
    trials, seeds = int(sys.argv[1]), int(sys.argv[2])
    workers = int(sys.argv[3]) if len(sys.argv) > 3 else 2
    jobs = [
        (name, sampler, trials, seed)
        for name in FUNCTIONS
        for sampler in ("optuna_tpe", "optuna_gp")
        for seed in range(seeds)
    ]
    with multiprocessing.Pool(workers) as pool:
        results = pool.map(regret, jobs, chunksize=1)
    regrets = {}
    for name, sampler, value in results:
        regrets.setdefault(name, {}).setdefault(sampler, []).append(value)
    print(
        json.dumps(
            {
                name: {sampler: statistics.median(values) for sampler, values in by.items()}
                for name, by in regrets.items()
            }
        )
    )


if __name__ == "__main__":
    main()
