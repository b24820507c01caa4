"""The csrae a workflow runs with: the version its conda environment pins, checked against the one installed.

A deployed workflow (a Snakemake module of a release tag, docs/deploy.md)
imports the installed ``csrae`` in its DAG code and its jobs; a library of
another release would compute with other code than the rules expect, so
the Snakefile stops before any job when the two differ.  No torch here: the
Snakefile reads it.
"""

import re
from pathlib import Path

import yaml

from csrae import __version__

# `csrae==0.1.0` or `csrae[inception]==0.1.0` in the environment's pip section.
_PIN = re.compile(r"csrae(?:\[[\w,\s-]+\])?\s*==\s*([\w.+-]+)$")


def pinned_version(env_file: str | Path) -> str:
    """The csrae version that ``env_file`` (a conda environment, workflow/envs/csrae.yaml) installs."""
    env = yaml.safe_load(Path(env_file).read_text())
    pip = next((d["pip"] for d in env.get("dependencies", []) if isinstance(d, dict) and "pip" in d), [])
    pins = [match[1] for line in pip if (match := _PIN.match(line.strip()))]
    if len(pins) != 1:
        raise ValueError(f"{env_file}: its pip section must pin csrae once (csrae==<version>), found {len(pins)}")
    return pins[0]


def check_installed(env_file: str | Path, installed: str = __version__) -> None:
    """Raise naming both versions and the fix when the installed csrae is not the one ``env_file`` pins."""
    wanted = pinned_version(env_file)
    if installed != wanted:
        raise RuntimeError(
            f"this workflow is csrae {wanted} but csrae {installed} is installed where Snakemake runs: "
            f"install the workflow's version (pip install 'csrae[inception]=={wanted}', or pip install -e . "
            f"in a checkout of it), or deploy the workflow's tag v{installed} (docs/deploy.md)"
        )
