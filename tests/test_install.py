"""`pip install .` gives a working `answerkey` command: the package built into a wheel from the tracked
files, installed with pip into a fresh virtualenv (its dependencies taken from this one's site-packages,
so the test needs no network), then run from a folder that holds nothing but a copy of the default spec:
templates, kinds and the grammar must all come from the installed package."""
from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(shutil.which("pdflatex") is None, reason="TeX is installed by `make test`")


def _tracked(dest: Path) -> None:
    try:
        files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
        names = [n for n in files.decode().split("\0") if n and (ROOT / n).is_file()]
    except (OSError, subprocess.CalledProcessError):  # not a checkout: everything but outputs and caches
        names = [str(p.relative_to(ROOT)) for p in ROOT.rglob("*") if p.is_file()
                 and not {"build", ".venv", ".git", "__pycache__"} & set(p.relative_to(ROOT).parts)]
    for name in names:
        (dest / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, dest / name)


def test_pip_install_gives_a_working_answerkey_command(tmp_path):
    src, wheels, env, work = (tmp_path / d for d in ("src", "wheels", "env", "work"))
    _tracked(src)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                    "--disable-pip-version-check", "-w", str(wheels), str(src)], check=True, capture_output=True)
    subprocess.run([sys.executable, "-m", "venv", str(env)], check=True, capture_output=True)
    python = env / "bin" / "python"
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             check=True, capture_output=True, text=True).stdout.strip()
    # the dependencies: this interpreter's site-packages, as plain paths (their .pth files, among them an
    # editable install of this checkout, are not run)
    ours = {sysconfig.get_paths()["purelib"], *site.getsitepackages()}
    Path(purelib, "dependencies.pth").write_text("\n".join(sorted(ours)) + "\n")
    (wheel,) = wheels.glob("answerkey-*.whl")
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index",
                    "--disable-pip-version-check", str(wheel)], check=True, capture_output=True)
    (work / "problems").mkdir(parents=True)
    shutil.copy(ROOT / "problems" / "dl-hw2.yaml", work / "problems")
    clean = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    command = env / "bin" / "answerkey"

    def run(*args, exe=(str(command),)):
        return subprocess.run([*exe, *args], cwd=work, env=clean, capture_output=True, text=True, timeout=300)

    where = run("-c", "import answerkey; print(answerkey.__file__)", exe=(str(python),))
    assert where.stdout.strip().startswith(purelib), where
    version = run("--version")
    assert version.returncode == 0 and version.stdout.startswith("answerkey (answerkey) "), version
    assert run("--version", exe=(str(python), "-m", "answerkey")).returncode == 0
    built = run("--out", "out")  # no SPEC: the default, problems/dl-hw2.yaml
    assert built.returncode == 0, built.stderr
    pdf = work / "out" / "dl-hw2.pdf"
    assert pdf.read_bytes().startswith(b"%PDF")
    # the same key as a build from the checkout
    assert (work / "out" / "dl-hw2.tex").read_text(encoding="utf-8") == \
        (ROOT / "tests" / "golden" / "dl-hw2.tex").read_text(encoding="utf-8")
    # the layouts' and the languages' files come with the package too
    exam = run("--out", "exam", "--layout", "exam", "--language", "ko", "--no-pdf")
    assert exam.returncode == 0, exam.stderr
    tex = (work / "exam" / "dl-hw2.tex").read_text(encoding="utf-8")
    assert r"\documentclass[11pt]{exam}" in tex and "검증" in tex
