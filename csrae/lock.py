"""One process at a time on a run: a lock file beside its checkpoint.

The lock is a file created with ``O_CREAT | O_EXCL`` (atomic on local file
systems and on NFS v3 and later, unlike ``flock`` on many cluster file
systems) holding the holder's host, process id, start time and a random
token.  A thread touches it every ``heartbeat`` seconds while the lock is held.
A lock whose process is gone (same host) or whose heartbeat stopped ``stale``
seconds ago (another host: a killed node) is taken over, with a warning, so a
dead process never blocks the run for long.

Taking over is atomic: the contender first *claims* the dead holder by a hard
link of the lock file to a name unique to that holder (``lock.stale-<host>-
<pid>-<token>``; ``link`` fails if the name exists, so one contender wins),
checks that the file it linked is the one it judged dead, then removes the
lock and competes for a new one with ``O_EXCL`` like everyone else.  A release
removes the lock only if it still holds this holder's token.
"""

import json
import os
import secrets
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


def holder_alive(holder: dict, stale: float) -> bool:
    """Whether a lock's holder (a record of :meth:`RunLock.holder`) may still be running: its process exists
    (this host), or its heartbeat is younger than ``stale`` seconds (another host)."""
    if holder["host"] == socket.gethostname() and holder["pid"] > 0:
        return _pid_alive(holder["pid"])
    return holder["age"] <= stale


class RunLock:
    """``with RunLock(folder):`` holds ``folder/lock``; waits ``wait`` seconds at most (None: as long as
    the holder lives) for another holder, then raises :class:`RunLocked` naming it and the fix."""

    def __init__(self, folder: str | Path, wait: float | None = None, heartbeat=30.0, stale=600.0, log=print):
        self.path = Path(folder) / LOCK
        self.wait, self.heartbeat, self.stale, self.log = wait, heartbeat, stale, log
        self.token = secrets.token_hex(8)
        self._stop = threading.Event()
        self._thread = None

    def holder(self) -> dict | None:
        """The holder's record with its ``age`` (seconds since the last heartbeat) and the lock file's
        ``inode``, or None if the lock is free (or vanished while being read)."""
        try:
            status = self.path.stat()
            text = self.path.read_text()
        except FileNotFoundError:
            return None
        try:
            record = json.loads(text)
        except json.JSONDecodeError:  # being written, or damaged: judged by its age alone
            record = {"host": "?", "pid": -1, "token": f"i{status.st_ino}"}
        return record | {"age": time.time() - status.st_mtime, "inode": status.st_ino}

    def _try_create(self) -> bool:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd, record = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644), self._record()
        except FileExistsError:
            return False
        with os.fdopen(fd, "w") as f:
            json.dump(record, f)
        return True

    def _record(self) -> dict:
        return {"host": socket.gethostname(), "pid": os.getpid(), "since": time.time(), "token": self.token}

    def _take_over(self, holder: dict) -> None:
        """Remove the lock of a dead ``holder``, if no other contender claimed it first."""
        claim = self.path.with_name(f"{LOCK}.stale-{holder['host']}-{holder['pid']}-{holder.get('token', '')}")
        try:
            os.link(self.path, claim)
        except (FileExistsError, FileNotFoundError):
            return  # another contender claimed it, or it is gone already
        if claim.stat().st_ino != holder["inode"]:  # the lock changed hands since it was judged
            claim.unlink()
            return
        self.log(
            f"warning: {self.path} was left by process {holder['pid']} on {holder['host']}, which is gone "
            f"(last heartbeat {holder['age']:.0f} s ago); set aside as {claim.name}"
        )
        self.path.unlink(missing_ok=True)

    def acquire(self) -> None:
        start, told = time.monotonic(), False
        while not self._try_create():
            holder = self.holder()
            if holder is None:
                continue
            if not holder_alive(holder, self.stale):
                self._take_over(holder)
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

    def held(self) -> bool:
        """Whether the lock file is this holder's."""
        holder = self.holder()
        return holder is not None and holder.get("token") == self.token

    def _beat(self) -> None:
        while not self._stop.wait(self.heartbeat):
            if not self.held():
                self.log(f"warning: {self.path} is no longer held by this process")
                return
            os.utime(self.path)

    def release(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        if self.held():
            self.path.unlink(missing_ok=True)

    def __enter__(self) -> "RunLock":
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()
