"""Seeds added in rounds until a study's effects are decided (a config's ``decide`` block).

Round 1 is the study itself: every structure's weights × the config's seeds,
selected on validation.  After each round the effects — the ablation's and
the paper comparison's gains — are looked at (:func:`csrae.decisions.look`),
and the cells an undecided effect needs get the next round's seeds on their
selected setting alone; from the second look on, an effect whose seeds
needed are out of sight adds none (:func:`csrae.decisions.worth_seeds`).  The
selection is fixed after the first round, so every look of an effect
compares the same two settings, and a cell's weight never changes with the
seeds added to it.  The study stops when every effect is decided or out of
reach, or the last round is done.  A round's file (``results/decide/
round<k>.json``) holds every decision so far, the records of the runs added
so far, and the cells the next round trains.
"""

import pandas as pd

from csrae import ablation, comparison
from csrae.decisions import Schedule, look, worth_seeds
from csrae.naming import cell_id


def extend(selections: list[dict], records: dict[str, list[dict]]) -> list[dict]:
    """Selections (:mod:`csrae.selection`) whose chosen settings' runs have the rounds' runs added
    (``records``: cell → run records, :func:`csrae.naming.cell_id`)."""
    extended = []
    for selection in selections:
        chosen = [
            choice
            | {
                "runs": choice["runs"]
                + records.get(cell_id(selection["dataset"], selection["model"], choice["hp"]), [])
            }
            for choice in selection["selected"]
        ]
        extended.append(selection | {"selected": chosen})
    return extended


def effects(generative, knn, semisupervised, meta, epochs, knn_k, kinds=("ablation", "gains")) -> pd.DataFrame:
    """The effects a study forms, before any decision: the ablation's and the gains over the reference model
    (``kinds``), from (extended) selections; ``meta`` and ``epochs`` are the comparison's."""
    found = []
    if "ablation" in kinds:
        found.append(ablation.effects(ablation.cells({"generative": generative, "knn": knn}, knn_k)))
    if "gains" in kinds:
        ours = comparison.our_cells(generative, knn, semisupervised)
        found.append(comparison.gains(comparison.compare(ours, meta, epochs)))
    found = [frame for frame in found if not frame.empty]
    return pd.concat(found, ignore_index=True) if found else pd.DataFrame(columns=["id", "family", "cells"])


def decided(found: pd.DataFrame, rounds: dict | None, schedule: Schedule) -> pd.DataFrame:
    """``found`` effects with their decisions: as the rounds (the last round's file) decided them, and those the
    rounds did not look at (no ``decide`` block, or not among its effects) looked at once, at the schedule's
    last look."""
    recorded = pd.DataFrame(rounds["decisions"]) if rounds and rounds["decisions"] else found.iloc[:0]
    known = recorded[recorded["id"].isin(set(found["id"]))]
    rest = found[~found["id"].isin(set(known["id"]))]
    looked = look(rest, None, len(schedule.seeds), schedule) if len(rest) else rest.assign(decided=False)
    both = pd.concat([frame for frame in (known, looked) if len(frame)]) if len(found) else found.assign(decided=False)
    return both.set_index("id").loc[found["id"]].reset_index() if len(found) else both


def run_records(manifests) -> dict[str, list[dict]]:
    """The evaluation records of a round's manifests, by cell."""
    from csrae.manifests import manifest_records

    found: dict[str, list[dict]] = {}
    for record in manifest_records(manifests, "metrics.json"):
        if "diverged" not in record:
            found.setdefault(cell_id(record["dataset"], record["model"], record["hp"]), []).append(record)
    return found


def decide(round_: int, schedule: Schedule, found: pd.DataFrame, previous: dict | None, records: dict) -> dict:
    """The file of round ``round_``: its decisions (``found`` looked at, :func:`csrae.decisions.look`, after
    ``previous``), the records so far, the cells the next round trains and whether the study is done."""
    before = pd.DataFrame(previous["decisions"]) if previous else None
    decided = look(found, before, round_, schedule) if not found.empty else found.assign(decided=[])
    open_ = decided[worth_seeds(decided, round_)] if not decided.empty else decided
    last = round_ == len(schedule.seeds)
    needed = sorted({cell for cells in open_["cells"] for cell in cells}) if not last else []
    return {
        "round": round_,
        "seeds": schedule.seeds[round_ - 1],
        "schedule": schedule.to_dict(),
        "decisions": decided.to_dict("records"),
        "records": records,
        "needed": needed,
        "done": last or not needed,
    }
