"""Results identified by what defines them: a folder per definition, under a path a person can browse.

A *definition* is a JSON-able dict of everything that determines a result —
for a run: the dataset and a fingerprint of its prepared arrays, model,
hyperparameters, latent dimension, architecture, likelihood, every training
setting, seed, device kind and the versions of the code components it
depends on (:mod:`csrae.versions`).  Its key is a hash of that dict, and the
result lives in ``<root>/<readable parts>/<key>/`` (e.g.
``results/runs/mnist5k/VAE/z=40_beta=1/seed0/3f9c0a1b2c4d/``) with the
definition beside it in ``definition.json``.  A changed setting is a new
folder beside the old one; the same definition is found, not recomputed.
"""

import hashlib
import json
import shutil
import time
from pathlib import Path

from csrae.io import write_json

DEFINITION = "definition.json"
KEY_LENGTH = 12  # hex digits: 48 bits, collision-free for any study's number of results


def content_key(definition: dict) -> str:
    """The hash of a definition (key order and float formatting do not matter)."""
    text = json.dumps(definition, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:KEY_LENGTH]


def file_digest(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def result_folder(root: str | Path, parts, definition: dict) -> Path:
    """``root/<parts>/<key>``, created with its ``definition.json``."""
    folder = Path(root).joinpath(*map(str, parts), content_key(definition))
    if not (folder / DEFINITION).is_file():
        write_json(folder / DEFINITION, definition)
    return folder


def read_record(path: str | Path, key: str) -> dict | None:
    """The JSON record at ``path`` if it is the finished result of definition ``key`` (its ``key`` field),
    else None (missing, half-written by a killed writer, or of another definition)."""
    try:
        record = json.loads(Path(path).read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return None
    return record if record.get("key") == key else None


def read_definition(folder: Path) -> dict | None:
    """A result folder's definition, or None (no result folder: a file, another folder)."""
    try:
        return json.loads((folder / DEFINITION).read_text())
    except (OSError, json.JSONDecodeError):
        return None


def shorter_run(folder: Path, definition: dict, checkpoint: str) -> Path | None:
    """The sibling run that ``definition``'s run continues: the same definition with the largest smaller
    epoch budget, with a checkpoint.  Nothing in training depends on the budget but when it stops, so
    such a run's checkpoint is this run's state at that epoch (and a run that stopped early, or diverged,
    stops there under any larger budget too)."""
    epochs = definition["train"]["epochs"]
    best, best_epochs = None, 0
    for sibling in folder.parent.iterdir() if folder.parent.is_dir() else []:
        other = read_definition(sibling)
        if sibling == folder or other is None or not (sibling / checkpoint).is_file():
            continue
        budget = other.get("train", {}).get("epochs", epochs)
        same = {**other, "train": {**other["train"], "epochs": epochs}} == definition
        if same and best_epochs < budget < epochs:
            best, best_epochs = sibling, budget
    return best


def continue_from(folder: Path, definition: dict, checkpoint: str, log=print) -> None:
    """Start an untrained run from the checkpoint of the run it continues (:func:`shorter_run`), if any;
    the shorter run keeps its own checkpoint."""
    if (folder / checkpoint).is_file():
        return
    shorter = shorter_run(folder, definition, checkpoint)
    if shorter is not None:
        shutil.copyfile(shorter / checkpoint, folder / f".{checkpoint}.copy")
        (folder / f".{checkpoint}.copy").replace(folder / checkpoint)
        log(f"continuing from {shorter.name} (a budget of {read_definition(shorter)['train']['epochs']} epochs)")


def set_aside(path: Path, reason: str, log=print) -> Path:
    """Rename an unreadable file to ``<name>.damaged-<time>`` (kept for inspection, out of the way)."""
    aside = path.with_name(f"{path.name}.damaged-{time.strftime('%Y%m%dT%H%M%S')}")
    path.replace(aside)
    log(f"warning: {path} is unreadable ({reason}); set aside as {aside.name}, training this run anew")
    return aside


def result_folders(root: str | Path) -> list[Path]:
    """Every result folder (one holding a ``definition.json``) under ``root``."""
    return sorted(p.parent for p in Path(root).rglob(DEFINITION)) if Path(root).is_dir() else []


def write_manifest(path: str | Path, entries: list[dict]) -> None:
    """A job's manifest: the result folders (``folder``) and keys of what it trained or evaluated, the
    file the workflow tracks in their place (the folders themselves are never a job's output, so no
    rerun deletes them)."""
    write_json(path, {"results": entries})


def manifest_entries(paths) -> list[dict]:
    """The entries of manifests, in order."""
    return [entry for path in paths for entry in json.loads(Path(path).read_text())["results"]]


def manifest_records(paths, name: str) -> list[dict]:
    """The record ``name`` (``metrics.json``) of every result folder the manifests list."""
    return [json.loads((Path(entry["folder"]) / name).read_text()) for entry in manifest_entries(paths)]


def write_in_use(path: str | Path, manifests, feature_nets) -> dict:
    """``in_use.json``: the manifests, the result folders they list (with the runs their evaluations
    read) and the FID classifiers of one config; :func:`unused` keeps them."""
    folders = {entry["folder"] for entry in manifest_entries(manifests)}
    runs = {
        record["run"]
        for folder in folders
        if (Path(folder) / "metrics.json").is_file()
        and "run" in (record := json.loads((Path(folder) / "metrics.json").read_text()))
    }
    in_use = {"manifests": sorted(map(str, manifests)), "folders": sorted(folders | runs)}
    in_use["feature_nets"] = sorted(map(str, feature_nets))
    write_json(path, in_use)
    return in_use


STORES = ("runs", "evaluation", "semisupervised/runs")  # under results/


def unused(results: str | Path, in_use_files) -> list[Path]:
    """What no ``in_use.json`` in ``in_use_files`` names: result folders in the stores under ``results``,
    job manifests and FID classifiers (paths relative to the working directory, as the workflow writes them)."""
    results, keep = Path(results), set()
    for path in in_use_files:
        in_use = json.loads(Path(path).read_text())
        keep |= {Path(p).resolve() for name in ("manifests", "folders", "feature_nets") for p in in_use[name]}
    candidates = [folder for store in STORES for folder in result_folders(results / store)]
    candidates += sorted((results / "manifests").rglob("*.json")) + sorted((results / "feature_net").rglob("*.pt"))
    return [path for path in candidates if path.resolve() not in keep]
