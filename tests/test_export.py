"""``csrae export``: runs read back from TensorBoard's event files with TensorBoard's own reader."""

import json

import pandas as pd
import pytest

pytest.importorskip("tensorboard", reason="csrae[tracker] is not installed")
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator  # noqa: E402
from tensorboard.plugins.hparams import plugin_data_pb2  # noqa: E402

from csrae.cli import main  # noqa: E402
from csrae.data import Dataset  # noqa: E402
from csrae.evaluation import EvalConfig  # noqa: E402
from csrae.run import RunSpec, train_run  # noqa: E402
from csrae.steps import evaluate_runs  # noqa: E402
from csrae.trainer import TrainConfig  # noqa: E402


def read_back(folder):
    """(scalars tag → [(step, value)], hparams name → value) of one exported run."""
    events = EventAccumulator(str(folder), size_guidance={"scalars": 0})
    events.Reload()
    scalars = {tag: [(e.step, e.value) for e in events.Scalars(tag)] for tag in events.Tags()["scalars"]}
    content = events.PluginTagToContent("hparams")["_hparams_/session_start_info"]
    start = plugin_data_pb2.HParamsPluginData.FromString(content).session_start_info
    hparams = {
        name: value.WhichOneof("kind") and getattr(value, value.WhichOneof("kind"))
        for name, value in start.hparams.items()
    }
    return scalars, hparams


def test_every_run_round_trips_its_history_hyperparameters_and_metrics(pinwheel_dir, tmp_path):
    results = tmp_path / "results"
    data = Dataset.load(pinwheel_dir)
    runs = []
    for beta in (0.5, 2.0):
        spec = RunSpec("pinwheel", "VAE", {"beta": beta}, 2, TrainConfig(epochs=4, warmup=1, patience=10, seed=1))
        runs.append(results / "runs" / "pinwheel" / "VAE" / f"beta{beta}" / "seed1" / "key")
        train_run(spec, data, runs[-1], log=lambda _: None)
    config = EvalConfig(ll_samples=4, fid_samples=50, n_points=50, prior_fit_points=50)
    (evaluation,) = evaluate_runs(pinwheel_dir, [(runs[0], config)], results / "evaluation", None, "no", log=print)

    csrae = results / "runs" / "pinwheel" / "CSRAE" / "lambda1" / "seed0" / "key"
    spec = RunSpec("pinwheel", "CSRAE", {"lambda": 1.0}, 2, TrainConfig(epochs=2, warmup=1, patience=10))
    train_run(spec, data, csrae, log=lambda _: None)

    main(["export", str(tmp_path / "tb"), "--results", str(results)])
    # one experiment for the HParams dashboard, over every model's hyperparameters and every metric
    root = EventAccumulator(str(tmp_path / "tb"))
    root.Reload()
    content = root.PluginTagToContent("hparams")["_hparams_/experiment"]
    found = plugin_data_pb2.HParamsPluginData.FromString(content).experiment
    assert {"beta", "lambda", "model", "seed", "epochs"} <= {info.name for info in found.hparam_infos}
    assert {"final/test_ll", "final/best/val_loss"} <= {info.name.tag for info in found.metric_infos}
    assert read_back(tmp_path / "tb" / csrae.relative_to(results))[1]["lambda"] == 1.0
    for run in runs:
        scalars, hparams = read_back(tmp_path / "tb" / run.relative_to(results))
        history = pd.read_csv(run / "history.csv")
        assert [step for step, _ in scalars["val/loss"]] == list(range(4))
        for column, tag in (("train_loss", "train/loss"), ("val_regulariser", "val/regulariser"), ("weight", "weight")):
            assert [value for _, value in scalars[tag]] == pytest.approx(history[column].tolist(), rel=1e-6)
        assert {"study": "generative", "dataset": "pinwheel", "model": "VAE", "seed": 1.0}.items() <= hparams.items()
        assert hparams["beta"] == float(run.parts[-3][4:]) and hparams["epochs"] == 4
        summary = json.loads((run / "summary.json").read_text())
        assert scalars["final/best/val_loss"][0][1] == pytest.approx(summary["best"]["val_loss"], rel=1e-6)
    evaluated, _ = read_back(tmp_path / "tb" / runs[0].relative_to(results))
    assert evaluated["final/test_ll"][0][1] == pytest.approx(evaluation["test_ll"], rel=1e-6)
    not_evaluated, _ = read_back(tmp_path / "tb" / runs[1].relative_to(results))
    assert "final/test_ll" not in not_evaluated

    main(["export", str(tmp_path / "tb"), "--results", str(results), "--match", "runs/pinwheel/VAE/beta0.5/*"])
    scalars, _ = read_back(tmp_path / "tb" / runs[0].relative_to(results))
    assert len(scalars["val/loss"]) == 4  # exported again: replaced, not appended
    assert not list((tmp_path / "tb").rglob("*.partial"))
