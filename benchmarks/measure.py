"""Running a command and measuring it: wall time, CPU seconds of its whole process tree, peak memory.

CPU comes from ``getrusage(RUSAGE_CHILDREN)`` before and after, which counts every
descendant that was waited for. A descendant nobody waits for (a multiprocessing
forkserver and its workers outlive their parent's last ``wait``) would be missed, so
the measuring process makes itself the tree's subreaper (Linux ``PR_SET_CHILD_SUBREAPER``):
orphans become its children and are waited for here, their CPU counted.

Peak memory is sampled every 50 ms with psutil over the process and all its
descendants, two ways: the sum of proportional set sizes (PSS: a page shared by n
processes counts 1/n in each, so forked workers sharing their parent's pages are not
counted n times) — the memory the tree occupies — and the sum of resident set sizes
(RSS), which counts shared pages once per process.
"""

from __future__ import annotations

import ctypes
import os
import resource
import statistics
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

SAMPLE_SECONDS = 0.05
PR_SET_CHILD_SUBREAPER = 36
REAP_SECONDS = 30.0


@dataclass
class Measured:
    wall: float
    cpu: float
    peak_rss: int  # bytes, sum over the tree
    returncode: int
    stdout: str
    stderr: str
    peak_pss: int = 0  # bytes, sum over the tree


def become_subreaper() -> bool:
    """Orphaned descendants of our children become our children (Linux); False where unsupported."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return bool(libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0)
    except (OSError, AttributeError):
        return False


def tree_memory(proc: psutil.Process) -> tuple[int, int]:
    """(sum of RSS, sum of PSS) of ``proc`` and its descendants."""
    rss = pss = 0
    try:
        procs = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return 0, 0
    for p in procs:
        try:
            info = p.memory_full_info()
        except psutil.Error:
            continue
        rss += info.rss
        pss += getattr(info, "pss", info.rss)
    return rss, pss


def reap(ours_before: set[int], timeout: float = REAP_SECONDS) -> None:
    """Wait for the orphans the command left: our children now that were not our children before it."""
    me = psutil.Process()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        orphans = [p.pid for p in me.children() if p.pid not in ours_before]
        if not orphans:
            return
        for pid in orphans:
            try:
                os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                pass
        time.sleep(0.02)


def run_measured(cmd: list[str], *, cwd: Path | None = None, env: dict[str, str] | None = None,
                 timeout: float = 3600) -> Measured:
    """Run ``cmd`` to the end (killed after ``timeout`` s) and measure it."""
    become_subreaper()
    ours_before = {p.pid for p in psutil.Process().children()}  # e.g. the site's server
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = psutil.Popen(cmd, cwd=cwd, env={**os.environ, **(env or {})}, stdout=subprocess.PIPE,
                        stderr=subprocess.PIPE, text=True)
    peak_rss = peak_pss = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak_rss, peak_pss
        while not done.is_set():
            rss, pss = tree_memory(proc)
            peak_rss, peak_pss = max(peak_rss, rss), max(peak_pss, pss)
            done.wait(SAMPLE_SECONDS)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        for child in proc.children(recursive=True):
            child.kill()
        proc.kill()
        stdout, stderr = proc.communicate()
        stderr += f"\n(killed after {timeout:.0f} s)"
    wall = time.perf_counter() - started
    done.set()
    sampler.join()
    reap(ours_before)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Measured(wall, cpu, peak_rss, proc.returncode, stdout, stderr, peak_pss)


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")
