"""The semi-supervised study: M2's objective against Kingma et al.'s form, the Gumbel-Softmax relaxation,
label-balanced batches, learning from few labels, resuming, and the supervised baselines."""

import json

import numpy as np
import pytest
import torch
from sklearn.metrics import f1_score

from csrae.gaussian import Noise
from csrae.metrics.classification import error_rate, f1_scores
from csrae.naming import labels_id, parse_labels_id, parse_ssl_setting_id, ssl_setting_id
from csrae.semisupervised.baselines import build_supervised
from csrae.semisupervised.data import balanced_labelled_subset, class_split, labelled_batches
from csrae.semisupervised.labels import LabelSpace
from csrae.semisupervised.m2 import build_m2, relaxed_bernoulli
from csrae.semisupervised.training import SemiSupervisedConfig, SemiSupervisedSpec, SemiSupervisedTrainer
from csrae.trainer import CHECKPOINT
from tests.fixtures import ssl_spec, two_clusters


def test_unlabelled_objective_is_kingmas_m2_bound():
    """With β_y = 1 and the VAE's KL, U(x) (eq. 26) is −(Σ_y q(y|x) L(x, y) + H(q(y|x))) of Kingma et al."""
    data = two_clusters((50, 10, 10))
    labels = LabelSpace(3, multi_label=False)
    torch.manual_seed(0)
    model = build_m2("VAE", {"beta": 1.0, "alpha": 1.0}, data, labels, latent_dim=4, beta_y=1.0, temperature=1.0)
    x = torch.bernoulli(torch.from_numpy(data.x["train"][:7]))
    _, _, unlabelled = model.unlabelled_terms(x, 1.0, Noise(torch.Generator().manual_seed(5), x.device))

    eps = Noise(torch.Generator().manual_seed(5), x.device).normal(2, 3, 7, 4)[0]
    features = model.h_x(x)
    q = torch.softmax(model.q_y(features), -1)
    bound = -(q * torch.log(q)).sum(-1)  # H(q(y|x))
    for c in range(3):
        y = torch.nn.functional.one_hot(torch.full((7,), c), 3).float()
        loc, logvar = model.posterior(features, y)
        z = loc + torch.exp(0.5 * logvar) * eps[c]
        log_px = model.likelihood.log_prob(x, model.decoder(torch.cat([z, model.h_y(y)], -1)))
        kl = 0.5 * (torch.exp(logvar) + loc**2 - 1 - logvar).sum(-1)
        bound = bound + q[:, c] * (log_px + np.log(1 / 3) - kl)
    torch.testing.assert_close(unlabelled, -bound.mean())


def test_kl_to_uniform_label_prior_matches_torch_distributions():
    logits = torch.randn(5, 4)
    categorical = torch.distributions.Categorical(logits=logits)
    uniform = torch.distributions.Categorical(logits=torch.zeros(4))
    torch.testing.assert_close(
        LabelSpace(4, False).kl_to_prior(logits), torch.distributions.kl_divergence(categorical, uniform)
    )
    bernoulli = torch.distributions.Bernoulli(logits=logits)
    half = torch.distributions.Bernoulli(probs=torch.full((5, 4), 0.5))
    torch.testing.assert_close(
        LabelSpace(4, True).kl_to_prior(logits), torch.distributions.kl_divergence(bernoulli, half).sum(-1)
    )


def test_relaxed_bernoulli_rounds_to_bernoulli_draws():
    """A Concrete draw at any temperature is > ½ with probability σ(logit) (Maddison et al. 2017)."""
    logits = torch.tensor([-2.0, -0.5, 0.0, 1.0, 3.0])
    uniform = torch.rand(200_000, 5, generator=torch.Generator().manual_seed(0))
    for temperature in (0.1, 0.67, 2.0):
        draws = relaxed_bernoulli(logits, uniform, temperature)
        assert ((draws >= 0) & (draws <= 1)).all()
        torch.testing.assert_close((draws > 0.5).float().mean(0), torch.sigmoid(logits), atol=4e-3, rtol=0)


