"""Pareto front, per-structure selection on validation criteria, and tables over seeds."""

import numpy as np
import pytest

from csrae.selection import diverged_table, mean_and_standard_error, pareto_front, results_table, select, to_markdown


def test_pareto_front():
    reg = np.array([1.0, 2.0, 3.0, 2.5, 1.0])
    re = np.array([5.0, 3.0, 1.0, 3.5, 6.0])
    assert pareto_front(reg, re).tolist() == [True, True, True, False, False]


def record(hp, seed, re, reg, fid, knn=0.0, model="CSRAE"):
    return {
        "model": model,
        "hp": hp,
        "seed": seed,
        "val_re": re,
        "val_reg": reg,
        "val_criterion": re + reg,
        "val_knn_error": knn,
        "fid": fid,
    }


DIVERGED = {"epoch": 212, "phase": "train", "step": 4, "weight": 0.1, "terms": {"loss": float("nan")}}


def test_diverged_runs_are_left_out_of_selection_and_listed():
    records = [
        record("z=40_lambda=0.1", 0, 1.0, 1.0, 1.0) | {"diverged": DIVERGED},  # would be best
        record("z=40_lambda=0.1", 1, 20.0, 1.0, 5.0),
        record("z=40_lambda=1", 0, 10.0, 1.0, 5.0),
        record("z=40_lambda=1", 1, 12.0, 1.0, 7.0),
    ]
    records += [
        {"model": "CSRAE", "hp": "z=40_lambda=50", "seed": s, "diverged": DIVERGED | {"epoch": 0}} for s in (0, 1)
    ]
    best, summary = select(records)
    assert best == {"z=40": "z=40_lambda=1"}  # λ = 0.1 is judged on seed 1 alone: criterion 21
    rows = summary.set_index("hp")
    assert rows.loc["z=40_lambda=0.1", "val_criterion"] == 21.0 and rows.loc["z=40_lambda=0.1", "n_seeds"] == 1
    assert (
        rows.loc["z=40_lambda=0.1", "diverged"] == "seed 0: diverged at epoch 212 (train step 4: loss=nan; weight 0.1)"
    )
    assert rows.loc["z=40_lambda=50", "n_seeds"] == 0 and rows.loc["z=40_lambda=50", "n_diverged"] == 2
    assert not rows.loc["z=40_lambda=50", "selected"] and not rows.loc["z=40_lambda=50", "pareto"]
    assert summary["hp"].iloc[-1] == "z=40_lambda=50"  # listed, last
    table = diverged_table({"generative/mnist/CSRAE": summary})
    assert table[["hp", "n_diverged", "n_finite"]].values.tolist() == [
        ["z=40_lambda=0.1", 1, 1],
        ["z=40_lambda=50", 2, 0],
    ]


def test_select_minimises_the_seed_mean_of_re_plus_regulariser():
    records = [
        record("z=40_lambda=1", 0, 10.0, 1.0, 5.0),
        record("z=40_lambda=1", 1, 12.0, 1.0, 7.0),  # mean criterion 12
        record("z=40_lambda=2", 0, 10.5, 0.5, 4.0),
        record("z=40_lambda=2", 1, 11.5, 0.5, 6.0),  # mean criterion 11.5: selected
        record("z=40_lambda=5", 0, 14.0, 0.1, 9.0),
        record("z=40_lambda=5", 1, 14.0, 0.1, 9.0),  # worse criterion, on the front (lowest reg)
    ]
    best, summary = select(records)
    assert best == {"z=40": "z=40_lambda=2"}
    assert summary["hp"].tolist() == ["z=40_lambda=2", "z=40_lambda=1", "z=40_lambda=5"]
    assert summary.set_index("hp").loc["z=40_lambda=2", "fid"] == 5.0
    assert summary["pareto"].tolist() == [True, False, True]
    assert summary["selected"].tolist() == [True, False, False]
    assert summary["n_seeds"].tolist() == [2, 2, 2]


