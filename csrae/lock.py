"""One process at a time on a run: a lock file beside its checkpoint.

The lock is a file created with ``O_CREAT | O_EXCL`` (atomic on local file
systems and on NFS v3 and later, unlike ``flock`` on many cluster file
systems) holding the holder's host, process id and start time.  A thread
touches it every ``heartbeat`` seconds while the lock is held.  A lock whose
process is gone (same host) or whose heartbeat stopped ``stale`` seconds ago
(another host: a killed node) is set aside, with a warning, so a dead
process never blocks the run for long.
"""

import json
import os
import socket
import threading
import time
from pathlib import Path

LOCK = "lock"


class RunLocked(RuntimeError):
    """Another live process holds the run's lock."""


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class RunLock:
    """``with RunLock(folder):`` holds ``folder/lock``; waits ``wait`` seconds at most (None: as long as
    the holder lives) for another holder, then raises :class:`RunLocked` naming it and the fix."""

    def __init__(self, folder: str | Path, wait: float | None = None, heartbeat=30.0, stale=600.0, log=print):
        self.path = Path(folder) / LOCK
        self.wait, self.heartbeat, self.stale, self.log = wait, heartbeat, stale, log
        self._stop = threading.Event()
        self._thread = None

    def holder(self) -> dict | None:
        """The holder's record, or None if the lock is free (or vanished while being read)."""
        try:
            return json.loads(self.path.read_text()) | {"age": time.time() - self.path.stat().st_mtime}
        except FileNotFoundError:
            return None
        except (json.JSONDecodeError, OSError):
            return {"host": "?", "pid": -1, "age": time.time() - self.path.stat().st_mtime}

    def _is_stale(self, holder: dict) -> bool:
        if holder["host"] == socket.gethostname() and holder["pid"] > 0:
            return not _pid_alive(holder["pid"])
        return holder["age"] > self.stale

    def _try_create(self) -> bool:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            return False
        with os.fdopen(fd, "w") as f:
            json.dump({"host": socket.gethostname(), "pid": os.getpid(), "since": time.time()}, f)
        return True

    def acquire(self) -> None:
        start, told = time.monotonic(), False
        while not self._try_create():
            holder = self.holder()
            if holder is None:
                continue
            if self._is_stale(holder):
                aside = self.path.with_name(f"{LOCK}.stale-{holder['host']}-{holder['pid']}")
                self.log(
                    f"warning: {self.path} was left by process {holder['pid']} on {holder['host']}, "
                    f"which is gone (last heartbeat {holder['age']:.0f} s ago); set aside as {aside.name}"
                )
                try:
                    os.replace(self.path, aside)
                except FileNotFoundError:
                    pass
                continue
            what = f"{self.path.parent} is being trained by process {holder['pid']} on {holder['host']}"
            if self.wait is not None and time.monotonic() - start >= self.wait:
                raise RunLocked(
                    f"{what}; wait for it to finish (its result is then reused), or stop that process; a lock "
                    f"left by a dead process is set aside by itself ({self.stale:.0f} s after its last heartbeat "
                    "on another host, at once on this one)"
                )
            if not told:
                self.log(f"waiting: {what}")
                told = True
            time.sleep(min(1.0, self.heartbeat))
        self._stop.clear()
        self._thread = threading.Thread(target=self._beat, daemon=True)
        self._thread.start()

    def _beat(self) -> None:
        while not self._stop.wait(self.heartbeat):
            try:
                os.utime(self.path)
            except FileNotFoundError:
                return

    def release(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.path.unlink(missing_ok=True)

    def __enter__(self) -> "RunLock":
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()
