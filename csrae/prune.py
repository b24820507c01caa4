"""What a config uses, and deleting what no config in use names — never a result in use.

``results/in_use.json``, written by the workflow's last full run, names the
job manifests, the result folders they list (with the runs their evaluations
read) and the FID classifiers of one config, as paths relative to the working
directory it records, and the key of the plan it was written for.  Each real
run of the workflow records its plan's key in ``results/plan.json``
(:func:`write_plan`); an ``in_use.json`` of another plan (the config changed
since, or only part of it was rebuilt) is refused, so a stale list never
deletes the runs the current config needs.  A folder whose run lock is held
(a job training it now) is never deleted.
"""

import os
import shutil
from pathlib import Path

from csrae.io import write_json
from csrae.lock import RunLock, RunLocked
from csrae.manifests import manifest_entries
from csrae.store import content_key, read_json, read_stored, result_folders

STORES = ("runs", "evaluation", "semisupervised/runs")  # under results/
IN_USE, PLAN = "in_use.json", "plan.json"


def plan_key(manifests, feature_nets) -> str:
    """The key of a plan: what its config uses (job manifests and FID classifiers)."""
    return content_key({"manifests": sorted(map(str, manifests)), "feature_nets": sorted(map(str, feature_nets))})


def write_plan(results: str | Path, manifests, feature_nets) -> None:
    """``results/plan.json``: the key of the plan a run of the workflow is carrying out, and where."""
    write_json(Path(results) / PLAN, {"plan": plan_key(manifests, feature_nets), "workdir": os.getcwd()})


def write_in_use(path: str | Path, manifests, feature_nets, plan: str | None = None) -> dict:
    """``in_use.json``: the manifests, the result folders they list (with the runs their evaluations read)
    and the FID classifiers of one config, relative to the working directory it names, and the key of its
    plan (by default of these manifests; with rounds of seeds, of the plan's own, :func:`write_plan`)."""
    entries = manifest_entries(manifests)
    folders = {entry["folder"] for entry in entries}
    runs = {
        record["run"]
        for folder in folders
        if (Path(folder) / "metrics.json").is_file() and "run" in (record := read_json(Path(folder) / "metrics.json"))
    }
    in_use = {
        "plan": plan or plan_key(manifests, feature_nets),
        "workdir": os.getcwd(),
        "manifests": sorted(map(str, manifests)),
        "folders": sorted(folders | runs),
        "feature_nets": sorted(map(str, feature_nets)),
    }
    write_json(path, in_use)
    return in_use


def refresh(workdir) -> str:
    return (
        f"run `snakemake --cores all results/in_use.json --forcerun in_use` in {workdir} with the config in use "
        "(it finishes that config's jobs first), then prune again"
    )


def kept(in_use_path: Path) -> set[Path]:
    """The absolute paths an ``in_use.json`` names (resolved against the working directory it records)."""
    in_use = read_stored(in_use_path, read_json, "write it anew: " + refresh("its working directory"))
    if "workdir" not in in_use:
        raise SystemExit(
            f"{in_use_path} was written by an earlier csrae and does not say which working directory its paths "
            f"are relative to; {refresh('that working directory')}"
        )
    workdir = Path(in_use["workdir"])
    return {(workdir / p).resolve() for name in ("manifests", "folders", "feature_nets") for p in in_use[name]}


def check_current(results: Path) -> None:
    """Refuse an ``in_use.json`` written for another plan than the one the workflow last carried out."""
    in_use_path, plan_path, workdir = results / IN_USE, results / PLAN, results.resolve().parent
    if not in_use_path.is_file():
        raise SystemExit(f"{in_use_path} is missing: it names what the config in use needs; {refresh(workdir)}")
    in_use = read_stored(in_use_path, read_json, refresh(workdir))
    plan = read_stored(plan_path, read_json, refresh(workdir)) if plan_path.is_file() else {}
    if plan.get("plan") != in_use.get("plan"):
        raise SystemExit(
            f"{in_use_path} lists what an earlier plan used, not what the config the workflow last ran uses "
            f"(the config changed, or only some outputs were rebuilt since): {refresh(plan.get('workdir', workdir))}"
        )


def unused(results: str | Path, in_use_files) -> list[Path]:
    """What no ``in_use.json`` of ``in_use_files`` names: result folders in the stores under ``results``,
    job manifests and FID classifiers."""
    results, keep = Path(results), set()
    for path in in_use_files:
        keep |= kept(Path(path))
    candidates = [folder for store in STORES for folder in result_folders(results / store)]
    candidates += sorted((results / "manifests").rglob("*.json")) + sorted((results / "feature_net").rglob("*.pt"))
    return [path for path in candidates if path.resolve() not in keep]


def size(path: Path) -> int:
    return sum(f.stat().st_size for f in ([path] if path.is_file() else path.rglob("*")) if f.is_file())


def prune(results: str | Path, keep=(), apply: bool = False, log=print) -> list[Path]:
    """List (``apply``: then delete) what no config in use names: ``results/in_use.json`` (which must be
    the last plan's) and the ``keep`` files of other configs.  A result folder whose lock is held is kept;
    returns what was deleted (or would be)."""
    results = Path(results)
    check_current(results)
    paths = unused(results, [results / IN_USE, *keep])
    total = sum(size(path) for path in paths)
    for path in paths:
        log(("to delete " if apply else "unused ") + str(path))
    what = "to delete" if apply else "unused (delete them with --apply)"
    log(f"{len(paths)} results, {total / 2**20:.1f} MiB {what}")
    if not apply:
        return paths
    deleted = []
    for path in paths:
        if path.is_file():
            path.unlink()
        else:
            try:
                with RunLock(path, wait=0, log=log):
                    shutil.rmtree(path)
            except RunLocked as locked:
                log(f"kept {path}: {str(locked).split(';')[0]}")
                continue
        deleted.append(path)
    log(f"deleted {len(deleted)} results")
    return deleted
