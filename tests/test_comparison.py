"""The paper comparison: the paper's cells as data, and our tables set beside them."""

import itertools

import numpy as np
import pytest

from csrae.comparison import compare, gains, our_cells, paper_cells, rankings, verdicts
from csrae.comparison_report import to_markdown
from csrae.decisions import ALPHA, Schedule, look
from csrae.paired import paired_improvement, verdict


def improvements(comparison):
    """The gains decided in their families at one look, with their verdicts."""
    return verdicts(look(gains(comparison), None, 1, Schedule.single(16)))


def alone(ours) -> bool:
    """A difference decided in a family of its own: Holm at α is the t test at α, and beyond the margin."""
    return ours.p <= ALPHA and abs(ours.difference.mean) > ours.margin


def test_the_papers_tables_are_there_cell_by_cell():
    paper = paper_cells()
    sizes = {"I": 54, "II": 48, "III(a)": 12, "III(b)": 6, "III(c)": 6, "VII": 54, "VIII": 36}  # CIFAR10 lacks an IWAE
    assert paper.groupby("table").size().to_dict() == sizes
    cell = paper.set_index(["table", "row", "column"])
    assert tuple(cell.loc[("I", "CSRAE (z=40)", "Dynamic MNIST"), ["mean", "se"]]) == (7.88, 0.02)
    assert cell.loc[("I", "MixtureCSRAE (z=40, k=100)", "Caltech101"), "mean"] == 16.33
    assert cell.loc[("II", "MixtureCSRAE (z=20, k=400)", "Dynamic MNIST k=3"), "mean"] == 2.98
    assert cell.loc[("III(a)", "MixtureCSRAE", "n=4000"), "mean"] == 2.75
    # Sec. 4.4: "without exception MixtureCSRAE outperforms all models" on latent samples
    table2 = paper[paper["table"] == "II"]
    best = table2.loc[table2.groupby("column")["mean"].idxmin(), "model"]
    assert set(best) == {"MixtureCSRAE"}


def test_the_papers_face_tables_are_transcribed_with_their_contradictions_noted():
    paper = paper_cells().set_index(["table", "row", "column"])
    assert paper.loc[("III(b)", "MixtureCSRAE", "p=0.10"), "mean"] == 25.35
    assert paper.loc[("III(b)", "MixtureCSRAE", "p=0.10"), "note"] == "Table VII gives 25.21 for this average"
    assert paper.loc[("VII", "Avg.", "MixtureCSRAE p=0.1"), "mean"] == 25.21
    assert paper.loc[("III(c)", "VampPriorVAE", "p=0.25"), "note"] == "Table VIII gives 23.07 for this average"
    assert paper.loc[("VIII", "AU10", "MixtureCSRAE p=0.1"), "mean"] == 60.46
    assert paper.loc[("VIII", "Avg.", "CNN"), "note"] == "the mean of the column's action units is 58.88"
    assert np.isnan(paper.loc[("III(b)", "VampPriorVAE", "p=0.25"), "note"])  # consistent: no note
    units = paper.xs("VII")[paper.xs("VII")["metric"].str.startswith("f1_AU")]
    assert sorted(units["metric"].unique()) == sorted(f"f1_AU{au}" for au in (1, 2, 4, 6, 9, 12, 25, 26))


def runs(values, **record):
    """Per-seed records of one selected setting."""
    return [record | {"seed": seed, **{k: v[seed] for k, v in values.items()}} for seed in range(len(values["x"]))]


def selection(dataset, model, hp, **metrics):
    n = len(next(iter(metrics.values())))
    per_seed = [{"seed": s} | {k: v[s] for k, v in metrics.items()} for s in range(n)]
    labels = {"fid_features": "domain classifier (penultimate layer)", "fid_samples": 500}
    if dataset == "pinwheel":
        labels["fid_features"] = "raw data"
    return {"dataset": dataset, "model": model, "selected": [{"hp": hp, "runs": [r | labels for r in per_seed]}]}


