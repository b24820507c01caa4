"""A live single-node Slurm cluster on localhost, for the tests (design.md §6b).

Debian's Slurm 22.05 with munge, slurmdbd and MariaDB (so that ``sacct``
works), running as root without systemd and with two fake GPUs of type
``a100`` (:data:`GPU_MODEL`) whose GRES files are the character devices
/dev/null and /dev/zero, and three partitions on the one node: ``cpu`` (the
default), ``gpu`` and ``short`` (:data:`LIMITED`: a one-minute limit).  Every
daemon is started here in the foreground of its own process and stopped by
PID.
"""

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

SLURM_ETC = Path("/etc/slurm")  # the SLURM job step strips SLURM_CONF, so it must be here
BINARIES = ("slurmctld", "slurmd", "slurmdbd", "sacct", "sbatch", "munged", "mariadbd", "mariadb-install-db")
DB_PASSWORD = "csrae-test"
GPU_MODEL = "a100"  # the type of the node's GPUs
GPUS = 2  # two jobs train at once, one per core of the test machine
LIMITED = "short"  # a partition whose jobs Slurm stops after one minute (SIGTERM, then SIGKILL 30 s later)


def available() -> str | None:
    """None when a cluster can be started here, else the reason why not."""
    missing = [b for b in BINARIES if shutil.which(b) is None]
    if missing:
        packages = "slurmctld slurmd slurmdbd slurm-client munge mariadb-server"
        return f"the Slurm test cluster needs {', '.join(missing)} (apt-get install {packages})"
    if os.geteuid() != 0:
        return "the Slurm test cluster runs its daemons as root"
    return None


def bounded(command: list[str], timeout: float = 15, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=check)


