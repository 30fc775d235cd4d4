"""Tried and not kept: re-estimating the stance mix of each collection before deciding (label shift).

RumourEval's test split is three-quarters comment, more than train + dev; a model whose class priors
follow the collection it reads might call more comments there. This adapts the shipped model's
out-of-fold probabilities to each held-out event by expectation-maximisation on its unlabelled
reactions (Saerens, Latinne & Decaestecker 2002: new prior = mean of the prior-corrected
posteriors, repeated until it settles), then applies the offset rule of train_stance.py, and prints
out-of-fold accuracy and macro-F1 with and without it, and each event's estimated mix beside the true
one. A second variant first calibrates the probabilities (per-class scale and shift of the
log-probabilities, fitted on the other events' out-of-fold predictions) and damps the estimate toward
the training mix (ALPHA pseudo-reactions), since uncalibrated probabilities made the first run away.
The test split is never read. Run: `PYTHONPATH=src python bench/validity/stance_prior_shift.py`.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from scipy.optimize import minimize

sys.path.insert(0, str(Path(__file__).parent))

from rumoureval import data_folder, examples
from train_stance import (
    GRID_L2,
    GRID_POWER,
    labels_of,
    macro_f1,
    our_examples,
    out_of_fold,
    tune_offsets,
    vectors_of,
)

from sociable.analyses.stance.model import STANCES

ALPHA = (50, 200, 1000)


def adapt(logp: np.ndarray, trained: np.ndarray, rounds: int = 200,
          alpha: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Log-probabilities corrected to the collection's estimated priors, and those priors (with `alpha`, the
    estimate counts `alpha` pseudo-reactions in the training mix)."""
    p = np.exp(logp)
    p /= p.sum(axis=1, keepdims=True)
    prior = trained.copy()
    for _ in range(rounds):
        q = p * (prior / trained)
        q /= q.sum(axis=1, keepdims=True)
        new = (q.sum(axis=0) + alpha * trained) / (len(q) + alpha)
        settled = np.abs(new - prior).max() < 1e-6
        prior = new
        if settled:
            break
    return np.log(q + 1e-12), prior


def _scaled(logp: np.ndarray, theta: np.ndarray) -> np.ndarray:
    z = logp * theta[:len(STANCES)] + theta[len(STANCES):]
    z -= z.max(axis=1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


def calibration(logp: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Per-class scale and shift of the log-probabilities with the least log-loss on (logp, y)."""
    def loss(theta: np.ndarray) -> float:
        return float(-_scaled(logp, theta)[np.arange(len(y)), y].mean())
    return minimize(loss, np.r_[np.ones(len(STANCES)), np.zeros(len(STANCES))], method="L-BFGS-B").x


def main() -> None:
    folder = data_folder()
    items = examples("train", folder) + examples("dev", folder)
    ours = our_examples()
    y = labels_of(items)
    logp = out_of_fold(items, GRID_L2[0], GRID_POWER[0], vectors_of(items), ours, vectors_of(ours))
    # the priors the model was fitted to: class counts times the class weights of train_stance (power 0.5)
    counts = np.bincount(np.concatenate([y, labels_of(ours)]), minlength=len(STANCES)).astype(float)
    weighted = counts * (counts.sum() / (len(STANCES) * counts)) ** GRID_POWER[0]
    trained = weighted / weighted.sum()
    events = np.array([e.event for e in items])
    adapted = np.zeros_like(logp)
    print(f"priors the model was fitted to: {dict(zip(STANCES, trained.round(3).tolist(), strict=True))}")
    for event in sorted(set(events)):
        held = events == event
        adapted[held], prior = adapt(logp[held], trained)
        truth = np.bincount(y[held], minlength=len(STANCES)) / held.sum()
        print(f"  {event} ({held.sum()}): estimated {prior.round(3).tolist()}, true {truth.round(3).tolist()}")
    calibrated = np.zeros_like(logp)
    damped = {alpha: np.zeros_like(logp) for alpha in ALPHA}
    for event in sorted(set(events)):
        held = events == event
        theta = calibration(logp[~held], y[~held])
        calibrated[held] = _scaled(logp[held], theta)
        mix = np.exp(_scaled(logp[~held], theta)).mean(axis=0)
        for alpha in ALPHA:
            damped[alpha][held], prior = adapt(calibrated[held], mix, alpha=alpha)
        print(f"  {event}: calibrated, damped by {ALPHA[1]}: estimated "
              f"{adapt(calibrated[held], mix, alpha=ALPHA[1])[1].round(2).tolist()}")
    rows = [("as shipped", logp), ("priors re-estimated per event", adapted), ("calibrated", calibrated),
            *((f"calibrated, priors re-estimated, damped by {a}", s) for a, s in damped.items())]
    for name, scores in rows:
        offsets = tune_offsets(scores, y)
        predicted = np.argmax(scores + offsets, axis=1)
        print(f"{name}: out-of-fold accuracy {np.mean(predicted == y):.3f}, macro-F1 {macro_f1(y, predicted):.3f} "
              f"(offsets {offsets.round(2).tolist()})")


if __name__ == "__main__":
    main()
