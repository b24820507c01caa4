"""Pareto front, selection on the validation criterion, and tables over seeds."""

import numpy as np
import pytest

from csrae.selection import mean_and_standard_error, pareto_front, results_table, select, to_markdown


def test_pareto_front():
    reg = np.array([1.0, 2.0, 3.0, 2.5, 1.0])
    re = np.array([5.0, 3.0, 1.0, 3.5, 6.0])
    assert pareto_front(reg, re).tolist() == [True, True, True, False, False]


def record(hp, seed, re, reg, fid):
    return {"hp": hp, "seed": seed, "val_re": re, "val_reg": reg, "val_criterion": re + reg, "fid": fid}


def test_select_minimises_the_seed_mean_of_re_plus_regulariser():
    records = [
        record("lambda=1", 0, 10.0, 1.0, 5.0),
        record("lambda=1", 1, 12.0, 1.0, 7.0),  # mean criterion 12
        record("lambda=2", 0, 10.5, 0.5, 4.0),
        record("lambda=2", 1, 11.5, 0.5, 6.0),  # mean criterion 11.5: selected
        record("lambda=5", 0, 14.0, 0.1, 9.0),
        record("lambda=5", 1, 14.0, 0.1, 9.0),  # worse criterion, on the front (lowest reg)
    ]
    best, summary = select(records)
    assert best == "lambda=2"
    assert summary["hp"].tolist() == ["lambda=2", "lambda=1", "lambda=5"]
    assert summary.set_index("hp").loc["lambda=2", "fid"] == 5.0
    assert summary["pareto"].tolist() == [True, False, True]
    assert summary["n_seeds"].tolist() == [2, 2, 2]


def test_mean_and_standard_error():
    assert mean_and_standard_error([1.0, 2.0, 3.0]) == pytest.approx((2.0, 1.0 / np.sqrt(3)))
    mean, se = mean_and_standard_error([4.0])
    assert mean == 4.0 and np.isnan(se)


def test_results_table_and_markdown():
    selected = [
        {"dataset": "mnist5k", "model": "CSRAE", "hp": "lambda=2", "runs": [
            {"fid": 4.0, "fid_samples": 500}, {"fid": 6.0, "fid_samples": 500}]},
    ]  # fmt: skip
    table = results_table(selected, ["fid", "absent"], ["fid_samples"])
    assert table.iloc[0]["fid_mean"] == 5.0 and table.iloc[0]["fid_se"] == pytest.approx(1.0)
    assert "absent_mean" not in table
    markdown = to_markdown(table, ["fid", "absent"])
    assert markdown.splitlines()[0] == "| dataset | model | hp | fid | n_seeds | fid_samples |"
    assert "| mnist5k | CSRAE | lambda=2 | 5.00 ± 1.00 | 2 | 500 |" in markdown
