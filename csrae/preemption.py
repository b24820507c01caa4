"""Stopping cleanly on SIGTERM: what a cluster sends when a job reaches its time limit or is preempted.

While a trainer runs (:func:`stoppable`), SIGTERM only raises a flag; the
trainer looks at it after every step, writes its state at that step (the
position within the epoch included: :meth:`csrae.trainer.RunState.save_partial`)
and raises :class:`Preempted`.  The job then fails and Snakemake retries it;
the retry continues from that step and ends bit for bit where an
uninterrupted run would.  Slurm sends SIGKILL ``KillWait`` seconds (30 by
default) after SIGTERM; ``sbatch --signal=B:TERM@120`` asks for the signal
earlier (docs/cluster.md).
"""

import signal
import sys
import threading
from contextlib import contextmanager

_requested = threading.Event()


class Preempted(RuntimeError):
    """Training stopped on SIGTERM, its state written at the current step for the next attempt."""


def requested() -> bool:
    return _requested.is_set()


@contextmanager
def stoppable():
    """SIGTERM raises the flag :func:`requested` reads instead of ending the process (in the main thread;
    elsewhere signals cannot be caught, and nothing changes)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _requested.clear()
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: _requested.set())
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextmanager
def reported(stream=None):
    """A stop on SIGTERM, also written to the process's own standard error (``stream``): a job that sends its
    log to a file of Snakemake's, which the next attempt starts afresh, leaves the reason in the scheduler's
    log of the attempt (kept for a failed job)."""
    try:
        yield
    except Preempted as stop:
        print(f"csrae: {stop}", file=stream or sys.__stderr__, flush=True)
        raise
