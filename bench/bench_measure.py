"""What one wrk run serves and costs, for bench/bench.py.

wrk's own figures (bench/wrk.lua prints them), and the CPU time of gunicorn, of the
bench database's PostgreSQL backends and of the whole machine, read from /proc. Imported
by bench.py after ``django.setup()``.
"""

import json
import os
import resource
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

from bench_config import BASE_DIR, CLK_TCK, SECONDS
from django.db import connection
from server import Gunicorn


def load_average() -> list[float]:
    return [round(value, 2) for value in os.getloadavg()]


# CPU time from /proc ------------------------------------------------------------------


def proc_times(pid: int) -> tuple[float, float] | None:
    """(utime + stime of the process's threads, cutime + cstime of its reaped children) in seconds."""
    try:
        data = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = data.rsplit(")", 1)[1].split()  # the name, in parentheses, may hold spaces
    return (int(fields[11]) + int(fields[12])) / CLK_TCK, (int(fields[13]) + int(fields[14])) / CLK_TCK


def children(pid: int) -> list[int]:
    found = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            found += [int(child) for child in (task / "children").read_text().split()]
    except OSError:
        pass
    return found


def machine_busy() -> float:
    """CPU seconds every core of the machine spent busy since boot (/proc/stat)."""
    values = [int(value) for value in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return (sum(values[:8]) - values[3] - values[4]) / CLK_TCK  # less idle and iowait


class PostgresBackends:
    """The client backends of the bench database, found from /proc under the postmaster.

    A backend's process title names its database ("postgres: 15/main: postgres
    bookstore_bench 127.0.0.1(40242) idle"); autovacuum workers and this process's own
    connection are left out. None if PostgreSQL does not run on this machine.
    """

    def __init__(self):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid(), current_database()")
            self.own, self.database = cursor.fetchone()
        stat = Path(f"/proc/{self.own}/stat")
        self.postmaster = int(stat.read_text().rsplit(")", 1)[1].split()[1]) if stat.exists() else None

    def times(self) -> dict[int, float]:
        if self.postmaster is None:
            return {}
        found = {}
        for pid in children(self.postmaster):
            if pid == self.own:
                continue
            try:
                title = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            words = title.split()
            if self.database in words and "autovacuum" not in title:
                times = proc_times(pid)
                if times is not None:
                    found[pid] = times[0]
        return found


class CpuMeter:
    """CPU seconds over one run: gunicorn (master, workers, reaped workers), PostgreSQL's
    backends of this database (sampled every half second, so a backend that closes during
    the run still counts up to its last sample), wrk (this process's reaped children),
    and the whole machine's."""

    def __init__(self, gunicorn_pid: int | None, postgres: PostgresBackends):
        self.gunicorn_pid, self.postgres = gunicorn_pid, postgres

    def gunicorn(self) -> float:
        if self.gunicorn_pid is None:
            return 0.0
        own, reaped = proc_times(self.gunicorn_pid) or (0.0, 0.0)
        return own + reaped + sum((proc_times(pid) or (0.0, 0.0))[0] for pid in children(self.gunicorn_pid))

    def _sample(self) -> None:
        while not self.stopping.wait(0.5):
            self.seen.update(self.postgres.times())

    def __enter__(self) -> "CpuMeter":
        self.started = time.monotonic()
        self.machine_before = machine_busy()
        self.gunicorn_before = self.gunicorn()
        self.postgres_before = self.postgres.times()
        self.seen = dict(self.postgres_before)
        self.children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        self.self_before = resource.getrusage(resource.RUSAGE_SELF)
        self.stopping = threading.Event()
        self.sampler = threading.Thread(target=self._sample, daemon=True)
        self.sampler.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopping.set()
        self.sampler.join()
        self.seen.update(self.postgres.times())
        children_after = resource.getrusage(resource.RUSAGE_CHILDREN)
        self_after = resource.getrusage(resource.RUSAGE_SELF)
        self.elapsed = time.monotonic() - self.started
        self.gunicorn_s = self.gunicorn() - self.gunicorn_before
        self.postgres_s = sum(cpu - self.postgres_before.get(pid, 0.0) for pid, cpu in self.seen.items())
        self.wrk_s = (children_after.ru_utime + children_after.ru_stime) - (
            self.children_before.ru_utime + self.children_before.ru_stime
        )
        self.meter_s = (self_after.ru_utime + self_after.ru_stime) - (
            self.self_before.ru_utime + self.self_before.ru_stime
        )
        self.machine_s = machine_busy() - self.machine_before

    def figures(self, requests: int) -> dict:
        per = 1000 / max(requests, 1)
        others = self.machine_s - self.gunicorn_s - self.postgres_s - self.wrk_s - self.meter_s
        return {
            "gunicorn_cpu_ms": round(self.gunicorn_s * per, 2),
            "postgres_cpu_ms": round(self.postgres_s * per, 2) if self.postgres.postmaster else None,
            "wrk_cpu_ms": round(self.wrk_s * per, 2),
            # The cores' time that went to anything else (other people's tests, the
            # checkpointer, autovacuum, Redis): how noisy this run's figures are.
            "elsewhere_cpu_share": round(max(others, 0) / (self.elapsed * (os.cpu_count() or 1)), 3),
        }


# wrk --------------------------------------------------------------------------------


def wrk(port: int, clients: int, env: dict[str, str], seconds: int = SECONDS, meter: CpuMeter | None = None) -> dict:
    threads = min(clients, 2)
    command = [
        shutil.which("wrk") or "wrk",
        f"-t{threads}",
        f"-c{clients}",
        f"-d{seconds}s",
        "--timeout=10s",
        "-s",
        str(BASE_DIR / "bench" / "wrk.lua"),
        f"http://127.0.0.1:{port}",
    ]
    run_env = {**os.environ, "BENCH_THREADS": str(threads), **env}
    if meter is None:
        result = subprocess.run(command, env=run_env, capture_output=True, text=True, check=True)
    else:
        with meter:
            result = subprocess.run(command, env=run_env, capture_output=True, text=True, check=True)
    line = [line for line in result.stdout.splitlines() if line.startswith("{")][-1]
    figures = json.loads(line)
    figures["rps"] = round(figures["requests"] / (figures["duration_us"] / 1e6), 1)
    figures["clients"] = clients
    if env.get("BENCH_MODE") != "mixed":
        for key in ("sent_reads", "sent_reserves", "sent_returns"):
            figures.pop(key, None)
    if meter is not None:
        figures.update(meter.figures(figures["requests"]))
    return figures


def write_lines(folder: Path, name: str, lines: list) -> str:
    path = folder / name
    path.write_text("\n".join(str(line) for line in lines) + "\n")
    return str(path)


class Runner:
    """The wrk runs against one gunicorn, each measured with a CpuMeter, into `results`."""

    def __init__(self, server: Gunicorn, results: dict, postgres: PostgresBackends):
        self.server, self.results, self.postgres = server, results, postgres

    def __call__(self, name: str, clients: int, env: dict[str, str], what: str) -> dict:
        print(f"bench: {what} at {clients} client(s) for {SECONDS}s", file=sys.stderr)
        meter = CpuMeter(self.server.process.pid, self.postgres)
        self.results[name] = wrk(self.server.port, clients, env, meter=meter)
        return self.results[name]

    def warm(self, env: dict[str, str]) -> None:
        """Warm every worker up (imports, connections) without counting it."""
        wrk(self.server.port, 8, env, seconds=2)
