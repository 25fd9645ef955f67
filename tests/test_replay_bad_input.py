"""Bad input to replay: each file gets a one-line reason, the others go through, nothing is lost."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "000_f084e2116eebfcde.txt"
SEED2 = ROOT / "seeds" / "001_411e5a488f9f2ae6.txt"

ENGLISH_PAGE = b"""<html><head><title>City council news</title></head><body><article>
<h1>Council approves the new library budget</h1>
<p>The city council approved the budget for the new public library on Monday after a long debate.</p>
<p>Construction is expected to start next spring and finish within two years, officials said.</p>
</article></body></html>"""


def cp949_bytes(text: str) -> bytes:
    """The seed as an EUC-KR/CP949 site would serve it (the few symbols CP949 lacks become spaces)."""
    return "".join(ch if _cp949_has(ch) else " " for ch in text).encode("cp949")


def _cp949_has(ch: str) -> bool:
    try:
        ch.encode("cp949")
    except UnicodeEncodeError:
        return False
    return True


def run(tmp: Path, db_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "planwatch", "--db", db_url, "--outbox", str(tmp / "out"), *args],
        capture_output=True, text=True, timeout=300, cwd=tmp,
    )


def plans_json(tmp: Path, db_url: str) -> list[dict]:
    proc = run(tmp, db_url, "plans", "--json")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_bad_files_are_reported_and_the_good_ones_stored(tmp_path, db_url):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(SEED, inbox / "good.txt")
    (inbox / "empty.txt").write_bytes(b"")
    (inbox / "binary.txt").write_bytes(bytes(range(256)) * 40)
    (inbox / "english.html").write_bytes(ENGLISH_PAGE)
    (inbox / "cp949.txt").write_bytes(cp949_bytes(SEED2.read_text(encoding="utf-8")))
    (inbox / "broken.warc.gz").write_bytes(b"\x1f\x8b\x08\x00garbage")
    (tmp_path / "nothing").mkdir()

    proc = run(tmp_path, db_url, "replay", str(inbox), str(tmp_path / "nothing"))
    assert proc.returncode == 0, proc.stderr
    skipped = [line for line in proc.stderr.splitlines() if line.startswith("skipped")]
    names = " ".join(skipped)
    for bad in ("empty.txt", "binary.txt", "english.html", "broken.warc.gz", "nothing"):
        assert bad in names, (bad, proc.stderr)
    assert "cp949.txt" not in names  # an EUC-KR/CP949 text capture is read, not skipped
    assert len(skipped) == 5

    plans = plans_json(tmp_path, db_url)
    assert {p["municipality"] for p in plans} == {"안양시", "부천시"}


def test_a_failed_replay_loses_nothing_already_stored(tmp_path, db_url):
    assert run(tmp_path, db_url, "replay", str(SEED)).returncode == 0
    before = plans_json(tmp_path, db_url)
    empty = tmp_path / "empty"
    empty.mkdir()
    assert run(tmp_path, db_url, "replay", str(empty)).returncode == 1
    after = plans_json(tmp_path, db_url)
    assert before == after and len(after) == 1
