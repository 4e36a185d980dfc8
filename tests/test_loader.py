"""Stage 1: reading a spec file into data with 1-based positions; what YAML features are refused."""
from __future__ import annotations

import time

import pytest

from answerkey import loader
from answerkey.errors import SpecError

from .conftest import position, write_spec

SAMPLE = """\
title: Gradient practice
problems:
  - kind: gradient
    id: lin
    function: 2*x + 3*x*y
    wrt: [x, y]
"""


def messages(exc: SpecError) -> list[str]:
    return [str(d) for d in exc.diagnostics]


# -- positions -----------------------------------------------------------------------------------


def test_positions_are_one_based_line_and_column():
    doc = loader.load_text(SAMPLE, "s.yaml")
    assert doc.data["problems"][0]["function"] == "2*x + 3*x*y"
    assert doc.positions[()] == (1, 1)
    assert doc.positions[("title",)] == position(SAMPLE, "Gradient practice")
    assert doc.positions[("problems", 0)] == position(SAMPLE, "kind:")
    assert doc.positions[("problems", 0, "function")] == position(SAMPLE, "2*x + 3*x*y")
    assert doc.positions[("problems", 0, "wrt")] == position(SAMPLE, "[x, y]")
    assert doc.positions[("problems", 0, "wrt", 1)] == position(SAMPLE, "y]")
    assert doc.key_positions[("problems", 0, "function")] == position(SAMPLE, "function:")
    assert doc.key_positions[("title",)] == (1, 1)


def test_position_of_a_missing_path_is_its_nearest_ancestor():
    doc = loader.load_text(SAMPLE, "s.yaml")
    assert doc.position(("problems", 0, "at", "x")) == position(SAMPLE, "kind:")


def test_where_gives_file_line_col_prefix():
    doc = loader.load_text(SAMPLE, "s.yaml")
    line, col = position(SAMPLE, "2*x")
    where = doc.where(("problems", 0, "function"), "problem 1 (lin)", "function")
    assert where.prefix() == f"s.yaml:{line}:{col}: problem 1 (lin): function:"


def test_where_names_the_set_option_for_an_overridden_value():
    doc = loader.load_text(SAMPLE, "s.yaml")
    doc.overridden[("problems", 0, "function")] = "1.function=x**2"
    where = doc.where(("problems", 0, "function"), "problem 1 (lin)", "function")
    assert where.prefix() == "--set 1.function=x**2: problem 1 (lin): function:"


def test_load_reads_a_file_and_uses_its_path_as_the_name(tmp_path):
    path = write_spec(tmp_path, SAMPLE)
    doc = loader.load(path)
    assert doc.file == str(path)
    assert doc.data["title"] == "Gradient practice"


