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

Everything read back is checked: a record must carry its folder's key, a
definition must hash to it, and a file a record lists (``files``: name →
SHA-256, written before the record) must have that digest.  A file that
fails is set aside (``<name>.damaged-<time>``, kept for inspection) with a
warning where the store can recompute it, or named in a :class:`StoreError`
that says how to repair it where it cannot.
"""

import hashlib
import json
import pickle
import shutil
import time
import zipfile
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

import numpy as np

from csrae.io import write_json
from csrae.lock import RunLock

DEFINITION = "definition.json"
KEY_LENGTH = 12  # hex digits: 48 bits, collision-free for any study's number of results
# What a damaged file raises when read (json, numpy, torch and pandas readers).
UNREADABLE = (OSError, ValueError, RuntimeError, EOFError, KeyError, zipfile.BadZipFile, pickle.UnpicklingError)


RUN_REPAIR = (
    "rerun the job that trained it with `snakemake --forcerun train` (or `--forcerun` the train manifest that "
    "lists the run): it writes a damaged run again from the run's checkpoint"
)
EVALUATION_REPAIR = (
    "rerun the evaluation jobs with `snakemake --forcerun evaluate`: they evaluate a damaged evaluation again "
    "and read the others back"
)


class StoreError(RuntimeError):
    """A stored file that cannot be read, or that is not what its folder's key says; the message names the
    file and its result folder, and says how to repair it."""


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


def file_digests(folder: Path, names) -> dict[str, str]:
    """``files`` of a record: the digests of the files ``names`` of ``folder`` it vouches for."""
    return {name: file_digest(Path(folder) / name) for name in names}


def read_stored(path: str | Path, read, fix: str):
    """``read(path)``, or a :class:`StoreError` naming the file, its folder and ``fix`` if it is missing or
    unreadable."""
    path = Path(path)
    try:
        return read(path)
    except FileNotFoundError:
        raise StoreError(f"{path.name} of {path.parent} is missing; {fix}") from None
    except UNREADABLE as error:
        reason = (str(error).splitlines() or [type(error).__name__])[0]
        raise StoreError(f"{path.name} of {path.parent} is unreadable ({reason}); {fix}") from error


def read_json(path: Path) -> dict:
    return json.loads(Path(path).read_text())


def read_npz(path: Path) -> dict:
    """Every array of a ``.npz`` file (an evaluation's ``artefacts.npz``), read."""
    with np.load(path, allow_pickle=False) as arrays:
        return {name: arrays[name] for name in arrays.files}


def result_folder(root: str | Path, parts, definition: dict, log=print) -> Path:
    """``root/<parts>/<key>``, created with its ``definition.json`` (rewritten if it no longer hashes to the
    key: set aside as damaged)."""
    folder = Path(root).joinpath(*map(str, parts), content_key(definition))
    if (folder / DEFINITION).is_file() and read_definition(folder) is None:
        set_aside(folder / DEFINITION, f"it does not hash to the key {folder.name}", log, "rewritten")
    if not (folder / DEFINITION).is_file():
        write_json(folder / DEFINITION, definition)
    return folder


def read_record(path: str | Path, key: str, log=print) -> dict | None:
    """The JSON record at ``path`` if it is the finished result of definition ``key`` (its ``key`` field),
    else None: missing, half-written by a killed writer, or of another definition; a file that is there but
    unreadable is set aside with a warning."""
    path = Path(path)
    try:
        record = read_json(path)
    except FileNotFoundError:
        return None
    except ValueError as error:
        set_aside(path, str(error), log, "computed anew")
        return None
    return record if record.get("key") == key else None


def damaged_file(folder: Path, record: dict, fallback: dict) -> tuple[str, str] | None:
    """The first file of ``folder`` that does not match ``record["files"]`` (name, reason), or None.  A
    record of an earlier csrae lists no digests: then each file of ``fallback`` (name → reader) must read."""
    for name, digest in record.get("files", {}).items():
        path = folder / name
        if not path.is_file():
            return name, "missing"
        if file_digest(path) != digest:
            return name, "its digest differs from the record's"
    if "files" not in record:
        for name, read in fallback.items():
            try:
                read(folder / name)
            except FileNotFoundError:
                return name, "missing"
            except UNREADABLE as error:
                return name, (str(error).splitlines() or [type(error).__name__])[0]
    return None


def verified(folder: Path, record: dict | None, fallback: dict, then: str, log=print) -> dict | None:
    """``record`` if the files it vouches for are sound (:func:`damaged_file`), else None: the damaged file
    set aside with a warning saying what happens ``then``."""
    damaged = record and damaged_file(folder, record, fallback)
    if not damaged:
        return record
    name, reason = damaged
    if (folder / name).is_file():
        set_aside(folder / name, reason, log, then)
    else:
        log(f"warning: {folder / name} is missing; {then}")
    return None


def read_definition(folder: Path) -> dict | None:
    """A result folder's definition, or None (no result folder, or a definition that does not hash to the
    folder's key)."""
    try:
        definition = read_json(folder / DEFINITION)
    except (OSError, ValueError):
        return None
    return definition if content_key(definition) == folder.name else None


def check_folder(folder: Path, key: str, fix: str) -> None:
    """A :class:`StoreError` unless ``folder`` is the result folder of ``key``: named by it, its definition
    hashing to it."""
    if folder.name != key:
        raise StoreError(f"{folder} is not the result folder of key {key} (its name is another key); {fix}")
    if (folder / DEFINITION).is_file() and read_definition(folder) is None:
        raise StoreError(f"{folder / DEFINITION} does not hash to its folder's key {key}; {fix}")


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


def set_aside(path: Path, reason: str, log=print, then: str = "training this run anew") -> Path:
    """Rename an unreadable file to ``<name>.damaged-<time>`` (kept for inspection, out of the way)."""
    aside = path.with_name(f"{path.name}.damaged-{time.strftime('%Y%m%dT%H%M%S')}")
    path.replace(aside)
    log(f"warning: {path} is damaged ({reason}); set aside as {aside.name}, {then}")
    return aside


def result_folders(root: str | Path) -> list[Path]:
    """Every result folder (one holding a ``definition.json``) under ``root``."""
    return sorted(p.parent for p in Path(root).rglob(DEFINITION)) if Path(root).is_dir() else []


def computed_once(
    folders: list[Path], finished: Callable[[int], dict | None], compute: Callable[[list[int]], list[dict]],
    chunk: int = 1, definitions: list[dict] | None = None, log=print,
) -> tuple[list[dict], list[int]]:  # fmt: skip
    """The finished record of each result folder: ``finished(i)`` where it has one, else ``compute(indices)``,
    at most ``chunk`` at a time, under the folders' locks (:class:`csrae.lock.RunLock`, taken in one order:
    no deadlock).  A folder finished by another process while this one waited for its lock is read back;
    a ``definition.json`` removed meanwhile (``definitions`` given: store folders) is written again.
    Returns the records and the indices computed here."""
    records = [finished(i) for i in range(len(folders))]
    todo, computed = [i for i, record in enumerate(records) if record is None], []
    for start in range(0, len(todo), chunk):
        part = todo[start : start + chunk]
        with ExitStack() as locks:
            for i in sorted(part, key=lambda i: str(folders[i])):
                locks.enter_context(RunLock(folders[i], log=log))
            for i in part:  # finished by another process meanwhile?
                records[i] = finished(i)
            part = [i for i in part if records[i] is None]
            for i in part if definitions else []:
                if not (folders[i] / DEFINITION).is_file():
                    write_json(folders[i] / DEFINITION, definitions[i])
            for i, record in zip(part, compute(part) if part else []):
                records[i] = record
            computed += part
    return records, computed
