"""Which GPU a job uses when Snakemake runs the jobs itself: a slot of the machine's GPUs, held for the job.

On a cluster the scheduler gives each job its GPU (Slurm sets
``CUDA_VISIBLE_DEVICES``).  On a workstation, ``snakemake --cores 16
--resources gpu=4`` only counts GPUs, and every job would use device 0.  So
a job that asks for a GPU outside Slurm claims one of the slots 0 … N − 1
(N: the workflow's ``gpu`` resource, which the Snakefile passes on in
``$CSRAE_GPU_SLOTS``) by taking its lock (:class:`csrae.lock.RunLock`, a dead
job's lock is taken over), and sees that device alone (``CUDA_VISIBLE_DEVICES``,
recorded in its results' provenance) until it ends.
"""

import atexit
import os
import time
from pathlib import Path

from csrae.lock import RunLock, RunLocked

SLOTS = "CSRAE_GPU_SLOTS"
FOLDER = ".snakemake/csrae/gpu-slots"


def claim(gpus: int, folder: str | Path = FOLDER, log=print) -> str | None:
    """Hold a free GPU slot for the rest of this process and make it the only visible device; returns the
    device (a number, or the name an earlier ``CUDA_VISIBLE_DEVICES`` gave it), or None where the slots do
    not apply: no GPU asked for, a Slurm job, or no ``$CSRAE_GPU_SLOTS``."""
    if not gpus or "SLURM_JOB_ID" in os.environ or not os.environ.get(SLOTS):
        return None
    slots = int(os.environ[SLOTS])
    visible = os.environ.get("CUDA_VISIBLE_DEVICES", ",".join(map(str, range(slots)))).split(",")
    told = False
    while True:
        for slot in range(min(slots, len(visible))):
            lock = RunLock(Path(folder) / f"slot{slot}", wait=0, log=lambda *_: None)
            try:
                lock.acquire()
            except RunLocked:
                continue
            atexit.register(lock.release)
            os.environ["CUDA_VISIBLE_DEVICES"] = visible[slot]
            log(f"GPU slot {slot} of {slots}: CUDA_VISIBLE_DEVICES={visible[slot]}")
            return visible[slot]
        if not told:
            log(f"waiting for one of {slots} GPU slots")
            told = True
        time.sleep(1.0)