def test_one_selection_per_latent_dimension_and_K_over_the_weight_only():
    m = "MixtureCSRAE"
    records = [
        record("z=40_lambda=1_K=10_prior=mog", 0, 10.0, 1.0, 5.0, knn=9.0, model=m),
        record("z=40_lambda=2_K=10_prior=mog", 0, 9.0, 1.0, 5.0, knn=8.0, model=m),
        record("z=40_lambda=1_K=100_prior=mog", 0, 8.0, 1.0, 5.0, knn=7.0, model=m),
        record("z=40_lambda=2_K=100_prior=mog", 0, 8.5, 1.0, 5.0, knn=3.0, model=m),
        record("z=128_lambda=1_K=10_prior=mog", 0, 20.0, 1.0, 5.0, knn=1.0, model=m),
    ]
    best, _ = select(records)
    assert best == {
        "z=40_K=10_prior=mog": "z=40_lambda=2_K=10_prior=mog",
        "z=40_K=100_prior=mog": "z=40_lambda=1_K=100_prior=mog",
        "z=128_K=10_prior=mog": "z=128_lambda=1_K=10_prior=mog",
    }
    best_knn, _ = select(records, "val_knn_error")
    assert best_knn["z=40_K=100_prior=mog"] == "z=40_lambda=2_K=100_prior=mog"
    with pytest.raises(ValueError, match="no 'val_nothing' metric"):
        select(records, "val_nothing")


def test_mean_and_standard_error():
    assert mean_and_standard_error([1.0, 2.0, 3.0]) == pytest.approx((2.0, 1.0 / np.sqrt(3)))
    mean, se = mean_and_standard_error([4.0])
    assert mean == 4.0 and np.isnan(se)


def test_results_table_and_markdown_name_the_code_that_produced_each_row():
    code = {"csrae": "0.1.0", "git_commit": "1a2b3c4d5e6f", "git_dirty": False}
    selections = [
        {"dataset": "mnist5k", "model": "CSRAE", "selected": [
            {"structure": "z=40", "hp": "z=40_lambda=2", "runs": [
                {"fid": 4.0, "fid_samples": 500, "provenance": code, "trained_with": code | {"git_dirty": True}},
                {"fid": 6.0, "fid_samples": 500, "provenance": code, "trained_with": code}]}]},
    ]  # fmt: skip
    table = results_table(selections, ["fid", "absent"], ["fid_samples"])
    assert table.iloc[0]["fid_mean"] == 5.0 and table.iloc[0]["fid_se"] == pytest.approx(1.0)
    assert "absent_mean" not in table
    markdown = to_markdown(table, ["fid", "absent"])
    assert markdown.splitlines()[0] == "| dataset | model | hp | fid | n_seeds | fid_samples | code |"
    code_cell = "csrae 0.1.0 (1a2b3c4, uncommitted changes); csrae 0.1.0 (1a2b3c4)"
    assert f"| mnist5k | CSRAE | z=40_lambda=2 | 5.00 ± 1.00 | 2 | 500 | {code_cell} |" in markdown


def test_a_table_is_written_as_csv_and_as_an_html_page(tmp_path):
    import pandas as pd

    from csrae.io import write_table

    frame = pd.DataFrame({"model": ["VAE", "CSRAE <b>"], "fid": [12.345, np.nan]})
    write_table(frame, tmp_path / "t.csv", tmp_path / "t.html", "Table I & co", float_format="%.2f")
    assert (tmp_path / "t.csv").read_text() == "model,fid\nVAE,12.35\nCSRAE <b>,\n"
    page = (tmp_path / "t.html").read_text()
    assert "<h3>Table I &amp; co</h3>" in page and page.count("<tr") == 3  # header and two rows
    assert "<td>12.35</td>" in page and "CSRAE &lt;b&gt;" in page
    write_table(frame.iloc[:0], tmp_path / "e.csv", tmp_path / "e.html", "none", empty="No run diverged.")
    assert "<p>No run diverged.</p>" in (tmp_path / "e.html").read_text()
