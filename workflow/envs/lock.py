"""Write the exact versions of everything csrae installs: workflow/envs/constraints.txt and the pip section of
workflow/envs/csrae.yaml.

    python workflow/envs/lock.py

pip resolves ``.[dev]`` (the README's install) and ``.[inception]`` (what the
rules import) as in a fresh environment (``--ignore-installed``) and this
writes the versions it chose: every package of the first into the
constraints file (``pip install -e ".[dev]" -c workflow/envs/constraints.txt`` then
reproduces this environment exactly), and those of the second, with csrae
pinned to this checkout's version, into the conda environment of the rules.
The lock is for Linux x86-64 and CPython 3.11, the cluster's platform;
pyproject.toml keeps ranges for people who add csrae to their own
environment.  tests/test_lock.py checks that the two agree with each other
and with pyproject's ranges.
"""

import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from csrae import __version__  # noqa: E402

CONSTRAINTS = ROOT / "workflow" / "envs" / "constraints.txt"
ENVIRONMENT = ROOT / "workflow" / "envs" / "csrae.yaml"

CONSTRAINTS_HEADER = """\
# Exact versions of `pip install -e ".[dev]"` (Linux x86-64, CPython 3.11), written by workflow/envs/lock.py.
# An exact reproduction of the environment the tests and benchmarks ran in:
#   python3 -m pip install -e ".[dev]" -c workflow/envs/constraints.txt
"""
ENVIRONMENT_HEADER = """\
# The environment every rule runs in (`snakemake --use-conda`): csrae of this
# workflow's version with its offline Inception, every package at the version
# of workflow/envs/constraints.txt (written by workflow/envs/lock.py; Linux x86-64, the cluster's
# platform). Until csrae is on the package index, run with PIP_FIND_LINKS naming
# a folder that holds its wheel (docs/deploy.md).
name: csrae
channels:
  - conda-forge
  - nodefaults
dependencies:
  - python=3.11
  - pip
  - pip:
"""


def resolve(requirement: str) -> dict[str, str]:
    """The name → version pip installs for ``requirement`` into an empty environment (csrae left out)."""
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        command = [sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed", "--quiet"]
        subprocess.run([*command, "--report", str(report), requirement], cwd=ROOT, check=True)
        installed = json.loads(report.read_text())["install"]
    versions = {item["metadata"]["name"]: item["metadata"]["version"] for item in installed}
    versions.pop("csrae")
    return dict(sorted(versions.items(), key=lambda item: item[0].lower()))


def main() -> None:
    everything = resolve(".[dev]")
    CONSTRAINTS.write_text(CONSTRAINTS_HEADER + "".join(f"{name}=={v}\n" for name, v in everything.items()))
    runtime = [f"csrae[inception]=={__version__}"] + [f"{name}=={everything[name]}" for name in resolve(".[inception]")]
    ENVIRONMENT.write_text(ENVIRONMENT_HEADER + "".join(f"      - {line}\n" for line in runtime))


if __name__ == "__main__":
    main()
