"""The default key's .tex against its reviewed golden file (refresh: make golden)."""
import difflib

from tests.refresh_golden import GOLDEN, ROOT, golden_tex


def test_default_spec_matches_golden_tex():
    for spec_path, target in GOLDEN.items():
        want = (ROOT / target).read_text(encoding="utf-8")
        got = golden_tex(spec_path)
        diff = "".join(difflib.unified_diff(want.splitlines(True), got.splitlines(True), target, "generated"))
        assert not diff, f"the generated .tex differs from {target} (run `make golden` and review):\n{diff}"


def test_generate_writes_the_golden_tex(tmp_path):
    import subprocess
    import sys

    subprocess.run([sys.executable, "generate.py", "--no-pdf", "-q", "--out", str(tmp_path)], cwd=ROOT, check=True)
    assert (tmp_path / "dl-hw2.tex").read_text(encoding="utf-8") == (ROOT / GOLDEN["problems/dl-hw2.yaml"]).read_text(
        encoding="utf-8")
