"""Outputs: written atomically (no temporary files left, content replaced whole), and a failed build
leaves the earlier outputs exactly as they were."""
from __future__ import annotations

import json
import os
import stat

import pytest
import sympy as sp

from answerkey import outputs
from answerkey.build import Options, load_spec, run, solve_all
from answerkey.derivation import Answer
from answerkey.errors import SpecError

from .conftest import GOOD_SPEC, leftovers, run_cli, write_spec

# -- atomic_write -------------------------------------------------------------------------------------------


def test_atomic_write_creates_the_file_and_its_folders(tmp_path):
    target = tmp_path / "a" / "b" / "out.tex"
    outputs.atomic_write(target, "héllo\n")
    assert target.read_bytes() == "héllo\n".encode("utf-8")
    assert os.listdir(target.parent) == ["out.tex"]
    assert stat.S_IMODE(target.stat().st_mode) == 0o644


def test_atomic_write_replaces_the_content_and_leaves_no_temp_files(tmp_path):
    target = tmp_path / "out.json"
    outputs.atomic_write(target, "a much longer first version\n" * 100)
    outputs.atomic_write(target, b"short")
    assert target.read_bytes() == b"short"
    assert os.listdir(tmp_path) == ["out.json"]
    assert leftovers(tmp_path) == []


def test_atomic_write_replaces_rather_than_rewrites(tmp_path):
    """A reader holding the old file keeps the old content: the file is renamed into place."""
    target = tmp_path / "out.tex"
    outputs.atomic_write(target, "old")
    with open(target, "rb") as reader:
        outputs.atomic_write(target, "new")
        assert reader.read() == b"old"
    assert target.read_text() == "new"


def test_a_failed_atomic_write_keeps_the_old_file_and_cleans_up(tmp_path, monkeypatch):
    target = tmp_path / "out.tex"
    outputs.atomic_write(target, "good")

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(outputs.os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        outputs.atomic_write(target, "half-written")
    monkeypatch.undo()
    assert target.read_text() == "good"
    assert os.listdir(tmp_path) == ["out.tex"]


def test_an_interrupted_atomic_write_cleans_up(tmp_path, monkeypatch):
    target = tmp_path / "out.tex"

    def interrupted(fd):
        raise KeyboardInterrupt

    monkeypatch.setattr(outputs.os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        outputs.atomic_write(target, "data")
    monkeypatch.undo()
    assert os.listdir(tmp_path) == []


# -- a failed build leaves the earlier outputs ---------------------------------------------------------------


def snapshot(folder):
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_failed_build_leaves_earlier_outputs_byte_identical(tmp_path):
    spec = write_spec(tmp_path, GOOD_SPEC, "hw.yaml")
    out = tmp_path / "out"
    first = run_cli(spec, "--no-pdf", "--out", out)
    assert first.returncode == 0, first.stderr
    before = snapshot(out)
    assert set(before) == {"hw.tex", "hw.answers.json"}

    # the same spec, now wrong: nothing is written
    write_spec(tmp_path, GOOD_SPEC.replace("kind: gradient\n    id: lse", "kind: gradiant\n    id: lse"), "hw.yaml")
    second = run_cli(spec, "--no-pdf", "--out", out)
    assert second.returncode == 1
    assert "unknown kind 'gradiant'" in second.stderr
    assert snapshot(out) == before

    # a bad --set on the good spec: nothing is written either
    write_spec(tmp_path, GOOD_SPEC, "hw.yaml")
    third = run_cli(spec, "--no-pdf", "--out", out, "--set", "2.function=expp(x)")
    assert third.returncode == 1
    assert snapshot(out) == before
    assert leftovers(out) == []


def test_failed_build_in_process_writes_nothing(tmp_path):
    spec = write_spec(tmp_path, GOOD_SPEC, "hw.yaml")
    out = tmp_path / "out"
    run(spec, Options(out=out, pdf=False))
    before = snapshot(out)
    with pytest.raises(SpecError):
        run(spec, Options(out=out, pdf=False, sets=["1.wrt=q"]))
    assert snapshot(out) == before


def test_rebuild_of_the_same_spec_is_byte_identical(tmp_path):
    spec = write_spec(tmp_path, GOOD_SPEC, "hw.yaml")
    first, second = tmp_path / "a", tmp_path / "b"
    run(spec, Options(out=first, pdf=False))
    run(spec, Options(out=second, pdf=False))
    assert snapshot(first) == snapshot(second)


# -- answers.json records -------------------------------------------------------------------------------------


def test_answer_record_of_a_numeric_matrix():
    record = outputs.answer_record(Answer(sp.Matrix([[1, sp.Rational(1, 2)], [3, -4]])))
    assert record["value"] == [[1, 0.5], [3, -4]]
    assert sp.sympify(record["sympy"]) == sp.Matrix([[1, sp.Rational(1, 2)], [3, -4]])
    assert "index" not in record


def test_answer_record_of_a_number_and_a_symbol():
    assert outputs.answer_record(Answer(sp.Integer(15))) == {"latex": "15", "sympy": "15", "value": 15}
    record = outputs.answer_record(Answer(sp.Symbol("alpha", real=True) * 2))
    assert record["value"] is None
    assert sp.sympify(record["sympy"]) == 2 * sp.Symbol("alpha")


def test_answers_json_is_utf8_json_with_the_contract_keys(tmp_path):
    text = GOOD_SPEC.replace("title: Gradient practice", "title: 딥러닝 과제 & 50% $off$")
    spec = load_spec(write_spec(tmp_path, text))
    data = json.loads(outputs.answers_json(spec, solve_all(spec)))
    assert data["title"] == "딥러닝 과제 & 50% $off$"  # plain text, as written
    assert data["seed"] is None
    assert [p["verified"] for p in data["problems"]] == [True, True]


def test_outputs_follow_the_umask(tmp_path):
    """A course's roster sheets carry students' names: with umask 077 the run folder and its files are the
    owner's alone (as the shell's own files would be), not readable by everyone; with 022, 755 and 644."""
    previous = os.umask(0o077)
    try:
        with outputs.RunFolder(tmp_path / "spec-roster") as folder:
            outputs.atomic_write(folder.path / "sheet.tex", "x")
            folder.commit(manifest={})
        outputs.atomic_write(tmp_path / "one.tex", "y")
    finally:
        os.umask(previous)
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in
             [tmp_path / "spec-roster", tmp_path / "spec-roster" / "sheet.tex", tmp_path / "spec-roster" /
              "manifest.json", tmp_path / "one.tex"]}
    assert modes == {"spec-roster": 0o700, "sheet.tex": 0o600, "manifest.json": 0o600, "one.tex": 0o600}
    os.umask(0o022)
    try:
        with outputs.RunFolder(tmp_path / "spec-variants") as folder:
            outputs.atomic_write(folder.path / "sheet.tex", "x")
            folder.commit(manifest={})
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "spec-variants").stat().st_mode) == 0o755
    assert stat.S_IMODE((tmp_path / "spec-variants" / "sheet.tex").stat().st_mode) == 0o644


