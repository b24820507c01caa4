"""The divergence × prior ablation from selection records, and the metric registry it reads."""

import numpy as np
import pytest
from scipy import stats

from csrae.ablation import cells, effects, to_markdown
from csrae.decisions import Schedule, look
from csrae.metrics.registry import higher_is_better, metric, table_columns

FID = {"VAE": [30.0, 34.0, 31.0], "CSRAE": [20.0, 25.0, 24.0], "MixtureVAE": [12.0, 14.0, 11.0],
       "MixtureCSRAE": [10.0, 15.0, 9.0], "IWAE": [29.0, 33.0, 30.0]}  # fmt: skip
SETTINGS = {"VAE": "z=4_beta=1", "CSRAE": "z=4_lambda=2", "MixtureVAE": "z=4_beta=1_K=10_prior=mog",
            "MixtureCSRAE": "z=4_lambda=1_K=10_prior=mog", "IWAE": "z=4_beta=1_n_iw=5"}  # fmt: skip


def selection(model: str) -> dict:
    runs = [{"seed": s, "fid": f, "test_ll": -100.0 - f} for s, f in enumerate(FID[model])]
    return {"dataset": "mnist5k", "model": model, "selected": [{"hp": SETTINGS[model], "runs": runs}]}


def test_cells_place_each_selected_setting_by_divergence_and_prior():
    table = cells({"generative": [selection(m) for m in FID], "knn": []}, knn_k=[3, 5])
    fid = table[table["metric"] == "fid"].set_index("model")
    assert "IWAE" not in fid.index  # another objective
    assert fid.loc["MixtureVAE", ["divergence", "prior", "K", "z"]].tolist() == ["KL", "mog", 10, 4]
    assert fid.loc["CSRAE", "mean"] == pytest.approx(23.0)
    assert fid.loc["CSRAE", "se"] == pytest.approx(np.std([20, 25, 24], ddof=1) / np.sqrt(3))
    assert set(table["metric"]) == {"fid", "test_ll"}


def test_effects_hold_one_factor_and_pair_the_runs_by_seed():
    table = cells({"generative": [selection(m) for m in FID], "knn": []}, knn_k=[3])
    found = look(effects(table), None, 1, Schedule.single(16)).set_index(["metric", "factor", "held", "other"])
    divergence_at_mog = found.loc[("fid", "divergence", "prior MoG", "MixtureCSRAE (z=4_lambda=1_K=10_prior=mog)")]
    differences = np.subtract(FID["MixtureVAE"], FID["MixtureCSRAE"])  # FID: lower is better
    half = stats.t.ppf(0.975, 2) * differences.std(ddof=1) / np.sqrt(3)
    assert divergence_at_mog["mean"] == pytest.approx(differences.mean())
    assert divergence_at_mog["interval"] == f"{differences.mean():+.2f} [{differences.mean() - half:+.2f}, " + (
        f"{differences.mean() + half:+.2f}]"
    )
    prior_at_kl = found.loc[("test_ll", "prior", "divergence KL", "MixtureVAE (z=4_beta=1_K=10_prior=mog)")]
    assert prior_at_kl["mean"] == pytest.approx(np.mean(np.subtract(FID["VAE"], FID["MixtureVAE"])))
    # 19 ± 1.5 nats over 3 seeds: p = 0.002, Holm-adjusted over the family's 8 effects 0.016, beyond both errors
    assert bool(prior_at_kl["decided"]) and prior_at_kl["p_holm"] < 0.05 and prior_at_kl["family"] == "ablation mnist5k"
    assert len(found) == 8  # 2 metrics × (CS at N(0, I), CS at MoG, MoG at KL, MoG at CS)
    markdown = to_markdown(table, found.reset_index(), 16)
    assert "| KL | 31.67 ± 1.20 (VAE z=4_beta=1) | 12.33 ± 0.88 (MixtureVAE z=4_beta=1_K=10_prior=mog) |" in markdown
    assert (
        "under KL, the MoG prior (MixtureVAE) gives a higher test log-likelihood (nats) than N(0, I) (VAE) by"
        in markdown
    )


def test_a_run_missing_on_one_side_leaves_its_pair_out():
    diverged = selection("CSRAE")
    del diverged["selected"][0]["runs"][1]  # seed 1 diverged: not in the selection's runs
    table = cells({"generative": [selection("VAE"), diverged], "knn": []}, knn_k=[3])
    row = effects(table).iloc[0]
    assert row["n"] == 2 and row["left_out"] == "seed1"


def test_metrics_know_their_direction_and_columns():
    assert not higher_is_better("fid") and not higher_is_better("knn_error_k7") and not higher_is_better("test_error")
    assert higher_is_better("test_ll") and higher_is_better("f1") and higher_is_better("f1_AU12")
    assert metric("knn_error_k1").label == "kNN error (%)"
    assert table_columns("II", [1, 7]) == ["knn_error_k1", "knn_error_k7"]
    assert table_columns("I") == ["fid", "fid_inception", "test_ll"]
    with pytest.raises(ValueError, match="unknown metric column 'bleu'"):
        metric("bleu")
