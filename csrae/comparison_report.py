"""The paper comparison as Markdown: the findings first, then our cells beside the paper's, the rankings and
each model's improvement over the reference model (:mod:`csrae.comparison`)."""

import pandas as pd

from csrae import findings
from csrae.paired import Interval

RULE = (
    "Models are compared run by run with the same seed (and fold). A difference is a verdict only where it is "
    "decided in its family (Holm's step-down at a family-wise 5 %, and beyond the two models' standard errors "
    "added, so that moving every run by its standard error cannot reverse it) and the paper's difference lies "
    "outside the paper's own error (95 %, where it reports one); otherwise it is inconclusive, and such a pair "
    "is a tie (=) in the rankings."
)


def cell_text(mean: float, se: float) -> str:
    return f"{mean:.2f}" + ("" if pd.isna(se) else f" ± {se:.2f}")


def to_markdown(comparison: pd.DataFrame, ranks: pd.DataFrame, gains: pd.DataFrame, max_seeds: int) -> str:
    """The findings about the gains (:mod:`csrae.findings`), then cells, rankings and the gains' table."""
    lines = [findings.markdown(gains, max_seeds), "## Our numbers beside the paper's", ""]
    lines += ["| table | paper cell | ours | paper | notes |", "|---|---|---|---|---|"]
    for _, r in comparison.iterrows():
        cell_ = f"{r['paper_row']}, {r['paper_column']}"
        ours = f"{r['dataset']} {r['model']} {r['structure']}: {cell_text(r['ours_mean'], r['ours_se'])}"
        paper = cell_text(r["paper_mean"], r["paper_se"])
        lines.append(f"| {r['table']} | {cell_} | {ours} | {paper} | {r['notes']} |")
    lines += ["", RULE, "", "## Rankings (best first)", ""]
    lines += ["| table | dataset | metric | our measure | ours | paper | orders |", "|---|---|---|---|---|---|---|"]
    for _, r in ranks.iterrows():
        where = f"| {r['table']} | {r['paper_dataset']} | {r['metric']} | {r['scale']} |"
        lines.append(f"{where} {r['ours']} | {r['paper']} | {r['agree']} |")
    lines += ["", "## Improvement over the reference model (VAE; VampPriorVAE on the faces)", ""]
    header = "| table | dataset | metric | model vs reference: difference [95 %] | gain [95 %] | paper | p_holm "
    header += "| level | decided | verdict |"
    lines += [header, "|---|---|---|---|---|---|---|---|---|---|"]
    for _, r in gains.iterrows():
        gain = Interval(r["n"], r["gain"], r["gain_low"], r["gain_high"])
        paper = f"{r['paper_difference']:+.2f} ({r['paper_gain']:+.1f} %)"
        paper += " within its error" if r["paper_within_error"] else ""
        pairs_ = f"{r['n']} pairs" + (f"; left out: {r['left_out']}" if r["left_out"] else "")
        lines.append(
            f"| {r['table']} | {r['paper_dataset']} | {r['metric']} | {r['model']} vs {r['reference']} ({pairs_}): "
            f"{r['interval']} | {gain.text(' %', 1)} | {paper} | {r['p_holm']:.2g} | {r['level']:.2g} | "
            f"{r['decided']} | {r['verdict']} |"
        )
    return "\n".join(lines) + "\n"
