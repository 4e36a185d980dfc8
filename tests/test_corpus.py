"""The corpus of broken and hostile specs (tests/specs/): each one ends in its one expected message with
exit 1, within seconds, running nothing; two builds into one folder at once; a fuzz of mutated specs."""
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from answerkey.build import canonical, load_base
from answerkey.errors import AnswerkeyError

ROOT = Path(__file__).resolve().parent.parent
CORPUS = sorted((ROOT / "tests" / "specs").glob("*.yaml"))


def expected(path: Path) -> str:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# expect: ")
    return first[len("# expect: "):]


@pytest.mark.parametrize("spec", CORPUS, ids=lambda p: p.stem)
def test_broken_and_hostile_specs(spec, tmp_path):
    start = time.monotonic()
    proc = subprocess.run([sys.executable, str(ROOT / "generate.py"), str(spec), "--out", str(tmp_path)],
                          cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert time.monotonic() - start < 20
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith(str(spec) + ":")
    assert expected(spec) in proc.stderr
    assert not list(tmp_path.iterdir()) or [p.name for p in tmp_path.iterdir()] == []
    assert not (tmp_path / "canary").exists()


def test_two_builds_into_one_folder_at_once(tmp_path):
    cmd = [sys.executable, "generate.py", "--out", str(tmp_path)]
    procs = [subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)]
    for p in procs:
        p.communicate(timeout=300)
        assert p.returncode == 0
    json.loads((tmp_path / "dl-hw2.answers.json").read_text(encoding="utf-8"))
    assert (tmp_path / "dl-hw2.pdf").read_bytes().startswith(b"%PDF")
    assert (tmp_path / "dl-hw2.pdf").read_bytes().rstrip().endswith(b"%%EOF")
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


SEED = (ROOT / "problems" / "dl-hw2.yaml").read_text(encoding="utf-8")


@settings(max_examples=40, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, len(SEED) - 1), st.integers(0, 8),
                          st.sampled_from(["", ":", "-", "[", "{", "x", "0", " ", "\n", "'", "*", "&a", "!!str"])),
                min_size=1, max_size=4))
def test_mutated_specs_give_clean_errors_or_good_builds(tmp_path_factory, edits):
    text = SEED
    for position, length, insert in edits:
        text = text[:position] + insert + text[position + length:]
    path = tmp_path_factory.mktemp("fuzz") / "fuzz.yaml"
    path.write_text(text, encoding="utf-8")
    try:
        canonical(load_base(path), "fuzz")
    except AnswerkeyError as exc:
        assert str(exc)
