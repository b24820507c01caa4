"""Writing outputs atomically: a temporary file in the same folder, then a rename over the target.

A job killed mid-write leaves the old file (or none), never half of one.  The file is created with the
mode an ordinary ``open(path, "w")`` would give it (0666 less the umask), so a group sharing a project
folder reads each other's results where its umask lets it.
"""

import json
import os
import secrets
from html import escape
from pathlib import Path

import numpy as np


def atomic_write(path: Path, write) -> None:
    """Write through ``write(file)`` to a temporary file, then rename it over ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = _create_temporary(path)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def _create_temporary(path: Path) -> tuple[int, Path]:
    """A new file beside ``path`` under a name no other writer uses, created 0666 less the umask."""
    while True:
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
        try:
            return os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666), tmp
        except FileExistsError:
            continue


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write(path, lambda f: f.write(text.encode()))


def write_json(path: str | Path, obj) -> None:
    atomic_write_text(Path(path), json.dumps(obj, indent=2, default=_jsonable))


def _jsonable(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


TABLE_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font:14px sans-serif;margin:1em}}table{{border-collapse:collapse}}
th,td{{border:1px solid #bbb;padding:2px 8px;text-align:left}}th{{background:#eee}}</style></head>
<body><h3>{title}</h3>
{table}
</body></html>
"""


def write_table(
    frame, csv_path: str | Path, html_path: str | Path, title: str, float_format=None, empty: str = "No rows."
) -> None:
    """A pandas table as CSV (for programs; ``float_format`` or full precision) and as an HTML page (what the
    Snakemake report shows; ``float_format`` or 4 significant digits); an empty table's page says ``empty``."""
    atomic_write_text(Path(csv_path), frame.to_csv(index=False, float_format=float_format))
    formatter = (lambda v: float_format % v) if float_format else (lambda v: f"{v:.4g}")
    table = f"<p>{escape(empty)}</p>" if frame.empty else frame.to_html(index=False, na_rep="", float_format=formatter)
    atomic_write_text(Path(html_path), TABLE_PAGE.format(title=escape(title), table=table))
