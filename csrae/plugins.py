"""A researcher's own Python files, loaded into every process that uses csrae: the workflow's config names
them under ``plugins``, and a file registers models (:func:`csrae.registry.register`,
:func:`csrae.regularisers.register_divergence`) and datasets (:func:`csrae.data.register_dataset`).

Loading records each file's path in ``$CSRAE_PLUGINS``, so that every process
started from this one (a workflow script, a cluster job) loads the same files
when it imports csrae; each file's content digest enters the identity of the
runs that use what it registered (docs/library.md, "Your own model").
"""

import hashlib
import importlib.util
import os
from pathlib import Path

ENVIRONMENT = "CSRAE_PLUGINS"
LOADED: dict[str, str] = {}  # absolute path -> content digest
_loading: list[str] = []


def digest(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]


def load(paths) -> None:
    """Import each file once (in order), and export the list to ``$CSRAE_PLUGINS``."""
    paths = list(paths)
    if paths:  # the package's own entries first, so that none is credited to a file that imports a registry
        importlib.import_module("csrae.registry")
        importlib.import_module("csrae.data")
    for given in paths:
        path = Path(given).resolve()
        if not path.is_file():
            raise FileNotFoundError(
                f"plugin file {given} is missing (resolved to {path}); plugins are paths relative to the "
                "working directory, e.g. plugins: [my_models.py]"
            )
        if str(path) in LOADED:
            continue
        spec = importlib.util.spec_from_file_location(f"csrae_plugin_{digest(path)}", path)
        module = importlib.util.module_from_spec(spec)
        _loading.append(str(path))
        try:
            spec.loader.exec_module(module)
        finally:
            _loading.pop()
        LOADED[str(path)] = digest(path)
    if LOADED:
        os.environ[ENVIRONMENT] = os.pathsep.join(LOADED)


def load_from_environment() -> None:
    """The files a parent process loaded (``$CSRAE_PLUGINS``)."""
    load(p for p in os.environ.get(ENVIRONMENT, "").split(os.pathsep) if p)


def loading() -> str | None:
    """The plugin file being imported now (what it registers comes from there), or None."""
    return _loading[-1] if _loading else None


def source_digest(source: str | None) -> dict:
    """``{"plugin": <digest>}`` for something a plugin file registered; nothing for the package's own."""
    return {"plugin": digest(source)} if source else {}