class LocalSlurm:
    def __init__(self, root: Path):
        self.root = Path(root)
        self.node = socket.gethostname().split(".")[0]
        self.processes: dict[str, subprocess.Popen] = {}
        self.db_port = 33061

    # -- configuration ----------------------------------------------------------
    def write_configs(self) -> None:
        for name in ("state", "spool", "db", "log", "run"):
            (self.root / name).mkdir(parents=True, exist_ok=True)
        SLURM_ETC.mkdir(parents=True, exist_ok=True)
        # What was there before, put back by stop(): a slurm.conf naming a stopped controller makes every
        # later `scontrol` (the Slurm plugin runs one at each Snakemake start) wait ~9 s for it.
        self.previous = {
            path: path.read_bytes() if path.exists() else None
            for path in (SLURM_ETC / name for name in ("slurm.conf", "gres.conf", "slurmdbd.conf"))
        }
        r = self.root
        (SLURM_ETC / "slurm.conf").write_text(f"""\
ClusterName=csrae
SlurmctldHost={self.node}
SlurmUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
ReturnToService=2
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
GresTypes=gpu
MinJobAge=600
DefMemPerCPU=1000
StateSaveLocation={r}/state
SlurmdSpoolDir={r}/spool
SlurmctldPidFile={r}/run/slurmctld.pid
SlurmdPidFile={r}/run/slurmd.pid
SlurmctldLogFile={r}/log/slurmctld.log
SlurmdLogFile={r}/log/slurmd.log
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=localhost
AccountingStoragePass=/run/munge/munge.socket.2
AccountingStorageTRES=gres/gpu,gres/gpu:{GPU_MODEL}
AccountingStoreFlags=job_comment
JobAcctGatherType=jobacct_gather/none
NodeName={self.node} NodeAddr=127.0.0.1 CPUs={os.cpu_count()} RealMemory=16000 Gres=gpu:{GPU_MODEL}:{GPUS} State=UNKNOWN
PartitionName=cpu Nodes=ALL Default=YES MaxTime=INFINITE State=UP
PartitionName=gpu Nodes=ALL MaxTime=INFINITE State=UP
PartitionName={LIMITED} Nodes=ALL MaxTime=1 State=UP
""")
        devices = ("/dev/null", "/dev/zero")[:GPUS]  # any character device stands for a GPU
        gres = "AutoDetect=off\n" + "".join(
            f"NodeName={self.node} Name=gpu Type={GPU_MODEL} File={d}\n" for d in devices
        )
        (SLURM_ETC / "gres.conf").write_text(gres)
        dbd = SLURM_ETC / "slurmdbd.conf"
        dbd.write_text(f"""\
AuthType=auth/munge
DbdHost=localhost
SlurmUser=root
PidFile={r}/run/slurmdbd.pid
LogFile={r}/log/slurmdbd.log
StorageType=accounting_storage/mysql
StorageHost=127.0.0.1
StoragePort={self.db_port}
StorageUser=slurm
StoragePass={DB_PASSWORD}
StorageLoc=slurm_acct_db
""")
        dbd.chmod(0o600)

    # -- daemons ----------------------------------------------------------------
    def spawn(self, name: str, command: list[str]) -> None:
        log = open(self.root / "log" / f"{name}.out", "w")
        self.processes[name] = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def wait_for(self, what: str, condition, timeout: float = 60) -> None:
        deadline = time.time() + timeout
        while time.time() < deadline:
            for name, process in self.processes.items():
                if process.poll() is not None:
                    log = (self.root / "log" / f"{name}.out").read_text()[-2000:]
                    raise RuntimeError(f"{name} exited with {process.returncode} while waiting for {what}:\n{log}")
            try:
                if condition():
                    return
            except (subprocess.SubprocessError, OSError):
                pass
            time.sleep(0.5)
        raise TimeoutError(f"timed out waiting for {what}")

    def start(self) -> "LocalSlurm":
        self.write_configs()
        Path("/run/munge").mkdir(parents=True, exist_ok=True)
        os.chmod("/run/munge", 0o755)  # the socket directory needs o+x
        self.spawn("munged", ["munged", "--foreground", "--force"])
        self.wait_for("munge", lambda: bounded(["munge", "-n"], check=False).returncode == 0)

        datadir, sock = self.root / "db" / "data", self.root / "db" / "mysqld.sock"
        bounded(
            ["mariadb-install-db", "--user=root", f"--datadir={datadir}", "--auth-root-authentication-method=normal"],
            timeout=120,
        )
        self.spawn("mariadbd", [
            "mariadbd", "--user=root", f"--datadir={datadir}", f"--socket={sock}", f"--port={self.db_port}",
            "--bind-address=127.0.0.1", f"--pid-file={self.root / 'db' / 'mariadbd.pid'}",
            "--innodb-buffer-pool-size=64M",
        ])  # fmt: skip
        sql = (
            f"CREATE USER IF NOT EXISTS 'slurm'@'localhost' IDENTIFIED BY '{DB_PASSWORD}';"
            f"CREATE USER IF NOT EXISTS 'slurm'@'127.0.0.1' IDENTIFIED BY '{DB_PASSWORD}';"
            "GRANT ALL ON slurm_acct_db.* TO 'slurm'@'localhost'; GRANT ALL ON slurm_acct_db.* TO 'slurm'@'127.0.0.1';"
        )
        self.wait_for(
            "MariaDB",
            lambda: bounded(["mariadb", "-uroot", f"--socket={sock}", "-e", sql], check=False).returncode == 0,
        )

        self.spawn("slurmdbd", ["slurmdbd", "-D"])
        self.wait_for("slurmdbd", lambda: bounded(["sacctmgr", "-n", "list", "cluster"], check=False).returncode == 0)
        for command in (
            ["add", "cluster", "csrae"],
            ["add", "account", "csrae"],
            ["add", "user", "root", "account=csrae"],
        ):
            bounded(["sacctmgr", "-i", *command], check=False)

        self.spawn("slurmctld", ["slurmctld", "-D", "-i"])
        self.spawn("slurmd", ["slurmd", "-D", "-N", self.node])
        self.wait_for("an idle node", lambda: "idle" in bounded(["sinfo", "-h", "-o", "%t"], timeout=5).stdout)
        return self

    def stop(self) -> None:
        for name in ("slurmd", "slurmctld", "slurmdbd", "mariadbd", "munged"):
            process = self.processes.pop(name, None)
            if process is None or process.poll() is not None:
                continue
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for path, content in getattr(self, "previous", {}).items():
            if content is None:
                path.unlink(missing_ok=True)
            else:
                path.write_bytes(content)

    def __enter__(self):
        try:
            return self.start()
        except BaseException:
            self.stop()  # no daemon outlives a failed start
            raise

    def __exit__(self, *exc):
        self.stop()