def test_run_folder_commit_syncs_every_file_and_lists_the_writers_digests(tmp_path, monkeypatch):
    """Files written into a run's folder without a sync of their own (atomic_write(sync=False), as the
    variants' are) are synced when it is committed, with the folder; the manifest takes a writer's digest
    where the size on disk agrees with it, and hashes the file itself where it does not (or is not told)."""
    import hashlib
    import json

    synced = []
    real = os.fsync

    def spy(fd):
        synced.append(os.readlink(f"/proc/self/fd/{fd}") if os.path.exists(f"/proc/self/fd/{fd}") else fd)
        return real(fd)

    with outputs.RunFolder(tmp_path / "spec-variants") as folder:
        monkeypatch.setattr(os, "fsync", spy)
        outputs.atomic_write(folder.path / "a.pdf", b"%PDF-a", sync=False)
        outputs.atomic_write(folder.path / "b.tex", "b", sync=False)
        outputs.atomic_write(folder.path / "c.json", "{}", sync=False)
        assert synced == []  # nothing synced as written
        known = {str(folder.path / "a.pdf"): outputs.digest(b"%PDF-a"),
                 str(folder.path / "b.tex"): (5, "0" * 64)}  # a stale digest: its size disagrees
        partial = folder.path
        folder.commit(manifest={}, known=known)
    listing = {f["path"]: f for f in json.loads((tmp_path / "spec-variants" / "manifest.json").read_text())["files"]}
    for name in ("a.pdf", "b.tex", "c.json"):
        data = (tmp_path / "spec-variants" / name).read_bytes()
        assert listing[name]["sha256"] == hashlib.sha256(data).hexdigest() and listing[name]["bytes"] == len(data)
    if os.path.exists("/proc/self/fd"):
        for name in ("a.pdf", "b.tex", "c.json"):  # (the manifest is synced as it is written)
            assert str(partial / name) in synced
        assert str(partial) in synced  # the folder's names too


def test_run_folder_files_synced_early_are_not_synced_again(tmp_path, monkeypatch):
    """sync_soon: the variants' files synced in a thread while the run makes its last files; the commit
    waits for it and syncs only the files it did not (here the one written after)."""
    if not os.path.exists("/proc/self/fd"):
        pytest.skip("names of open files from /proc")
    synced = []
    real = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(os.readlink(f"/proc/self/fd/{fd}")), real(fd))[1])
    with outputs.RunFolder(tmp_path / "spec-variants") as folder:
        outputs.atomic_write(folder.path / "early.pdf", b"%PDF-1", sync=False)
        folder.sync_soon([folder.path / "early.pdf"])
        outputs.atomic_write(folder.path / "late.pdf", b"%PDF-2", sync=False)
        partial = folder.path
        folder.commit(manifest={})
    assert synced.count(str(partial / "early.pdf")) == 1 and synced.count(str(partial / "late.pdf")) == 1
