"""A job's manifest: the result folders (``folder``) and keys of what it trained or evaluated.

The manifest is the file the workflow tracks in place of the folders (the
folders are never a job's output, so no rerun deletes them).  Reading one
checks each entry against what it points at: the folder is named by the
entry's key and its definition hashes to it, the record in it carries that
key, and its dataset, model, setting and seed are the manifest's.  A manifest
edited by hand, or pointing at another run's folder, is refused naming both,
and every unreadable file is named with the command that repairs it.
"""

from pathlib import Path

from csrae.io import write_json
from csrae.store import StoreError, check_folder, read_json, read_stored

MANIFESTS = "manifests"  # results/manifests/<kind>/<dataset>/<model>/…/<key>.json


def write_manifest(path: str | Path, entries: list[dict]) -> None:
    """A job's manifest: ``entries`` of ``folder``, ``key`` and where it sits in the sweep (``hp``, ``seed``)."""
    write_json(path, {"results": entries})


def repair(manifest: str | Path) -> str:
    return (
        f"rerun the job that wrote {manifest} with `snakemake --forcerun {manifest}`: it reads back what is "
        "sound and recomputes what is damaged (a run from its checkpoint, an evaluation anew)"
    )


def _expected(manifest: Path) -> dict:
    """The dataset and model a workflow manifest is about, from its path (nothing for another path)."""
    parts = manifest.parts
    if MANIFESTS not in parts[:-3]:
        return {}
    i = len(parts) - 1 - parts[::-1].index(MANIFESTS)
    return {"dataset": parts[i + 2], "model": parts[i + 3]}


def manifest_entries(paths) -> list[dict]:
    """The entries of manifests, in order, each pointing at the result folder of its key."""
    entries = []
    for path in map(Path, paths):
        manifest = read_stored(path, read_json, repair(path))
        if not isinstance(manifest, dict) or not isinstance(manifest.get("results"), list):
            raise StoreError(f"{path} is not a manifest (no list of results); {repair(path)}")
        for entry in manifest["results"]:
            if not isinstance(entry, dict) or not {"folder", "key"} <= set(entry):
                raise StoreError(f"{path}: an entry without folder and key ({entry!r}); {repair(path)}")
            check_folder(Path(entry["folder"]), entry["key"], f"the manifest {path} lists it; {repair(path)}")
        entries += [entry | {"manifest": str(path)} for entry in manifest["results"]]
    return entries


def manifest_records(paths, name: str) -> list[dict]:
    """The record ``name`` (``metrics.json``) of every result folder the manifests list, each checked: its
    key is the entry's, and its dataset, model, setting and seed are those the manifest and entry name."""
    records = []
    for entry in manifest_entries(paths):
        manifest, folder = Path(entry["manifest"]), Path(entry["folder"])
        record = read_stored(folder / name, read_json, repair(manifest))
        expected = _expected(manifest) | {k: entry[k] for k in ("hp", "seed") if k in entry}
        expected["key"] = entry["key"]
        wrong = {k: (record.get(k), v) for k, v in expected.items() if k in record and record[k] != v}
        if "key" not in record or wrong:
            found = ", ".join(f"{k} {ours!r} where the manifest says {theirs!r}" for k, (ours, theirs) in wrong.items())
            raise StoreError(
                f"{folder / name} is not the result {manifest} lists ({found or 'no key'}): the manifest points "
                f"at another result; {repair(manifest)}"
            )
        records.append(record)
    return records
