"""One registry of models: nothing else lists their names, settings are typed by it, and the package has
no import cycle."""

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from csrae import registry
from csrae.data import DATASETS
from csrae.data.faces import ACTION_UNITS
from csrae.naming import budget_alphas, parse_setting_id, setting_id, ssl_hyperparameters, structure_id

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = yaml.safe_load((ROOT / "workflow" / "schemas" / "config.schema.yaml").read_text())
PACKAGE = ROOT / "csrae"


def test_nothing_but_the_registry_lists_model_names():
    """A model name as a string literal in the library, the workflow or the benchmarks, or in a schema enum,
    is a list to keep in sync: only csrae/registry.py may hold one (configs, docs and tests name models
    freely; a benchmark names the cell of the design space it measures, :func:`csrae.registry.applying`)."""
    names = "|".join(map(re.escape, registry.MODELS))
    literal = re.compile(rf"""["'](?:{names})["']""")
    sources = [*PACKAGE.rglob("*.py"), *(ROOT / "workflow").rglob("*.py"), *(ROOT / "workflow").rglob("*.smk")]
    sources += [*(ROOT / "benchmarks").rglob("*.py")]
    offenders = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in [*sources, ROOT / "workflow" / "Snakefile"]
        if path != PACKAGE / "registry.py"
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if literal.search(line)
    ]
    assert not offenders, "model names listed outside csrae/registry.py:\n" + "\n".join(offenders)

    def enums(node):
        if isinstance(node, dict):
            yield from ([node["enum"]] if "enum" in node else [])
            for value in node.values():
                yield from enums(value)
        elif isinstance(node, list):
            for value in node:
                yield from enums(value)

    for schema in (ROOT / "workflow" / "schemas").glob("*.yaml"):
        for enum in enums(yaml.safe_load(schema.read_text())):
            assert not set(map(str, enum)) & set(registry.MODELS), f"{schema.name} lists models: {enum}"


def test_the_scan_finds_a_list_of_model_names(tmp_path):
    """The scan's pattern catches the lists it is there to catch."""
    names = "|".join(map(re.escape, registry.MODELS))
    assert re.search(rf"""["'](?:{names})["']""", 'if model == "MixtureCSRAE":')
    assert not re.search(rf"""["'](?:{names})["']""", "MixtureCSRAE with a mixture prior (eqs. 18-23)")


def module_imports(path: Path) -> set[str]:
    """The csrae modules a file imports, at any depth of the file (function-level imports included)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("csrae"):
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("csrae"))
    return found


def package_modules() -> list[str]:
    return sorted(
        ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for path in PACKAGE.rglob("*.py")
    )


def test_no_import_cycle_and_every_module_imports_alone():
    modules = package_modules()
    paths = {m: ROOT / (m.replace(".", "/") + ("/__init__.py" if (ROOT / m.replace(".", "/")).is_dir() else ".py"))
             for m in modules}  # fmt: skip
    graph = {m: {i for i in module_imports(paths[m]) if i in paths and i != m} for m in modules}
    graph = {m: {i for i in imports if not m.startswith(i + ".")} for m, imports in graph.items()}  # parents
    state: dict[str, str] = {}

    def visit(module, path):
        state[module] = "open"
        for imported in sorted(graph[module]):
            assert state.get(imported) != "open", "import cycle: " + " -> ".join([*path, imported])
            if imported not in state:
                visit(imported, [*path, imported])
        state[module] = "done"

    for module in modules:
        if module not in state:
            visit(module, [module])
    # Each imports on its own, whatever was imported before it (in a process of their own: the test's
    # modules keep theirs).
    script = (
        "import importlib, sys\n"
        f"for module in {modules!r}:\n"
        "    for loaded in [n for n in sys.modules if n == 'csrae' or n.startswith('csrae.')]:\n"
        "        del sys.modules[loaded]\n"
        "    importlib.import_module(module)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr


def test_grids_are_checked_against_the_registry():
    entry = registry.model("MixtureVAE")
    entry.check_grid({"beta": [1.0], "K": [10], "prior": ["mog", "vamp"]}, "models.MixtureVAE")
    cases = [
        ({"beta": [1.0], "K": [10]}, r"takes the hyperparameters \['beta', 'K', 'prior'\]"),
        ({"beta": [-1.0], "K": [10], "prior": ["mog"]}, r"models.MixtureVAE.beta: -1.0 is less than 0"),
        ({"beta": [1.0], "K": [2.5], "prior": ["mog"]}, r"models.MixtureVAE.K: 2.5 is not an integer"),
        ({"beta": [1.0], "K": [10], "prior": ["flow"]}, r"'flow' is not one of \['mog', 'mog-direct'"),
        ({"beta": ["big"], "K": [10], "prior": ["mog"]}, r"'big' is not a number"),
    ]
    for grid, message in cases:
        with pytest.raises(ValueError, match=message):
            entry.check_grid(grid, "models.MixtureVAE")
    with pytest.raises(ValueError, match=r"unknown model 'Flow'.*register your own"):
        registry.model("Flow")
    with pytest.raises(ValueError, match="WAE has no semi-supervised variant"):
        ssl_hyperparameters("WAE")
    with pytest.raises(ValueError, match="registered already"):
        registry.register(registry.ModelType("VAE", "CS", "standard", (registry.LAMBDA,), "another VAE"))


def test_the_design_space_of_divergence_and_prior():
    """Every model is a divergence applied to a prior; the paper's five are named points of it."""
    from csrae.regularisers import DIVERGENCES

    cells = {(e.divergence, e.prior or "mixture") for e in registry.MODELS.values() if e.objective == "elbo"}
    assert {("KL", "standard"), ("CS", "standard"), ("KL", "vamp"), ("CS", "mixture"), ("KL", "mixture")} <= cells
    assert ("MMD", "standard") in cells
    assert {registry.model(name).divergence for name in registry.generative_models()} <= set(DIVERGENCES)
    assert registry.model("MixtureVAE").prior_of({"prior": "mog"}) == "mog"
    assert registry.model("VampPriorVAE").prior_of({}) == "vamp"


