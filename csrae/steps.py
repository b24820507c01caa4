"""File-to-file steps shared by the command line and the Snakemake workflow.

Each step reads its inputs from disk, calls the library and writes its
outputs atomically, so either front end is a thin adapter over it.
"""

from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch

from csrae.data import Dataset, prepare_dataset
from csrae.data.faces import columns, read_index, subject_folds
from csrae.evaluation import EvalConfig, evaluate
from csrae.io import atomic_write, write_json
from csrae.metrics.features import (
    FeatureNet,
    InceptionWeightsMissing,
    accuracy,
    inception_weights_source,
    load_inception,
    train_feature_net,
)
from csrae.metrics.frechet import ReferenceStatistics
from csrae.naming import describe_divergence, setting_id, structure_id
from csrae.provenance import provenance
from csrae.run import default_device, read_saved
from csrae.saved import load_model, spec_from_dict
from csrae.store import (
    DEFINITION,
    RUN_REPAIR,
    StoreError,
    content_key,
    file_digest,
    file_digests,
    read_json,
    read_npz,
    read_record,
    read_stored,
    result_folder,
    verified,
)
from csrae.versions import versions


def prepare(name: str, out_dir: str | Path, path: str | Path | None = None, verify: str = "checksum") -> Dataset:
    """Prepare dataset ``name`` from ``path`` (:func:`csrae.data.prepare_dataset`) into ``out_dir``."""
    data = prepare_dataset(name, path, verify)
    data.save(out_dir)
    return data


def prepare_faces(name: str, source: str | Path, out_path: str | Path) -> dict:
    """Check a face dataset's index and frames; record where it is and its label statistics (``faces.json``)."""
    index = read_index(name, source)
    folds = subject_folds(index.subjects)
    summary = {
        "dataset": name,
        "root": str(Path(source).resolve()),
        "frames": len(index.frames),
        "subjects": int(len(np.unique(index.subjects))),
        "frames_per_fold": np.bincount(folds).tolist(),
        "positive_rate": dict(zip(columns(name), index.labels.mean(0).round(4).tolist())),
    }
    write_json(out_path, summary)
    return summary


def fit_feature_net(data_dir: str | Path, out_path: str | Path, definition: dict) -> float:
    """Train the domain classifier for FID on the training split for ``definition["epochs"]`` epochs (seed 0);
    return its test accuracy.  The file records ``definition`` (in the workflow the one whose key names the
    file, :func:`csrae.plan.jobs.feature_net_job`) and the fingerprint of the data it was trained on."""
    data = Dataset.load(data_dir)
    net = train_feature_net(data.x["train"], data.y["train"], epochs=definition["epochs"], seed=0)
    test_accuracy = accuracy(net, data.x["test"], data.y["test"])
    payload = {"state_dict": net.state_dict(), "data_dim": data.data_dim, "n_classes": net.head.out_features}
    payload |= {"definition": definition, "data": data.fingerprint, "provenance": provenance("cpu")}
    atomic_write(Path(out_path), lambda f: torch.save(payload | {"test_accuracy": test_accuracy}, f))
    return test_accuracy


def load_feature_net(path: str | Path) -> FeatureNet:
    saved = torch.load(path, weights_only=True)
    net = FeatureNet(saved["data_dim"], saved["n_classes"])
    net.load_state_dict(saved["state_dict"])
    return net.eval()


def evaluation_definition(
    summary: dict, config: EvalConfig, feature_net_path, inception: str, feature_net_label: str | None
) -> dict:
    """What defines an evaluation: the run's key, the evaluation's settings, its FID extractors (the
    domain classifier's file content, the Inception weights' source) and the evaluation code's version."""
    source = inception_weights_source() if inception != "no" else None
    return {
        "run": summary["key"],
        "config": asdict(config) | {"knn_k": list(config.knn_k)},
        "feature_net": file_digest(feature_net_path) if feature_net_path else None,
        "feature_net_label": feature_net_label,
        "inception": source,
        "versions": versions("evaluation"),
    }


