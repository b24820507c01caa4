"""The workflow deployed the way snakedeploy deploys it, offline: a Snakemake module, csrae from its wheel.

``snakedeploy deploy-workflow <repo> <dir> --tag vX`` writes a Snakefile that
declares ``github(<repo>, path="workflow/Snakefile", tag="vX")`` as a module
and copies the repository's ``config/``.  Here the module's Snakefile is a
copy of this repository without its ``csrae/`` (nothing of the checkout can
be imported), and csrae is installed, not editable, from the wheel built from
that copy into a virtual environment that reuses this Python's other
packages (snakemake, torch): what a lab's environment looks like after
``pip install csrae``.  No GitHub and no conda channel is reachable here; the
module's path and the environment stand in for ``github()`` and
``--use-conda`` (docs/deploy.md).
"""

import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

MODULE_SNAKEFILE = """\
configfile: "config/config.yaml"


# declare the csrae workflow as a module
module csrae:
    snakefile:
        "{snakefile}"
    config:
        config


# use all rules of the csrae workflow
use rule * from csrae
"""


@dataclass
class Deployment:
    workdir: Path  # the lab's directory: workflow/Snakefile (the module), config/, results/
    python: Path  # the lab's environment
    wheel: Path
    before_install: subprocess.CompletedProcess  # `snakemake -n` before csrae was installed

    def snakemake(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        """Snakemake of the lab's environment on the lab's Snakefile (from the lab's directory, so that the
        checkout's csrae is not on the search path)."""
        from tests.test_workflow import snakemake

        return snakemake(self.workdir, *args, check=check, python=self.python, snakefile=None)


def repository_copy(destination: Path) -> Path:
    """The files of this checkout that git tracks or would track (a release tag's tree)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    for name in filter(None, listed.split("\0")):
        if (ROOT / name).is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, destination / name)
    return destination


def environment(path: Path) -> tuple[Path, Path]:
    """A virtual environment that sees this Python's packages but not its csrae: (python, site-packages)."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(path)], check=True)
    python = path / "bin" / "python"
    site = subprocess.run(
        [python, "-c", "import site; print(site.getsitepackages()[0])"], capture_output=True, text=True, check=True
    ).stdout.strip()
    host = next(p for p in sys.path if p.endswith("site-packages"))
    Path(site, "host.pth").write_text(host + "\n")  # the packages, not their .pth hooks (csrae's editable one)
    return python, Path(site)


def deploy(tmp: Path, config: Path) -> Deployment:
    """Build the wheel, deploy the module into ``tmp/lab`` with ``config`` as its config/config.yaml."""
    repository = repository_copy(tmp / "repository")
    dist = tmp / "dist"
    build = [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(dist), str(repository)]
    subprocess.run(build, check=True, capture_output=True)
    (wheel,) = dist.glob("csrae-*.whl")
    shutil.rmtree(repository / "csrae")

    lab = tmp / "lab"
    (lab / "workflow").mkdir(parents=True)
    (lab / "workflow" / "Snakefile").write_text(
        MODULE_SNAKEFILE.format(snakefile=repository / "workflow" / "Snakefile")
    )
    shutil.copytree(repository / "config", lab / "config")  # snakedeploy copies config/
    shutil.copy(config, lab / "config" / "config.yaml")

    python, site = environment(tmp / "env")
    deployment = Deployment(lab, python, wheel, before_install=None)
    deployment.before_install = deployment.snakemake("-n", check=False)
    install = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", "--target", str(site)]
    subprocess.run([*install, str(wheel)], check=True, capture_output=True)
    return deployment