def test_the_schema_names_the_package_datasets():
    described = SCHEMA["properties"]["datasets"]["description"]
    package = [name for name, entry in DATASETS.items() if not (entry.declared or entry.source)]
    assert all(name in described for name in package)
    ssl = SCHEMA["properties"]["semisupervised"]["properties"]["datasets"]["properties"]
    assert set(ssl) <= set(package) | set(ACTION_UNITS) and set(ACTION_UNITS) <= set(ssl)


def test_setting_names_round_trip():
    hparams = {"lambda": 0.25, "K": 100, "prior": "mog-direct"}
    name = setting_id("MixtureCSRAE", 40, hparams)
    assert name == "z=40_lambda=0.25_K=100_prior=mog-direct"
    assert parse_setting_id("MixtureCSRAE", name) == (40, hparams)
    assert structure_id("MixtureCSRAE", name) == "z=40_K=100_prior=mog-direct"
    assert setting_id("IWAE", 4, {"beta": 1e300, "n_iw": 5}) == "z=4_beta=1e+300_n_iw=5"


def test_alpha_follows_the_label_count_when_given_per_label():
    assert budget_alphas({"per_label": [0.1]}, 250, fraction=False) == [25.0]
    assert budget_alphas({"per_label": [0.1, 0.3]}, 4000, fraction=False) == [400.0, 1200.0]
    assert budget_alphas([100.0, 10], 0.25, fraction=True) == [100.0, 10.0]
    with pytest.raises(ValueError, match=r"budget 0.25 is a fraction.*semisupervised.datasets.<dataset>.alpha"):
        budget_alphas({"per_label": [0.1]}, 0.25, fraction=True)


def test_one_module_writes_and_reads_setting_names():
    """``name=value`` items are split by csrae.naming alone: no other module parses a setting, structure or
    label budget its own way."""
    parsing = re.compile(r"""\.split\(\s*["'][_=]["']|\.partition\(\s*["']=["']""")
    sources = [*PACKAGE.rglob("*.py"), *(ROOT / "workflow").rglob("*.py"), *(ROOT / "workflow").rglob("*.smk")]
    offenders = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in sources
        if path != PACKAGE / "naming.py"
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if parsing.search(line)
    ]
    others = {  # not a setting's name: a command line's --hp NAME=VALUE, a metric's column name
        'csrae/cli.py: name, sep, value = text.partition("=")',
        'csrae/metrics/registry.py: for name in (column, stem, column.removeprefix("test_"), column.split("_")[0]):',
    }
    assert {re.sub(r":\d+:", ":", offender) for offender in offenders} == others
