"""Start-up cost of a workflow job: the time to import what each kind of job's script imports.

    python benchmarks/startup.py

Every Snakemake job is a fresh Python process, so a DAG of thousands of
small jobs pays this once per job; on a cluster each job also plans its
part of the DAG again (the first row). Each import runs in a new interpreter;
the table gives the best of five.
"""

import subprocess
import sys
import time
from pathlib import Path

from timing import print_table

ROOT = Path(__file__).resolve().parents[1]
JOBS = {  # the modules a kind of job's script imports
    "planning: the Snakefile and its rules (every snakemake command)": (
        "csrae.deployment, csrae.plan, csrae.prune, csrae.naming, csrae.registry, csrae.selection, "
        "csrae.semisupervised.selection"
    ),
    "selection, tables (select_model, tables, diverged)": "csrae.selection, csrae.io, csrae.manifests",
    "semi-supervised selection, Table III": "csrae.semisupervised.selection, csrae.io",
    "figures (figure3, figure4, image_grids)": "csrae.figures",
    "training (train)": "csrae.run, csrae.data, csrae.naming",
    "evaluation (evaluate)": "csrae.steps",
    "reference: torch alone": "torch",
    "reference: an empty interpreter": "",
}


def import_seconds(modules: str, repeats: int = 5) -> tuple[float, bool]:
    code = f"import sys; {'import ' + modules if modules else 'pass'}; print('torch' in sys.modules)"
    best, uses_torch = float("inf"), False
    for _ in range(repeats):
        start = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
        best = min(best, time.perf_counter() - start)
        uses_torch = out.stdout.strip() == "True"
    return best, uses_torch


def main() -> None:
    rows = []
    for job, modules in JOBS.items():
        seconds, uses_torch = import_seconds(modules)
        rows.append([job, f"{seconds:.2f}", "yes" if uses_torch else "no"])
    print_table("Import time of a job's script (s, best of 5)", ["job", "seconds", "imports torch"], rows)


if __name__ == "__main__":
    main()
