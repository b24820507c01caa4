"""Which kernels MKL computes with on a CPU: its own for this CPU family (the default: bit for bit on the
same family, not across families), or pinned by ``MKL_CBWR`` (``COMPATIBLE``: the same numbers on every
x86-64 CPU, at about 1.2x the time of a training step; docs/fidelity.md).  MKL reads the variable when it
loads, so it is set in the environment of the processes that will import torch, not in one that has."""

import os

CPU_KERNELS = {"default": None, "compatible": "COMPATIBLE"}  # the config's ``cpu_kernels`` -> MKL_CBWR


def pin_cpu_kernels(name: str) -> None:
    """Set ``MKL_CBWR`` for the child processes (the workflow's jobs) per the config's ``cpu_kernels``."""
    if CPU_KERNELS[name]:
        os.environ["MKL_CBWR"] = CPU_KERNELS[name]


def pinned_cpu_kernels() -> str | None:
    """MKL's pinned kernels in this process (part of a CPU run's identity), or None."""
    return os.environ.get("MKL_CBWR") or None
