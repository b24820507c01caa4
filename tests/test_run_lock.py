"""A run's lock: one holder at a time, a dead holder's lock taken over once, a release that removes only its
own lock, and results written with the permissions the umask allows."""

import json
import os
import subprocess
import sys
import time

import pytest

from csrae.io import write_json
from csrae.lock import RunLock, RunLocked


def quiet(*_):
    pass


def test_a_locked_run_is_refused_naming_the_holder_and_a_dead_holders_lock_is_set_aside(tmp_path):
    with RunLock(tmp_path, log=quiet):
        with pytest.raises(RunLocked, match=f"being trained by process {os.getpid()}.*wait for it to finish"):
            RunLock(tmp_path, wait=0.2, log=quiet).acquire()
    assert not (tmp_path / "lock").exists()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    holder = {"host": os.uname().nodename, "pid": int(dead.stdout), "since": time.time()}
    (tmp_path / "lock").write_text(json.dumps(holder))  # left by a process that was killed
    lines = []
    with RunLock(tmp_path, wait=0, log=lines.append):
        assert json.loads((tmp_path / "lock").read_text())["pid"] == os.getpid()
    assert f"left by process {holder['pid']}" in lines[0] and "set aside" in lines[0]
    (tmp_path / "lock").write_text(json.dumps(holder | {"host": "another-node", "pid": 1}))
    os.utime(tmp_path / "lock", (time.time() - 3600, time.time() - 3600))  # no heartbeat for an hour
    with RunLock(tmp_path, wait=0, stale=600, log=quiet):
        pass


def test_a_release_removes_only_its_own_lock(tmp_path):
    lock = RunLock(tmp_path, log=quiet)
    lock.acquire()
    (tmp_path / "lock").unlink()  # taken from it (a prune, a person)
    other = RunLock(tmp_path, log=quiet)
    other.acquire()
    lock.release()
    assert other.held() and (tmp_path / "lock").is_file()
    other.release()
    assert not (tmp_path / "lock").exists()


CONTENTION = """
import json, os, sys, time
from multiprocessing import get_context
from pathlib import Path
from csrae.lock import RunLock, RunLocked

def contend(folder, barrier):
    barrier.wait()
    try:
        with RunLock(folder, wait=0, heartbeat=0.05, log=lambda *_: None):
            try:  # no other holder may be in here at the same time
                fd = os.open(folder / "inside", os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            except FileExistsError:
                os._exit(3)
            time.sleep(0.02)
            os.close(fd)
            os.unlink(folder / "inside")
    except RunLocked:
        os._exit(2)
    os._exit(0)

trials, processes, root = int(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3])
context, codes = get_context("fork"), []
for trial in range(trials):
    folder = root / str(trial)
    folder.mkdir()
    dead = {"host": os.uname().nodename, "pid": 4194305, "since": 0}  # above Linux's largest pid: no process
    (folder / "lock").write_text(json.dumps(dead))
    barrier = context.Barrier(processes)
    contenders = [context.Process(target=contend, args=(folder, barrier)) for _ in range(processes)]
    for process in contenders:
        process.start()
    for process in contenders:
        process.join()
    codes.append([process.exitcode for process in contenders])
print(json.dumps(codes))
"""


def test_contenders_for_a_dead_lock_never_hold_it_together(tmp_path):
    """200 times, 8 processes released at once find a lock left by a dead process: each either holds the
    lock alone (exit 0) or is refused (2); two holders at once would exit 3."""
    result = subprocess.run(
        [sys.executable, "-c", CONTENTION, "200", "8", str(tmp_path)], capture_output=True, text=True, check=True
    )
    codes = json.loads(result.stdout)
    assert not [trial for trial in codes if 3 in trial]
    assert all(trial.count(0) >= 1 and set(trial) <= {0, 2} for trial in codes)


def test_written_files_follow_the_umask(tmp_path):
    for umask, mode in ((0o002, 0o664), (0o077, 0o600)):  # a group-shared results folder, a private one
        previous = os.umask(umask)
        try:
            write_json(tmp_path / f"{mode:o}.json", {"a": 1})
        finally:
            os.umask(previous)
        assert (tmp_path / f"{mode:o}.json").stat().st_mode & 0o777 == mode