def evaluate_runs(
    data_dir: str | Path,
    runs: list[tuple[Path, EvalConfig]],
    store: str | Path | None = None,
    feature_net_path: str | Path | None = None,
    inception: str = "auto",
    feature_net_label: str | None = None,
    log=print,
    repair_run: str = RUN_REPAIR,
) -> list[dict]:
    """Evaluate saved runs of one dataset; ``runs`` holds (run folder, config).

    Each evaluation (``artefacts.npz``, then ``metrics.json`` with the
    artefacts' digest) goes to its folder in ``store`` —
    ``<store>/<dataset>/<model>/<setting>/seed<k>/<key>``, keyed by
    :func:`evaluation_definition` — or, without a store, into the run folder;
    one already there with its key and sound artefacts is read back ("cached
    <key>"), a damaged one is set aside and evaluated again.  The data, the
    FID extractors and the reference statistics are loaded once for all of
    them.  ``inception`` is "auto" (when weights are cached), "yes" or "no".
    A diverged run is evaluated on its best finite weights and its record
    carries ``diverged``; one without finite weights gets only that record
    and empty artefacts.  ``feature_net_label`` names the domain classifier in
    the record's ``fid_features``.  A run whose files cannot be read is
    named in a :class:`csrae.store.StoreError` saying ``repair_run``.
    """
    data, device, extractors = Dataset.load(data_dir), default_device(), None
    records = []
    for run, config in runs:
        run = Path(run)
        summary = read_stored(run / "summary.json", read_json, repair_run)
        if (run / DEFINITION).is_file() and summary.get("key") != run.name:  # a store's run folder
            raise StoreError(
                f"{run / 'summary.json'} is the summary of run {summary.get('key')}, not of {run.name}; {repair_run}"
            )
        spec = spec_from_dict(summary["spec"])
        hp = setting_id(spec.model, spec.latent_dim, spec.hparams)
        definition = evaluation_definition(summary, config, feature_net_path, inception, feature_net_label)
        key = content_key(definition)
        parts = (spec.dataset, spec.model, hp, f"seed{spec.train.seed}")
        folder = result_folder(store, parts, definition, log) if store else run
        cached = read_record(folder / "metrics.json", key, log)
        cached = verified(folder, cached, {"artefacts.npz": read_npz}, "evaluating the run again", log)
        if cached is not None:
            log(f"cached {key}: evaluation of {run}")
            records.append(cached)
            continue
        record = {
            "dataset": spec.dataset,
            "model": spec.model,
            "structure": structure_id(spec.model, hp),
            "hp": hp,
            "seed": spec.train.seed,
            "key": key,
            "run_key": summary["key"],
            "run": str(run),
            "evaluation": str(folder),
            "provenance": provenance(device),
            "trained_with": summary["provenance"],
        } | spec.hparams
        saved = read_stored(run / "model.pt", read_saved, repair_run)
        if saved["diverged"]:
            record["diverged"] = saved["diverged"]
            log(f"{run}: the run {describe_divergence(saved['diverged'])}")
        artefacts = {}
        if saved["state_dict"] is not None:
            extractors = extractors or fid_extractors(data, data_dir, feature_net_path, inception, log)
            log(f"evaluating {run} on device {device}")
            model, _ = load_model(run / "model.pt", data, device)
            metrics, artefacts = evaluate(model, data, config, *extractors, feature_net_label)
            record |= metrics
        atomic_write(folder / "artefacts.npz", lambda f, artefacts=artefacts: np.savez_compressed(f, **artefacts))
        record["files"] = file_digests(folder, ["artefacts.npz"])
        write_json(folder / "metrics.json", record)
        log(f"evaluated {key}: {run} into {folder}")
        records.append(record)
    return records


def fid_extractors(data: Dataset, data_dir, feature_net_path, inception: str, log) -> tuple:
    """The domain classifier (if given), Inception (per ``inception``) and the dataset's cached
    reference statistics (``<data>/fid_reference``, shared by all its evaluations)."""
    feature_net = load_feature_net(feature_net_path) if feature_net_path else None
    inception_net = None
    if inception != "no" and data.is_image:
        try:
            inception_net = load_inception()
        except InceptionWeightsMissing as missing:
            if inception == "yes":
                raise
            log(f"Inception FID skipped: {missing}")
    return feature_net, inception_net, ReferenceStatistics(Path(data_dir) / "fid_reference")
