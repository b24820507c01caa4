"""Shared helpers for the benchmarks: best-of-n wall time, a synchronising clock, and table printing."""

import platform
import time
from collections.abc import Callable
from datetime import date

import torch


def best_time(fn: Callable[[], object], repeats: int = 3, device: torch.device | None = None) -> float:
    """The fastest of ``repeats`` runs of ``fn`` in seconds (CUDA work included)."""
    times = []
    for _ in range(repeats):
        if device is not None and device.type == "cuda":
            torch.cuda.synchronize(device)
        start = time.perf_counter()
        fn()
        if device is not None and device.type == "cuda":
            torch.cuda.synchronize(device)
        times.append(time.perf_counter() - start)
    return min(times)


def machine() -> str:
    gpu = f", {torch.cuda.get_device_name()}" if torch.cuda.is_available() else ""
    return f"{date.today()}, {platform.processor() or platform.machine()}, {torch.get_num_threads()} threads{gpu}"


def print_table(title: str, header: list[str], rows: list[list]) -> None:
    print(f"\n### {title}\n\n({machine()})\n")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(cell(v) for v in row) + " |")


def cell(value) -> str:
    if isinstance(value, float):
        return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"
    return str(value)