def test_balanced_labelled_subset_and_its_errors():
    y = np.repeat(np.arange(10), 30)
    chosen = balanced_labelled_subset(y, 100, seed=0)
    assert len(set(chosen)) == 100 and np.bincount(y[chosen]).tolist() == [10] * 10
    assert not np.array_equal(chosen, balanced_labelled_subset(y, 100, seed=1))
    with pytest.raises(ValueError, match="cannot be balanced over 10 classes"):
        balanced_labelled_subset(y, 105, 0)
    with pytest.raises(ValueError, match="need 40 of class 0, but training has 30"):
        balanced_labelled_subset(y, 400, 0)


def test_multi_label_batches_are_balanced_for_each_output_in_turn():
    rng = np.random.default_rng(0)
    y = (rng.random((400, 3)) < [0.05, 0.3, 0.6]).astype(np.int64)
    split = class_split(two_clusters((400, 10, 10)), 10, 0)
    split.y = {"train": y}
    split.labels = LabelSpace(3, multi_label=True)
    split.labelled = np.arange(0, 400, 2)  # indices into the training split
    generator = torch.Generator().manual_seed(0)
    for step, batch in enumerate(labelled_batches(split, 6, 40, generator)):
        assert len(batch) == 40 and set(batch) <= set(split.labelled)
        assert y[batch, step % 3].sum() == 20  # half positives of this step's output


def test_class_batches_cycle_through_the_labelled_points():
    split = class_split(two_clusters(), 10, seed=0)
    batches = list(labelled_batches(split, 3, 4, torch.Generator().manual_seed(0)))
    seen = np.concatenate(batches)
    assert set(seen) <= set(split.labelled) and len(set(seen[:8])) == 8
    assert set(split.unlabelled).isdisjoint(split.labelled) and len(split.unlabelled) + 10 == 600


def test_f1_and_error_match_scikit_learn():
    rng = np.random.default_rng(0)
    truth, predicted = rng.integers(0, 2, (300, 4)), rng.integers(0, 2, (300, 4))
    truth[:, 3] = predicted[:, 3] = 0  # an output never positive: F1 0 (zero_division=0)
    expected = 100 * f1_score(truth, predicted, average=None, zero_division=0)
    np.testing.assert_allclose(f1_scores(truth, predicted), expected)
    assert error_rate(np.array([1, 2, 3, 4]), np.array([1, 0, 3, 0])) == 50.0


def test_setting_and_label_budget_names_round_trip():
    hparams = {"lambda": 0.5, "K": 10, "prior": "mog", "alpha": 10.0}
    name = ssl_setting_id("MixtureCSRAE", 40, hparams)
    assert name == "z=40_lambda=0.5_K=10_prior=mog_alpha=10"
    assert parse_ssl_setting_id("MixtureCSRAE", name) == (40, hparams)
    assert ssl_setting_id("ResNet18", 0, {}) == "supervised"
    assert [labels_id(250, False), labels_id(0.1, True), labels_id(1.0, True, True)] == ["n=250", "p=0.1", "all"]
    assert parse_labels_id("p=0.25") == 0.25 and parse_labels_id("n=250") == 250
    with pytest.raises(ValueError, match="n=<count>, p=<fraction> or all"):
        parse_labels_id("250")


@pytest.mark.parametrize(
    "model,hparams",
    [
        ("CSRAE", {"lambda": 1.0, "alpha": 10.0}),
        ("MixtureCSRAE", {"lambda": 1.0, "K": 4, "prior": "vamp", "alpha": 10.0}),
    ],
)
def test_ten_labels_and_unlabelled_data_classify_the_clusters(tmp_path, model, hparams):
    split = class_split(two_clusters(), 10, seed=0)
    run = ssl_spec(model, hparams)
    trainer = SemiSupervisedTrainer(run.build(split), split, run.run.train, tmp_path, log=lambda *a: None)
    trainer.fit()
    assert trainer.evaluate("test")["error"] < 20.0  # chance: 50


