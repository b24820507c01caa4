"""One version, and a lock that satisfies the package's ranges: pyproject.toml, workflow/envs/constraints.txt,
workflow/envs/csrae.yaml, CHANGELOG.md agree."""

import re
import tomllib

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from csrae import __version__
from csrae.deployment import check_installed, pinned_version
from tests.fixtures import ROOT

PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
ENVIRONMENT = ROOT / "workflow" / "envs" / "csrae.yaml"


def pins(lines) -> dict[str, str]:
    """name → version of ``name==version`` lines (comments and blanks skipped)."""
    found = {}
    for line in lines:
        line = line.split("#")[0].strip()
        if line:
            requirement = Requirement(line)
            (specifier,) = requirement.specifier
            assert specifier.operator == "==", line
            found[canonicalize_name(requirement.name)] = specifier.version
    return found


LOCK = pins((ROOT / "workflow" / "envs" / "constraints.txt").read_text().splitlines())


def environment_pins() -> dict[str, str]:
    import yaml

    env = yaml.safe_load(ENVIRONMENT.read_text())
    return pins(next(d["pip"] for d in env["dependencies"] if isinstance(d, dict)))


def requirements(*extras: str) -> list[Requirement]:
    """pyproject's requirements: the dependencies and those of ``extras`` (csrae's own extras expanded)."""
    found = [Requirement(r) for r in PROJECT["dependencies"]]
    for extra in extras:
        for line in PROJECT["optional-dependencies"][extra]:
            requirement = Requirement(line)
            if requirement.name == "csrae":
                found += requirements(*requirement.extras)[len(PROJECT["dependencies"]) :]
            else:
                found.append(requirement)
    return found


def test_the_version_is_written_once():
    assert "version" not in PROJECT and "version" in PROJECT["dynamic"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", __version__)
    assert f"## [{__version__}]" in (ROOT / "CHANGELOG.md").read_text()
    assert pinned_version(ENVIRONMENT) == __version__


def test_the_lock_satisfies_every_range_of_the_package():
    for requirement in requirements(*PROJECT["optional-dependencies"]):
        name = canonicalize_name(requirement.name)
        assert name in LOCK, f"{name} is not in workflow/envs/constraints.txt: run python workflow/envs/lock.py"
        assert requirement.specifier.contains(LOCK[name], prereleases=True), (requirement, LOCK[name])


def test_the_rules_environment_pins_what_the_lock_pins():
    env = environment_pins()
    assert env.pop("csrae") == __version__
    assert {canonicalize_name(r.name) for r in requirements("inception")} <= set(env)
    assert {name: LOCK.get(name) for name in env} == env


def test_a_workflow_of_another_version_names_both_and_the_fix(tmp_path):
    env = tmp_path / "csrae.yaml"
    env.write_text("dependencies:\n  - pip:\n      - csrae[inception]==9.9.9\n")
    assert pinned_version(env) == "9.9.9"
    with pytest.raises(RuntimeError, match=r"workflow is csrae 9\.9\.9 but csrae 0\.0\.1 is installed.*9\.9\.9"):
        check_installed(env, installed="0.0.1")
    check_installed(env, installed="9.9.9")
    env.write_text("dependencies:\n  - pip:\n      - torch==2.0\n")
    with pytest.raises(ValueError, match="must pin csrae once"):
        pinned_version(env)
