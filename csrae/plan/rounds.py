"""The rounds of seeds a config's ``decide`` block plans (:mod:`csrae.rounds`): their schedule, the seeds each
round adds, and the jobs that train and evaluate them on the cells an undecided effect needs."""

from itertools import count
from pathlib import Path

from csrae.decisions import Schedule
from csrae.naming import parse_cell_id
from csrae.plan import jobs
from csrae.store import read_json

HORIZON = 16  # without rounds: the most seeds an undecided effect is told it would need


class Rounds:
    """The rounds of a :class:`csrae.plan.Study` (one look at all of α without a ``decide`` block)."""

    def __init__(self, study):
        self.study, self.config = study, study.config.get("decide")
        seeds = study.config["seeds"]
        if not self.config:
            self.schedule = Schedule.single(HORIZON)
            return
        most = self.config["max_seeds"]
        planned = self.config.get("rounds") or doubling(len(seeds), most)
        if planned[0] != len(seeds) or planned[-1] != most or list(planned) != sorted(set(planned)):
            raise ValueError(
                f"decide.rounds: {planned} must rise from the config's {len(seeds)} seeds to max_seeds = {most}"
            )
        self.schedule = Schedule(tuple(planned), self.config.get("spending", "obrien-fleming"))
        extra = (s for s in count(max(seeds) + 1) if s not in seeds)
        self.seeds = list(seeds) + [next(extra) for _ in range(most - len(seeds))]

    @property
    def active(self) -> bool:
        return bool(self.config)

    def kinds(self) -> list[str]:
        return self.config.get("effects", ["ablation", "gains"])

    def status(self, folder: str = "results/decide") -> str:
        """Where the rounds stand, from the rounds' files already written (shown by every snakemake command)."""
        last = max((int(p.stem.removeprefix("round")) for p in Path(folder).glob("round*.json")), default=0)
        rounds = len(self.schedule.seeds)
        if not last:
            return f"decide: round 1 of {rounds} (the study's {self.schedule.seeds[0]} seeds) not looked at yet"
        found = read_json(Path(folder) / f"round{last}.json")
        decided = sum(bool(d["decided"]) for d in found["decisions"])
        text = f"decide: round {last} of {rounds} looked at ({found['seeds']} seeds): {decided} of "
        text += f"{len(found['decisions'])} effects decided"
        if found["done"]:
            return text + "; done"
        added = self.new_seeds(last + 1)
        return text + f"; round {last + 1} adds seeds {added[0]}-{added[-1]} to {len(found['needed'])} cells"

    def look_inputs(self, round_: int, previous: str | None) -> dict:
        """What round ``round_``'s look reads: the selections and, after the first, the previous round's file
        and the evaluations of the seeds it added."""
        study = self.study
        inputs = {
            "generative": study.selections("generative"),
            "knn": study.selections("knn"),
            "semisupervised": study.ssl.selections(),
            "meta": [f"results/data/{dataset}/meta.json" for dataset in study.datasets],
        }
        if previous:
            cells = read_json(previous)["needed"]
            inputs |= {"previous": previous, "evaluations": [self.evaluation_manifest(c, round_) for c in cells]}
        return inputs

    def added_manifests(self, looks: list[dict]) -> list[str]:
        """The manifests of every run the rounds added, from the rounds' files in order (kept by csrae prune)."""
        return [
            manifest
            for round_, look in enumerate(looks[:-1], start=2)
            for cell in look["needed"]
            for manifest in (self.train_manifest(cell, round_), self.evaluation_manifest(cell, round_))
        ]

    def new_seeds(self, round_: int) -> list[int]:
        """The seeds round ``round_`` (2, 3, …) adds to each cell it trains."""
        return self.seeds[self.schedule.seeds[round_ - 2] : self.schedule.seeds[round_ - 1]]

    def train_job(self, cell: str, round_: int) -> dict:
        dataset, model, hp = parse_cell_id(cell)
        study = self.study
        training, kernels = study.training(dataset), study.cpu_kernels()
        return jobs.train_job(study.preparation(dataset), model, [hp], self.new_seeds(round_), training, kernels)

    def train_manifest(self, cell: str, round_: int) -> str:
        dataset, model, hp = parse_cell_id(cell)
        return jobs.manifest("train-rounds", (dataset, model, hp, f"round{round_}"), self.train_job(cell, round_))

    def evaluation_manifest(self, cell: str, round_: int) -> str:
        dataset, model, hp = parse_cell_id(cell)
        runs = self.train_manifest(cell, round_)
        definition = jobs.evaluation_job(runs, self.study.config["evaluation"], self.study.feature_net(dataset))
        return jobs.manifest("evaluate-rounds", (dataset, model, hp, f"round{round_}"), definition)


def doubling(first: int, most: int) -> list[int]:
    """Seed counts doubled each round from ``first`` up to ``most``: 2, 4, 8, 16."""
    counts = [first]
    while counts[-1] < most:
        counts.append(min(2 * counts[-1], most))
    return counts