def test_prior_per_class_matches_each_label_with_its_own_components(tmp_path):
    """p(z|y) is the prior's components k ≡ y (mod classes): one per class for K = 2, two for K = 4;
    the training setting reaches the model, and other models or multi-label data are refused."""
    from csrae.divergence import cauchy_schwarz
    from csrae.regularisers import cauchy_schwarz_to_class_prior

    split = class_split(two_clusters(), 10, seed=0)
    hparams = {"lambda": 1.0, "K": 4, "prior": "mog-direct", "alpha": 10.0}
    model = ssl_spec("MixtureCSRAE", hparams, prior_per_class=True).build(split)
    assert model.prior_per_class
    loc, logvar = torch.randn(5, 4), torch.randn(5, 4) * 0.1
    p_loc, p_logvar, _ = model.prior.components()
    y = torch.nn.functional.one_hot(torch.tensor([0, 1, 1, 0, 1]), 2).float()
    value = cauchy_schwarz_to_class_prior(model.prior, loc, logvar, y)
    for i, label in enumerate([0, 1, 1, 0, 1]):
        mine = [label, label + 2]  # components 0, 2 for class 0; 1, 3 for class 1
        expected = cauchy_schwarz(
            loc[i : i + 1], logvar[i : i + 1], torch.zeros(1), p_loc[mine], p_logvar[mine], torch.zeros(2)
        )
        torch.testing.assert_close(value[i], expected)
    every_class = torch.eye(2)[:, None, :].expand(-1, 5, -1)  # the unlabelled term's sum over classes
    assert cauchy_schwarz_to_class_prior(model.prior, loc, logvar, every_class).shape == (2, 5)
    with pytest.raises(ValueError, match="D_CS's mixture prior per class; CSRAE .* has none"):
        build_m2("CSRAE", {"lambda": 1.0, "alpha": 1.0}, split.data, LabelSpace(2, False), 4, 1.0, 1.0, True)
    with pytest.raises(ValueError, match="single-label data only, got MixtureCSRAE on multi-label data"):
        build_m2("MixtureCSRAE", hparams, split.data, LabelSpace(2, True), 4, 1.0, 1.0, True)


def test_killed_run_resumes_to_the_same_weights(tmp_path):
    split = class_split(two_clusters((200, 50, 50)), 10, seed=0)
    run = ssl_spec(epochs=4, pretrain_epochs=1)
    reference = SemiSupervisedTrainer(run.build(split), split, run.run.train, tmp_path / "a", log=lambda *a: None)
    reference.fit()

    killed = SemiSupervisedTrainer(run.build(split), split, run.run.train, tmp_path / "b", log=lambda *a: None)
    original = killed.train_epoch

    def dies_in_epoch_two(weight):
        if killed.run.epoch == 2:
            raise KeyboardInterrupt
        return original(weight)

    killed.train_epoch = dies_in_epoch_two
    with pytest.raises(KeyboardInterrupt):
        killed.fit()
    assert torch.load(tmp_path / "b" / CHECKPOINT, weights_only=True)["epoch"] == 2
    messages = []
    resumed = SemiSupervisedTrainer(run.build(split), split, run.run.train, tmp_path / "b", log=messages.append)
    resumed.fit()
    assert messages[0] == f"resumed from {tmp_path / 'b' / CHECKPOINT} at epoch 2"
    assert messages[-1].startswith("seed 0: epoch 4/4: val_error ")  # progress: epoch, loss, time, ETA
    assert resumed.run.history == reference.run.history
    for key, value in reference.model.state_dict().items():
        torch.testing.assert_close(resumed.model.state_dict()[key], value, rtol=0, atol=0)


def test_pretraining_epochs_use_no_labels(tmp_path):
    split = class_split(two_clusters((200, 50, 50)), 10, seed=0)
    run = ssl_spec(epochs=3, pretrain_epochs=2)
    trainer = SemiSupervisedTrainer(run.build(split), split, run.run.train, tmp_path, log=lambda *a: None)
    trainer.fit()
    classification = [row["train_classification"] for row in trainer.run.history]
    assert classification[:2] == [0.0, 0.0] and classification[2] > 0
    for pretrain_epochs in (3, -1):  # no semi-supervised epoch left, or a negative phase
        with pytest.raises(ValueError, match=rf"trains 3 epoch\(s\).*pretrain_epochs = {pretrain_epochs}: give more"):
            SemiSupervisedConfig(epochs=3, pretrain_epochs=pretrain_epochs)