def studies():
    """Selections of a two-seed mnist5k run (and omniglot with an Inception FID, pinwheel), and a
    semi-supervised study on mnist5k."""
    generative = [
        selection("mnist5k", "VAE", "z=40_beta=1", fid=[29.0, 31.0]),
        selection("mnist5k", "CSRAE", "z=40_lambda=1", fid=[24.0, 26.0]),
        selection("mnist5k", "MixtureCSRAE", "z=40_lambda=1_K=10_prior=mog", fid=[33.0, 37.0]),
        selection("omniglot", "VAE", "z=40_beta=1", fid=[4.9, 5.1], fid_inception=[9.3, 9.7]),
        selection("pinwheel", "VAE", "z=2_beta=1", fid=[0.5, 0.5]),
    ]
    generative[3]["selected"][0]["runs"] = [
        r | {"fid_inception_features": "Inception-v3 (x weights)"} for r in generative[3]["selected"][0]["runs"]
    ]
    knn = [
        selection("mnist5k", m, hp, **{f"knn_error_k{k}": [e - 0.1, e + 0.1] for k in (3, 5, 10)})
        for m, hp, e in (("VAE", "z=40_beta=1", 12.0), ("MixtureCSRAE", "z=40_lambda=1_K=10_prior=vamp", 9.0))
    ]
    ssl = [
        [{"dataset": "mnist5k", "model": m, "labels_id": "n=100", "seed": s, "fold": 0, "test_error": e + d}
         for s, d in enumerate((-0.5, 0.5))]
        for m, e in (("VAE", 24.0), ("CSRAE", 23.0))
    ]  # fmt: skip
    return generative, knn, ssl


def test_our_cells_meet_the_closest_paper_cells_and_say_how_they_differ():
    meta = {"mnist5k": {"sizes": {"train": 4000, "val": 500, "test": 500}}}
    epochs = {"I": {"mnist5k": 40, "omniglot": 400}, "II": {"mnist5k": 40}, "III(a)": {"mnist5k": 10}}
    comparison = compare(our_cells(*studies()), meta, epochs).set_index(["table", "dataset", "model", "scale"])
    domain = "FID on the domain classifier (penultimate layer), 500 samples"
    vae = comparison.loc[("I", "mnist5k", "VAE", domain)]
    assert (vae["paper_row"], vae["paper_column"], vae["paper_mean"]) == ("VAE (z=40)", "Dynamic MNIST", 10.99)
    assert (vae["ours_mean"], vae["ours_se"], vae["n"], vae["values"]) == (30.0, 1.0, 2, {"seed0": 29.0, "seed1": 31.0})
    assert not vae["comparable"]
    assert vae["notes"] == (
        "mnist5k is not a paper dataset: compared with dynamic_mnist; not comparable: "
        f"{domain} vs the paper's Inception FID; splits 4000/500/500 vs 45000/5000/10000; 40 epochs vs 400"
    )
    mixture = comparison.loc[("I", "mnist5k", "MixtureCSRAE", domain)]
    assert mixture["paper_row"] == "MixtureCSRAE (z=40, k=10)"  # the paper's rows name no prior
    inception = comparison.loc[("I", "omniglot", "VAE", "Inception FID, 500 samples (Inception-v3 (x weights))")]
    assert inception["comparable"] and inception["notes"] == "" and inception["paper_mean"] == 9.09
    assert ("I", "omniglot", "VAE", domain) in comparison.index  # the domain FID stays, marked
    knn = comparison.loc[("II", "mnist5k", "MixtureCSRAE", "kNN error %")]
    assert set(knn["paper_structure"]) == {"z=20_K=400"}  # closest: z=20, K=400
    assert "closest paper structure z=20_K=400" in knn["notes"].iloc[0]
    ssl = comparison.loc[("III(a)", "mnist5k", "CSRAE", "test error %")]
    assert (ssl["paper_column"], ssl["paper_mean"], ssl["values"]) == (
        "n=250",
        4.69,
        {"seed0 fold0": 22.5, "seed1 fold0": 23.5},
    )
    assert not any(comparison.index.get_level_values("dataset") == "pinwheel")  # no paper cell