def test_utf8_text_and_a_byte_order_mark_are_read(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_bytes("\ufefftitle: T\nauthor: 2018320161 컴퓨터학과 송대선\nproblems: []\n".encode("utf-8"))
    doc = loader.load(path)
    assert doc.data["author"] == "2018320161 컴퓨터학과 송대선"
    assert doc.positions[("title",)] == (1, 8)


def test_dates_and_numbers_keep_their_meaning():
    doc = loader.load_text("date: 2020-11-18\nother: November 18, 2020\nx: 1.5\nn: 3\nb: true\nz: null\n", "s")
    assert doc.data == {"date": "2020-11-18", "other": "November 18, 2020", "x": 1.5, "n": 3, "b": True,
                        "z": None}


# -- duplicate keys --------------------------------------------------------------------------------


def test_duplicate_key_is_an_error_naming_the_key_and_both_lines():
    text = SAMPLE + "    wrt: x\n"
    with pytest.raises(SpecError) as info:
        loader.load_text(text, "s.yaml")
    (msg,) = messages(info.value)
    first_line, _ = position(text, "wrt:", 1)
    second_line, second_col = position(text, "wrt:", 2)
    assert msg.startswith(f"s.yaml:{second_line}:{second_col}: duplicate key 'wrt'")
    assert f"line {first_line}" in msg


def test_duplicate_top_level_key():
    text = "title: A\nproblems: []\ntitle: B\n"
    with pytest.raises(SpecError) as info:
        loader.load_text(text, "s.yaml")
    assert messages(info.value) == ["s.yaml:3:1: duplicate key 'title' (first given at line 1)"]


def test_every_duplicate_key_is_reported():
    text = "title: A\ntitle: B\nproblems:\n  - kind: gradient\n    kind: gradient\n"
    with pytest.raises(SpecError) as info:
        loader.load_text(text, "s.yaml")
    msgs = messages(info.value)
    assert len(msgs) == 2
    assert msgs[0].startswith("s.yaml:2:1: duplicate key 'title'")
    assert msgs[1].startswith("s.yaml:5:5: duplicate key 'kind'")


# -- anchors, aliases, tags --------------------------------------------------------------------------


def test_anchor_and_alias_are_refused():
    text = SAMPLE.replace("  - kind: gradient\n", "  - &p\n    kind: gradient\n") + "  - *p\n"
    with pytest.raises(SpecError) as info:
        loader.load_text(text, "s.yaml")
    msgs = messages(info.value)
    assert msgs and all("anchors and aliases" in m for m in msgs)
    assert all(m.startswith("s.yaml:") for m in msgs)


def test_merge_key_is_refused():
    with pytest.raises(SpecError) as info:
        loader.load_text("base: {a: 1}\nother:\n  <<: {a: 2}\n", "s.yaml")
    assert "merge keys" in str(info.value)


def _alias_bomb(levels: int = 9) -> str:
    lines = ["title: lol", 'a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    prev = "a"
    for name in "bcdefghijk"[: levels - 1]:
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]")
        prev = name
    lines.append("problems: []")
    return "\n".join(lines) + "\n"


def test_billion_laughs_alias_bomb_is_refused_quickly(tmp_path):
    path = tmp_path / "bomb.yaml"
    path.write_text(_alias_bomb(), encoding="utf-8")
    start = time.perf_counter()
    with pytest.raises(SpecError) as info:
        loader.load(path)
    assert time.perf_counter() - start < 1.0
    assert "anchors and aliases" in str(info.value)
    assert str(info.value).startswith(f"{path}:")
    # printed as at most 20 lines plus a count, not one line per expanded value
    assert len(str(info.value).splitlines()) <= 21


def test_alias_bomb_diagnostics_are_not_repeated():
    with pytest.raises(SpecError) as info:
        loader.load_text(_alias_bomb(), "bomb.yaml")
    msgs = messages(info.value)
    assert len(msgs) == len(set(msgs))


def test_each_alias_is_reported_once_where_it_is_first_used():
    text = "a: &x 1\nb: *x\nc: *x\nd: &y [*x]\ne: *y\n"
    with pytest.raises(SpecError) as info:
        loader.load_text(text, "s.yaml")
    msgs = messages(info.value)
    assert [m.split(" ")[0] for m in msgs] == ["s.yaml:2:4:", "s.yaml:5:4:"]
    assert "(*x)" in msgs[0] and "(*y)" in msgs[1]


def test_too_many_values_is_refused(monkeypatch):
    monkeypatch.setattr(loader, "MAX_NODES", 1000)  # the same check, without composing 100k nodes
    text = "title: T\nproblems: [" + ",".join(["1"] * 1001) + "]\n"
    with pytest.raises(SpecError) as info:
        loader.load_text(text, "s.yaml")
    assert "too large (more than 1000 values)" in str(info.value)
    assert str(info.value).startswith("s.yaml:2:")


def test_file_larger_than_the_limit_is_refused(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_bytes(b"# " + b"x" * loader.MAX_BYTES + b"\n")
    with pytest.raises(SpecError) as info:
        loader.load(path)
    assert str(info.value).startswith(f"{path}: the file is larger than")


def test_python_object_tag_is_not_constructed(tmp_path):
    canary = tmp_path / "canary"
    text = f"title: !!python/object/apply:os.system ['touch {canary}']\nproblems: []\n"
    try:
        loader.load_text(text, "s.yaml")
    except SpecError:
        pass
    assert not canary.exists()


def test_python_scalar_tag_is_refused():
    with pytest.raises(SpecError) as info:
        loader.load_text("title: !!python/name:os.system\nproblems: []\n", "s.yaml")
    assert str(info.value).startswith("s.yaml:1:8:")


def test_unknown_local_tag_on_a_scalar_is_refused():
    with pytest.raises(SpecError) as info:
        loader.load_text("title: !shout hello\nproblems: []\n", "s.yaml")
    assert str(info.value).startswith("s.yaml:1:8: unsupported YAML tag")


def test_tag_on_a_sequence_is_refused():
    with pytest.raises(SpecError):
        loader.load_text("title: !!python/object/apply:os.system ['echo hi']\nproblems: []\n", "s.yaml")


@pytest.mark.parametrize("text, col", [
    ("title: !!python/object/apply:os.system ['echo hi']\nproblems: []\n", 8),
    ("title: !custom {a: 1}\nproblems: []\n", 8),
    ("title: !!set {a, b}\nproblems: []\n", 8),
    ("title: T\nproblems: !!python/object/new:list []\n", 11),
])
def test_tag_on_a_mapping_or_sequence_is_refused_at_its_position(text, col):
    with pytest.raises(SpecError) as info:
        loader.load_text(text, "s.yaml")
    line = 2 if text.startswith("title: T") else 1
    assert str(info.value).startswith(f"s.yaml:{line}:{col}: unsupported YAML tag")


def test_standard_collection_tags_are_fine():
    doc = loader.load_text("title: !!str T\nx: !!map {a: 1}\nproblems: !!seq []\n", "s.yaml")
    assert doc.data == {"title": "T", "x": {"a": 1}, "problems": []}


@pytest.mark.parametrize("text, col", [("!shout k: 1\n", 1), ("!!int abc: 1\n", 1), ("a: !!int abc\n", 4),
                                       ("a: !!timestamp 2020-99\n", 4)])
def test_a_bad_tag_on_a_key_or_value_is_an_error_not_a_traceback(text, col):
    with pytest.raises(SpecError) as info:
        loader.load_text(text, "s.yaml")
    assert str(info.value).startswith(f"s.yaml:1:{col}:")


# -- bad files -------------------------------------------------------------------------------------


def test_non_utf8_file_is_an_error_with_its_position(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("title: T\nauthor: Café\nproblems: []\n".encode("latin-1"))
    with pytest.raises(SpecError) as info:
        loader.load(path)
    # 'é' is the 12th character of line 2
    assert str(info.value).startswith(f"{path}:2:12: the file is not UTF-8 text")


def test_non_utf8_byte_on_the_first_line(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_bytes(b"\xfftitle: T\n")
    with pytest.raises(SpecError) as info:
        loader.load(path)
    assert str(info.value).startswith(f"{path}:1:1: the file is not UTF-8 text")


def test_missing_file(tmp_path):
    path = tmp_path / "nope.yaml"
    with pytest.raises(SpecError) as info:
        loader.load(path)
    assert str(info.value) == f"{path}: no such file"


def test_a_directory_is_not_a_spec(tmp_path):
    with pytest.raises(SpecError) as info:
        loader.load(tmp_path)
    assert str(info.value).startswith(f"{tmp_path}: is a directory")


@pytest.mark.parametrize("content", ["", "\n\n", "# only a comment\n", "---\n", "--- # nothing\n# here\n"])
def test_empty_file(tmp_path, content):
    path = tmp_path / "empty.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(SpecError) as info:
        loader.load(path)
    assert str(info.value) == f"{path}:1:1: the spec is empty"


@pytest.mark.parametrize("text, line", [
    ("title: T\nproblems:\n  - kind: [\n", 4),
    ("title: T\n\tproblems: []\n", 2),
    ("title: 'unclosed\nproblems: []\n", 3),
])
def test_invalid_yaml_has_a_position(text, line):
    with pytest.raises(SpecError) as info:
        loader.load_text(text, "s.yaml")
    msg = str(info.value)
    assert msg.startswith(f"s.yaml:{line}:")
    assert "invalid YAML" in msg
    assert len(msg.splitlines()) == 1


# -- positions inside a scalar's text --------------------------------------------------------------

SCALARS = """\
plain: 2*x + expp(y)
double: "2*x + expp(y)"
single: '2*x + ''s'' + expp(y)'
folded: >-
  x**2 + y**2 +
  expp(y)
literal: |
  Compute.
  \\input{x}
multiline_plain: x**2 +
  expp(y)
escaped: "x + \\
   expp(y) \\x41 \\u00e9"
tagged: !!str "x + expp(y)"
indicated: |2
    more
  expp
flow: [x + expp(y), "q + expp(r)"]
"""


@pytest.mark.parametrize("path, needle, occurrence", [
    (("plain",), "expp", 1), (("double",), "expp", 2), (("single",), "expp", 3), (("single",), "''s''", 1),
    (("folded",), "expp", 4), (("folded",), "y**2", 1), (("literal",), "\\input", 1),
    (("multiline_plain",), "expp", 5), (("escaped",), "expp", 6), (("tagged",), "expp", 7),
    (("indicated",), "more", 1), (("indicated",), "expp", 8), (("flow", 0), "expp", 9), (("flow", 1), "expp", 10),
])
def test_text_position_maps_a_character_of_a_value_to_the_file(path, needle, occurrence):
    doc = loader.load_text(SCALARS, "s.yaml")
    value = doc.data
    for part in path:
        value = value[part]
    needle_in_value = needle.replace("''", "'")
    assert doc.text_position(path, value.index(needle_in_value), value) == position(SCALARS, needle, occurrence)


def test_text_position_is_none_for_a_value_not_read_from_the_file():
    doc = loader.load_text(SCALARS, "s.yaml")
    assert doc.text_position(("plain",), 0, "something else") is None
    assert doc.text_position(("nothing",), 0) is None
    doc.overridden[("plain",)] = "x=1"
    assert doc.text_position(("plain",), 0) is None


def test_a_document_made_from_anothers_positions_still_maps_values():
    # the canonical build and each variant make their own Document from the loaded one's positions
    doc = loader.load_text(SCALARS, "s.yaml")
    copy = loader.Document(doc.file, dict(doc.data), doc.positions, doc.key_positions, doc.overridden)
    value = copy.data["double"]
    assert copy.text_position(("double",), value.index("expp"), value) == position(SCALARS, "expp", 2)


def test_text_position_is_none_where_a_value_is_not_written_as_itself():
    # the value's "A" comes from the escape \x41: PyYAML read it, and it is nowhere in the source as "A",
    # so the error is placed at the value instead (spec.py), not at a wrong character
    doc = loader.load_text(SCALARS, "s.yaml")
    value = doc.data["escaped"]
    assert doc.text_position(("escaped",), value.index("A"), value) is None
    # the end of a value maps to just after its last character
    assert doc.text_position(("plain",), len(doc.data["plain"]), doc.data["plain"]) == (1, len("plain: 2*x + expp(y)") + 1)
