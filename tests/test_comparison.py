"""The paper comparison: the paper's cells as data, and our tables set beside them."""

import pandas as pd
import pytest

from csrae.comparison import compare, improvements, our_cells, paper_cells, rankings, to_markdown


def test_the_papers_tables_are_there_cell_by_cell():
    paper = paper_cells()
    assert paper.groupby("table").size().to_dict() == {"I": 54, "II": 48, "III(a)": 12}  # CIFAR10 lacks one IWAE
    cell = paper.set_index(["table", "row", "column"])
    assert tuple(cell.loc[("I", "CSRAE (z=40)", "Dynamic MNIST"), ["mean", "se"]]) == (7.88, 0.02)
    assert cell.loc[("I", "MixtureCSRAE (z=40, k=100)", "Caltech101"), "mean"] == 16.33
    assert cell.loc[("II", "MixtureCSRAE (z=20, k=400)", "Dynamic MNIST k=3"), "mean"] == 2.98
    assert cell.loc[("III(a)", "MixtureCSRAE", "n=4000"), "mean"] == 2.75
    # Sec. 4.4: "without exception MixtureCSRAE outperforms all models" on latent samples
    table2 = paper[paper["table"] == "II"]
    best = table2.loc[table2.groupby("column")["mean"].idxmin(), "model"]
    assert set(best) == {"MixtureCSRAE"}


def tables():
    domain = "domain classifier (penultimate layer)"
    table1 = pd.DataFrame([
        {"dataset": "mnist5k", "model": "VAE", "hp": "z=40_beta=1", "n_seeds": 2, "fid_mean": 30.0, "fid_se": 1.0},
        {"dataset": "mnist5k", "model": "CSRAE", "hp": "z=40_lambda=1", "n_seeds": 2, "fid_mean": 25.0, "fid_se": 1.0},
        {"dataset": "mnist5k", "model": "MixtureCSRAE", "hp": "z=40_lambda=1_K=10_prior=mog", "n_seeds": 2,
         "fid_mean": 35.0, "fid_se": 2.0},
        {"dataset": "omniglot", "model": "VAE", "hp": "z=40_beta=1", "n_seeds": 2, "fid_mean": 5.0, "fid_se": 0.1,
         "fid_inception_mean": 9.5, "fid_inception_se": 0.2, "fid_inception_features": "Inception-v3 (x weights)"},
        {"dataset": "pinwheel", "model": "VAE", "hp": "z=2_beta=1", "n_seeds": 2, "fid_mean": 0.5, "fid_se": 0.0,
         "fid_features": "raw data"},
    ])  # fmt: skip
    table1["fid_features"] = table1["fid_features"].fillna(domain)
    table1["fid_samples"] = 500
    table2 = pd.DataFrame([
        {"dataset": "mnist5k", "model": m, "hp": hp, "n_seeds": 2, **{f"knn_error_k{k}_{s}": v for k in (3, 5, 10)
         for s, v in (("mean", e), ("se", 0.1))}}
        for m, hp, e in (("VAE", "z=40_beta=1", 12.0), ("MixtureCSRAE", "z=40_lambda=1_K=10_prior=vamp", 9.0))
    ])  # fmt: skip
    table3 = pd.DataFrame([
        {"part": "a", "dataset": "mnist5k", "model": m, "labels": "n=100", "test_mean": e, "test_se": 0.5, "n_runs": 2}
        for m, e in (("VAE", 24.0), ("CSRAE", 23.0))
    ])  # fmt: skip
    return table1, table2, table3


def test_our_cells_meet_the_closest_paper_cells_and_say_how_they_differ():
    meta = {"mnist5k": {"sizes": {"train": 4000, "val": 500, "test": 500}}}
    epochs = {"I": {"mnist5k": 40, "omniglot": 400}, "II": {"mnist5k": 40}, "III(a)": {"mnist5k": 10}}
    comparison = compare(our_cells(*tables()), meta, epochs).set_index(["table", "dataset", "model", "scale"])
    domain = "FID on the domain classifier (penultimate layer), 500 samples"
    vae = comparison.loc[("I", "mnist5k", "VAE", domain)]
    assert (vae["paper_row"], vae["paper_column"], vae["paper_mean"]) == ("VAE (z=40)", "Dynamic MNIST", 10.99)
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
    assert (ssl["paper_column"], ssl["paper_mean"]) == ("n=250", 4.69)
    assert not any(comparison.index.get_level_values("dataset") == "pinwheel")  # no paper cell


def test_rankings_and_improvements_are_compared_on_each_sides_own_scale():
    comparison = compare(our_cells(*tables()), {}, {})
    ranks = rankings(comparison).set_index(["table", "paper_dataset", "metric"])
    fid = ranks.loc[("I", "dynamic_mnist", "fid")]
    assert fid["ours"] == "CSRAE < VAE < MixtureCSRAE"
    assert fid["paper"] == "MixtureCSRAE < CSRAE < VAE" and not fid["agree"]
    gains = improvements(comparison).set_index(["table", "metric", "model"])
    csrae = gains.loc[("I", "fid", "CSRAE")]
    assert csrae["ours_gain"] == pytest.approx(100 * 5 / 30)
    assert csrae["paper_gain"] == pytest.approx(100 * (10.99 - 7.88) / 10.99) and csrae["direction"] == "agrees"
    assert gains.loc[("I", "fid", "MixtureCSRAE"), "direction"] == "DISAGREES"
    assert gains.loc[("II", "knn_error_k3", "MixtureCSRAE"), "paper_gain"] == pytest.approx(100 * (7.04 - 2.98) / 7.04)
    markdown = to_markdown(comparison, rankings(comparison), improvements(comparison))
    assert "| I | VAE (z=40), Dynamic MNIST | mnist5k VAE z=40: 30.00 ± 1.00 | 10.99 ± 0.01 |" in markdown
    assert "| -16.7 % | +28.9 % | DISAGREES |" in markdown
    assert comparison[comparison["table"] == "II"]["paper_se"].isna().all()  # Table II gives no errors


def test_a_run_with_no_paper_dataset_gets_empty_tables_not_an_error():
    table1, table2 = (table[table["dataset"] == "pinwheel"] for table in tables()[:2])
    comparison = compare(our_cells(table1, table2, None), {}, {})
    assert comparison.empty and "paper_mean" in comparison
    assert rankings(comparison).empty and improvements(comparison).empty
    assert "## Rankings (best first)" in to_markdown(comparison, rankings(comparison), improvements(comparison))