def test_any_knn_k_reaches_the_comparison_and_only_the_papers_k_are_compared():
    generative, knn, ssl = studies()
    for choice in (s["selected"][0] for s in knn):
        choice["runs"] = [{"seed": r["seed"], "knn_error_k1": 8.0, "knn_error_k7": 9.0, "knn_error_k3": 9.5}
                          for r in choice["runs"]]  # fmt: skip
    comparison = compare(our_cells(generative, knn, ssl), {}, {})
    assert set(comparison[comparison["table"] == "II"]["metric"]) == {"knn_error_k3"}


def test_rankings_and_improvements_are_compared_on_each_sides_own_scale_run_by_run():
    comparison = compare(our_cells(*studies()), {}, {})
    ranks = rankings(comparison, ALPHA).set_index(["table", "paper_dataset", "metric"])
    fid = ranks.loc[("I", "dynamic_mnist", "fid")]
    # CSRAE is better than the VAE in both seeds by 5 (interval [5, 5]); MixtureCSRAE worse by 2 and 6
    assert fid["ours"] == "CSRAE < VAE = MixtureCSRAE"
    # no pair is ordered opposite ways by both sides (two seeds cannot tell CSRAE from MixtureCSRAE)
    assert fid["paper"] == "MixtureCSRAE < CSRAE < VAE" and fid["agree"] == "inconclusive"
    found = improvements(comparison).set_index(["table", "metric", "model"])
    csrae = found.loc[("I", "fid", "CSRAE")]
    assert (csrae["n"], csrae["mean"], csrae["low"], csrae["family"]) == (2, 5.0, 5.0, "Table I dynamic_mnist")
    assert csrae["gain"] == pytest.approx(100 * np.mean([5 / 29, 5 / 31]))
    assert csrae["paper_gain"] == pytest.approx(100 * (10.99 - 7.88) / 10.99) and csrae["verdict"] == "agrees"
    mixture = found.loc[("I", "fid", "MixtureCSRAE")]
    assert mixture["mean"] == -5.0 and mixture["verdict"] == "inconclusive"  # [-17.7, 7.7] covers 0
    assert found.loc[("II", "knn_error_k3", "MixtureCSRAE"), "paper_gain"] == pytest.approx(100 * (7.04 - 2.98) / 7.04)
    markdown = to_markdown(comparison, rankings(comparison, ALPHA), improvements(comparison), 16)
    assert "| I | VAE (z=40), Dynamic MNIST | mnist5k VAE z=40: 30.00 ± 1.00 | 10.99 ± 0.01 |" in markdown
    assert "| CSRAE vs VAE (2 pairs): +5.00 [+5.00, +5.00] |" in markdown and "| agrees |" in markdown
    assert "decided in its family (Holm's step-down at a family-wise 5 %" in markdown
    assert markdown.startswith("## Findings") and "- CSRAE gives a lower FID" in markdown
    assert comparison[comparison["table"] == "II"]["paper_se"].isna().all()  # Table II gives no errors


def test_a_diverged_seed_leaves_its_pair_out_and_says_so():
    generative, knn, ssl = studies()
    generative[1]["selected"][0]["runs"].pop(1)  # CSRAE's seed 1 diverged: not among the selected runs
    found = improvements(compare(our_cells(generative, knn, ssl), {}, {})).set_index(["table", "metric", "model"])
    csrae = found.loc[("I", "fid", "CSRAE")]
    assert (csrae["n"], csrae["left_out"], csrae["verdict"]) == (1, "seed1", "inconclusive")


def five_seeds(effect: float, seed: int = 0):
    """A reference model's and another's metric over five seeds: shared seed noise plus each its own."""
    rng = np.random.default_rng(seed)
    shared = rng.normal(0, 2.0, 5)
    reference = 30 + shared + rng.normal(0, 0.5, 5)
    return reference, reference - effect + rng.normal(0, 0.5, 5)


CASES = [(4.0, 3.0, "agrees"), (4.0, -3.0, "disagrees"), (-4.0, 3.0, "disagrees"), (0.2, 3.0, "inconclusive")]


