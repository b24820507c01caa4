"""Learning curves: every run's ``history.csv`` read beside its setting, and drawn per structure.

A run folder's ``history.csv`` (:mod:`csrae.trainer`) has one row per epoch:
the objective (``loss``) and its two terms, reconstruction error and the
unweighted regulariser, on the training and validation sets.  The figure
has a row per structure of a sweep: the selected setting's training and
validation objective for every seed, and the validation criterion of
selection (RE + regulariser, :mod:`csrae.selection`) of every weight.
"""

from pathlib import Path

import numpy as np
import pandas as pd

from csrae.figures import plt, save
from csrae.store import RUN_REPAIR, read_stored


def read_history(run: str | Path) -> pd.DataFrame:
    """A run's history, with non-finite values (a diverged epoch) as NaN."""
    history = read_stored(Path(run) / "history.csv", pd.read_csv, RUN_REPAIR)
    return history.replace([np.inf, -np.inf], np.nan)


def sweep_histories(records: list[dict], root: str | Path = ".") -> pd.DataFrame:
    """The histories of evaluated runs (records with ``run``, ``hp``, ``structure``, ``seed``), one frame
    with those columns and ``criterion`` = validation RE + regulariser."""
    frames = [
        read_history(Path(root) / r["run"]).assign(hp=r["hp"], structure=r["structure"], seed=r["seed"])
        for r in records
    ]
    histories = pd.concat(frames, ignore_index=True)
    return histories.assign(criterion=histories["val_reconstruction"] + histories["val_regulariser"])


def markers(epochs: int) -> dict:
    """About twenty markers along a curve, so that a curve of one epoch shows too."""
    return {"marker": "o", "markersize": 3, "markevery": max(epochs // 20, 1)}


def learning_curves(
    histories: pd.DataFrame, selected: dict[str, str], weights: dict[str, float], weight_name: str, title: str, path
) -> None:
    """Per structure (a row; ``selected``: structure → selected setting): (a) the selected setting's training
    (solid) and validation (dashed) objective per epoch, a colour per seed; (b) the seed-mean validation
    RE + regulariser of every weight (``weights``: setting → its weight), the selected one drawn thick."""
    structures = [s for s in histories["structure"].unique() if s in selected]
    fig, axes = plt.subplots(len(structures), 2, figsize=(10, 3.2 * len(structures)), squeeze=False)
    for (left, right), structure in zip(axes, structures):
        rows = histories[histories["structure"] == structure]
        for i, (seed, run) in enumerate(rows[rows["hp"] == selected[structure]].groupby("seed")):
            style = {"color": f"C{i}", **markers(len(run))}
            left.plot(run["epoch"], run["train_loss"], "-", label=f"seed {seed} training", **style)
            left.plot(run["epoch"], run["val_loss"], "--", label=f"seed {seed} validation", **style)
        left.set(xlabel="epoch", ylabel="objective (RE + weight × R)", title=f"(a) selected: {selected[structure]}")
        left.legend(frameon=False, fontsize=7)
        settings = sorted(rows["hp"].unique(), key=weights.__getitem__)
        for colour, hp in zip(plt.cm.viridis(np.linspace(0, 0.9, len(settings))), settings):
            curve = rows[rows["hp"] == hp].groupby("epoch")["criterion"].mean()
            thick = 2.5 if hp == selected[structure] else 1.0
            label = f"{weight_name} = {weights[hp]:g}"
            right.plot(curve.index, curve.to_numpy(), color=colour, lw=thick, label=label, **markers(len(curve)))
        right.set(xlabel="epoch", ylabel="validation RE + R (seed mean)", title=f"(b) sweep of {structure}")
        right.legend(frameon=False, fontsize=7)
    fig.suptitle(title, fontsize=10)
    save(fig, path)
