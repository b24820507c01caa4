"""Job count and wall time of a dry run of the paper's DAG (`config/paper.yaml` plus `config/faces.yaml`).

    python benchmarks/dry_run.py

The image datasets' files are stood in for by small copies in their exact
formats (tests/fixtures.py): a dry run only checks that they are present.
"""

import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from timing import print_table

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.fixtures import WRITERS, write_faces  # noqa: E402


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for name, write in WRITERS.items():
            write(Path(tmp) / "data" / name)
        for name in ("disfa", "fera2015"):
            write_faces(Path(tmp) / "data" / name, name, subjects=3, frames=2)
        command = [
            sys.executable, "-m", "snakemake", "-s", str(ROOT / "workflow" / "Snakefile"), "-d", tmp, "-n",
            "--quiet", "rules", "--configfile", str(ROOT / "config" / "paper.yaml"),
            str(ROOT / "config" / "faces.yaml"), "--replace-workflow-config",
        ]  # fmt: skip
        start = time.perf_counter()
        result = subprocess.run(command, env=os.environ | {"CSRAE_DATA": f"{tmp}/data"}, capture_output=True, text=True)
        seconds = time.perf_counter() - start
    if result.returncode:
        raise SystemExit(result.stdout + result.stderr)
    counts = dict(re.findall(r"^(\w+)\s+(\d+)$", result.stdout, re.MULTILINE))
    print_table(
        "Dry run of the paper DAG",
        ["jobs", "training jobs", "evaluation jobs", "semi-supervised training jobs", "seconds"],
        [[counts["total"], counts["train"], counts["evaluate"], counts["train_semisupervised"], seconds]],
    )


if __name__ == "__main__":
    main()
