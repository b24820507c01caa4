"""What produced a result: the code (csrae version, git commit and whether the checkout had uncommitted
changes), the Python, torch and CUDA versions, and the device (with the GPUs the process could see)."""

import functools
import os
import platform
import socket
import subprocess
from pathlib import Path

from csrae import __version__
from csrae.versions import COMPONENTS


@functools.cache
def git_state() -> tuple[str | None, bool | None]:
    """The commit of the checkout csrae is imported from and whether it has uncommitted changes, or
    (None, None) for an installed package."""
    root = Path(__file__).resolve().parent.parent
    if not (root / ".git").exists():
        return None, None

    def git(*args):
        return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, timeout=30)

    try:
        commit = git("rev-parse", "HEAD")
        status = git("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.SubprocessError):
        return None, None
    if commit.returncode != 0:
        return None, None
    return commit.stdout.strip(), bool(status.stdout.strip())


def device_name(device) -> str:
    import torch

    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    for line in Path("/proc/cpuinfo").read_text().splitlines() if Path("/proc/cpuinfo").is_file() else []:
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def provenance(device="cpu") -> dict:
    """The provenance fields every run and evaluation record carries (``device``: a torch device or its name)."""
    import torch  # here, so that code_version imports without torch

    commit, dirty = git_state()
    device = torch.device(device)
    return {
        "csrae": __version__,
        "git_commit": commit,
        "git_dirty": dirty,
        "components": dict(COMPONENTS),
        "python": platform.python_version(),
        "torch": str(torch.__version__),
        "cuda": torch.version.cuda,
        "device": device.type,
        "device_name": device_name(device),
        "cuda_visible_devices": os.environ.get("CUDA_VISIBLE_DEVICES"),
        "host": socket.gethostname(),
    }


def code_version(record: dict) -> str:
    """A provenance record's code: ``csrae 0.1.0 (1a2b3c4)``, ``csrae 0.1.0 (1a2b3c4, uncommitted changes)``
    or ``csrae 0.1.0`` (an installed package)."""
    if not record.get("git_commit"):
        return f"csrae {record['csrae']}"
    dirty = ", uncommitted changes" if record.get("git_dirty") else ""
    return f"csrae {record['csrae']} ({record['git_commit'][:7]}{dirty})"