def test_resnet18_starts_from_given_weights_and_refuses_others(tmp_path):
    from torchvision.models import resnet18

    faces = type("Faces", (), {"name": "faces", "image_shape": (3, 64, 64), "data_dim": 3 * 64 * 64})()
    labels = LabelSpace(5, multi_label=True)
    torch.manual_seed(1)
    reference = resnet18(weights=None)
    torch.save(reference.state_dict(), tmp_path / "resnet18.pt")
    model = build_supervised("ResNet18", faces, labels, tmp_path / "resnet18.pt")
    torch.testing.assert_close(model.net.net.conv1.weight, reference.conv1.weight)
    assert model.classify(torch.rand(2, 3 * 64 * 64)).shape == (2, 5)
    torch.save({"conv1.weight": reference.conv1.weight}, tmp_path / "partial.pt")
    with pytest.raises(ValueError, match="is not a torchvision ResNet18 state dict"):
        build_supervised("ResNet18", faces, labels, tmp_path / "partial.pt")


def test_metrics_record_names_the_run(tmp_path):
    from csrae.semisupervised.training import train_semisupervised

    split = class_split(two_clusters((200, 50, 50)), 10, seed=0)
    record = train_semisupervised(ssl_spec(epochs=2), split, tmp_path / "out", tmp_path / "state", log=lambda *a: None)
    saved = json.loads((tmp_path / "out" / "metrics.json").read_text())
    assert saved == record
    assert (saved["hp"], saved["labels_id"], saved["n_labelled"]) == ("z=4_lambda=1_alpha=10", "n=10", 10)
    assert saved["val_error"] == saved["val_error"] and 0 <= saved["test_error"] <= 100
    assert torch.load(tmp_path / "out" / "model.pt", weights_only=True)["spec"]["labels"] == 10


def test_a_saved_semisupervised_run_loads_back_with_the_library_loader(tmp_path):
    """One run layout and one loader for both studies: ``load_model`` rebuilds an M2 from its split."""
    from csrae.saved import load_model
    from csrae.semisupervised.training import train_semisupervised

    split = class_split(two_clusters((200, 50, 50)), 10, seed=0)
    record = train_semisupervised(ssl_spec(epochs=2), split, tmp_path / "out", tmp_path / "state", log=lambda *a: None)
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["spec"]["labels"] == 10 and summary["best_epoch"] == record["best_epoch"]
    model, loaded = load_model(tmp_path / "out" / "model.pt", split)
    assert isinstance(loaded, SemiSupervisedSpec) and loaded.run.train == ssl_spec(epochs=2).run.train
    x = split.inputs.evaluation("test", np.arange(split.size("test")))
    predicted = split.labels.predict(model.classify(x)).numpy()
    assert error_rate(split.y["test"], predicted) == pytest.approx(record["test_error"])


def test_epoch_batches_cover_every_point_and_never_leave_one_alone():
    from csrae.semisupervised.data import epoch_batches

    indices = np.arange(100, 121)  # 21 points in batches of 10: 10, 11
    batches = epoch_batches(indices, 10, torch.Generator().manual_seed(0))
    assert [len(b) for b in batches] == [10, 11]
    assert sorted(np.concatenate(batches).tolist()) == indices.tolist()


def test_command_line_trains_on_faces_and_a_rerun_resumes(tmp_path, capsys):
    from csrae.cli import main
    from tests.fixtures import write_faces

    write_faces(tmp_path / "disfa", "disfa", subjects=3, frames=6)
    command = [
        "train-semisupervised", "--data", str(tmp_path / "disfa"), "--faces", "disfa", "--model", "MixtureCSRAE",
        "--hp", "lambda=1", "--hp", "K=3", "--hp", "prior=vamp", "--hp", "alpha=10", "--labels", "0.5",
        "--fold", "1", "--latent-dim", "8", "--epochs", "2", "--pretrain-epochs", "1", "--batch-size", "6",
        "--out", str(tmp_path / "run"),
    ]  # fmt: skip
    main(command)
    first = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert (first["fold"], first["n_labelled"], first["labels_id"]) == (1, 6, "p=0.5")  # half of 11, rounded
    assert {f"test_f1_AU{au}" for au in (1, 2, 4, 6, 9, 12, 25, 26)} <= set(first)
    capsys.readouterr()
    main(command)  # a finished run is read back
    assert capsys.readouterr().out.startswith(f"cached {first['key']}")
    (tmp_path / "run" / "metrics.json").unlink()  # as if killed before its metrics: resumed from the checkpoint
    main(command)
    assert "resumed from" in capsys.readouterr().out
    again = json.loads((tmp_path / "run" / "metrics.json").read_text())
    del again["provenance"], first["provenance"]
    assert again == first
