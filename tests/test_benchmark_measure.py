"""The benchmarks' measuring: CPU of the whole process tree, orphans included, and peak memory.

``run_measured`` makes its process a subreaper, so each measurement runs in a child
Python here rather than in the test worker, whose other tests' orphans must still go
to init.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# The parent exits at once; its child (a forkserver worker would do the same) outlives it,
# burns 0.4 s of CPU, and is waited for by nobody but the measuring process.
ORPHAN = textwrap.dedent("""
    import os, time
    if os.fork() == 0:
        time.sleep(0.2)
        while time.process_time() < 0.4:
            pass
        os._exit(0)
""")
GROW = "import time; b = bytearray(64 * 2**20); b[::4096] = b'x' * len(b[::4096]); time.sleep(0.5)"


def measure(code: str) -> dict:
    runner = textwrap.dedent(f"""
        import dataclasses, json, sys
        sys.path.insert(0, {str(ROOT)!r})
        from benchmarks.measure import run_measured
        print(json.dumps(dataclasses.asdict(run_measured([sys.executable, "-c", {code!r}], timeout=60))))
    """)
    proc = subprocess.run([sys.executable, "-c", runner], capture_output=True, text=True, timeout=120, check=True)
    return json.loads(proc.stdout)


def test_cpu_of_a_descendant_that_outlives_its_parent_is_counted():
    measured = measure(ORPHAN)
    assert measured["returncode"] == 0
    assert measured["cpu"] >= 0.4


def test_peak_memory_is_read_as_pss_and_rss():
    measured = measure(GROW)
    assert measured["returncode"] == 0
    assert 64 * 2**20 <= measured["peak_pss"] <= measured["peak_rss"]