@pytest.mark.parametrize("effect,paper,expected", CASES)
def test_a_five_seed_case_gets_the_verdict_of_its_effect(effect, paper, expected):
    reference, other = five_seeds(effect)
    ours = paired_improvement(dict(enumerate(reference)), dict(enumerate(other)), "fid")
    assert verdict(alone(ours), ours.difference.mean, paper, paper_uncertain=False) == expected
    assert verdict(alone(ours), ours.difference.mean, paper, paper_uncertain=True) == "inconclusive"


@pytest.mark.parametrize("effect", [4.0, 1.5, 0.8, -1.5])
def test_no_perturbation_of_the_seeds_by_their_standard_error_flips_agrees_and_disagrees(effect):
    """Every seed's metric moved by + or − its model's standard error (all 2^10 combinations): verdicts
    may move to or from inconclusive, never from agrees to disagrees or back."""
    reference, other = five_seeds(effect, seed=1)
    se = [values.std(ddof=1) / np.sqrt(5) for values in (reference, other)]
    seen = set()
    for signs in itertools.product((-1, 1), repeat=10):
        a = reference + se[0] * np.array(signs[:5])
        b = other + se[1] * np.array(signs[5:])
        ours = paired_improvement(dict(enumerate(a)), dict(enumerate(b)), "fid")
        seen.add(verdict(alone(ours), ours.difference.mean, 3.0, False))
    assert not {"agrees", "disagrees"} <= seen, seen


def test_f1_is_better_higher_in_rankings_and_gains():
    """Faces: MixtureCSRAE against VampPriorVAE, the paper's reference there; F1 is better higher."""
    ssl = [
        [{"dataset": "disfa", "model": m, "labels_id": "p=0.1", "seed": s, "fold": f, "test_f1": v + s + f,
          "test_f1_AU1": 1.0 + s, "test_f1_AU2": 2.0 + f} for s in range(2) for f in range(3)]
        for m, v in (("VampPriorVAE", 20.0), ("MixtureCSRAE", 26.0))
    ]  # fmt: skip
    comparison = compare(our_cells([], [], ssl), {}, {"III(b)": {"disfa": 10}})
    assert set(comparison["table"]) == {"III(b)", "VII"}
    ranks = rankings(comparison, ALPHA).set_index(["table", "metric"])
    assert ranks.loc[("III(b)", "f1"), "ours"] == "MixtureCSRAE < VampPriorVAE"  # best first
    assert ranks.loc[("III(b)", "f1"), "paper"] == "MixtureCSRAE < VampPriorVAE"  # 25.35 > 22.13
    assert ranks.loc[("III(b)", "f1"), "agree"] == "agrees"
    found = improvements(comparison).set_index(["table", "metric", "model"])
    mixture = found.loc[("III(b)", "f1", "MixtureCSRAE")]
    assert (mixture["reference"], mixture["n"], mixture["mean"]) == ("VampPriorVAE", 6, 6.0)
    assert mixture["paper_difference"] == pytest.approx(25.35 - 22.13) and mixture["verdict"] == "agrees"
    assert "Table VII gives 25.21" in comparison.set_index(["table", "metric"]).loc[("III(b)", "f1"), "notes"].iloc[1]


def test_a_run_with_no_paper_dataset_gets_empty_tables_not_an_error():
    generative, _, _ = studies()
    comparison = compare(our_cells(generative[-1:], [], []), {}, {})
    assert comparison.empty and "paper_mean" in comparison
    assert rankings(comparison, ALPHA).empty and improvements(comparison).empty
    markdown = to_markdown(comparison, rankings(comparison, ALPHA), improvements(comparison), 16)
    assert "## Rankings (best first)" in markdown and "No effect to decide" in markdown


def test_a_reference_value_of_zero_has_no_relative_gain_but_a_difference():
    ours = paired_improvement({"seed0": 0.0, "seed1": 10.0}, {"seed0": 5.0, "seed1": 15.0}, "f1")
    assert ours.difference.mean == 5.0 and ours.gain.n == 1 and ours.gain.mean == 50.0
