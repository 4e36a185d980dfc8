"""Names in where: and --set that mean one thing (issue 17, item 5): qualified names (input.width,
answer.width, node.q, params.a), an ambiguous or unknown name reported at its position with the names in
scope, and --set refusing a key the problem does not take."""
from __future__ import annotations

import math

import pytest

from answerkey import build, variants
from answerkey.errors import UsageError
from tests.conftest import prefix, run_cli, spec_errors, write_spec

CONV = """\
title: Names
problems:
  - kind: conv_output_shape
    id: conv
    input: {{width: {{randint: [8, 40], default: 32}}, height: 16}}
    filters: 4
    kernel: {{choice: [3, 5], default: 5}}
    stride: {{randint: [1, 3], default: 1}}
    rounding: floor
    where: [{where}]
"""

GRAPH = """\
title: Names
problems:
  - kind: backprop
    id: bp
    graph: {{q: x + y, f: q * z}}
    inputs: {{x: {{randint: [-4, 4], default: 2}}, y: {{randint: [-4, 4], default: 1}}, z: {{randint: [-3, 3], default: 3}}}}
    ask: {{a: x}}
    where: [{where}]
"""


def conv_width(width, kernel, stride):
    """The output width of a convolution without padding, rounded down (the test's own arithmetic)."""
    return math.floor((width - kernel) / stride) + 1


def realize_all(path, seeds):
    base = build.load_base(path)
    build.canonical(base, path.stem)
    return [variants.realize(base, path.stem, variants.Variant(seed, seed), build.solve_one) for seed in seeds]


def conv_draws(spec):
    f = spec.problems[0].fields
    return f.input.width, f.kernel, f.stride


def test_input_and_answer_of_the_same_name_are_told_apart(tmp_path):
    seeds = range(1, 21)
    free = write_spec(tmp_path, CONV.format(where='"input.width >= 1"'), "free.yaml")
    held = write_spec(tmp_path, CONV.format(where='"input.width >= answer.width + 4"'), "held.yaml")
    unconstrained = [conv_draws(spec) for spec, _ in realize_all(free, seeds)]
    # the condition is a real one: some of these draws break it (kernel 3 at stride 1 always does)
    assert any(w < conv_width(w, k, s) + 4 for w, k, s in unconstrained)
    for (spec, solutions), first in zip(realize_all(held, seeds), unconstrained):
        w, k, s = conv_draws(spec)
        answer = int(solutions[0].answers["width"].expr)
        assert answer == conv_width(w, k, s)
        assert w >= answer + 4, (w, k, s)
        if first[0] >= conv_width(*first) + 4:
            assert (w, k, s) == first, "a draw that meets the condition is kept"


def test_a_field_by_its_path_and_a_graph_node_by_its_name(tmp_path):
    path = write_spec(tmp_path, GRAPH.format(where='"q > 0", "node.f > input.inputs.x", "inputs.y != 0"'))
    for spec, _ in realize_all(path, range(1, 13)):
        x, y, z = (spec.problems[0].fields.inputs[k] for k in "xyz")
        assert x + y > 0 and (x + y) * z > x and y != 0


def test_a_name_with_two_meanings_is_an_error_at_the_name(tmp_path):
    text = CONV.format(where='"2 * width > 3"')
    path = write_spec(tmp_path, text)
    [error] = spec_errors(path)
    assert error == (f"{prefix(path, text, 'width > 3')} problem 1 (conv): where.0: 'width' is both the field "
                     "input.width and the answer width (answer.width): write input.width or answer.width")


def test_an_unknown_name_lists_the_names_in_scope_with_a_did_you_mean(tmp_path):
    text = CONV.format(where='"answer.width < input.widht"')
    path = write_spec(tmp_path, text)
    [error] = spec_errors(path)
    assert error.startswith(f"{prefix(path, text, 'input.widht')} problem 1 (conv): where.0: "
                            "unknown name 'input.widht' (did you mean input.width? names here: ")
    listed = error.split("names here: ")[1].rstrip(")").split(", ")
    assert {"input.width", "input.height", "input.kernel", "input.stride", "answer.width",
            "answer.height"} <= set(listed)
    text = GRAPH.format(where='"qq > 0"')
    path = write_spec(tmp_path, text, "graph.yaml")
    [error] = spec_errors(path)
    assert error.startswith(f"{prefix(path, text, 'qq > 0')} problem 1 (bp): where.0: unknown name 'qq' "
                            "(did you mean node.q? names here: input.inputs.x, input.inputs.y, input.inputs.z, "
                            "node.q, node.f, answer.")


def test_params_by_name_as_the_readme_shows(tmp_path):
    path = write_spec(tmp_path, """\
        title: Names
        problems:
          - kind: gradient_step
            params: {a: {randint: [2, 9], default: 2}, b: {randint: [2, 9], default: 3}}
            function: a*x + b*x*y
            wrt: [x, y]
            at: {x: 1, y: 1}
            where: ["a != b", "params.a + b < 15", "answers are integers"]
        """)
    for spec, _ in realize_all(path, range(1, 9)):
        a, b = (int(spec.problems[0].params[k]) for k in "ab")
        assert a != b and a + b < 15


def test_a_reference_to_where_names_says_where_they_belong(tmp_path):
    path = write_spec(tmp_path, """\
        title: Names
        problems:
          - {kind: conv_output_shape, id: conv, input: {width: 32, height: 32}, filters: 4, kernel: 5}
          - kind: short_answer
            statement: How wide?
            answer: It is <<answer.width>> wide.
        """)
    [error] = spec_errors(path)
    assert "answer.width names no answer in scope (input., answer., node. and params. name a problem's own " \
           "values in its where: conditions only" in error
    assert "problems and parts before this one that were solved: 1, conv" in error


# -- --set ---------------------------------------------------------------------------------------------------


def test_set_refuses_a_misspelt_field_and_an_input_the_graph_lacks(tmp_path):
    path = write_spec(tmp_path, CONV.format(where='"input.width > 1"'))
    with pytest.raises(UsageError) as info:
        build.load_base(path, ["conv.stirde=2"])
    assert str(info.value).startswith("--set conv.stirde=2: problem 1 (conv) has no field 'stirde' (did you mean "
                                      "'stride'?); its fields: input, filters, kernel, stride, padding, dilation")
    with pytest.raises(UsageError) as info:
        build.load_base(path, ["1.input.widht=9"])
    assert str(info.value) == ("--set 1.input.widht=9: problem 1 (conv) has no field 'input.widht' (did you "
                               "mean 'width'?); input has: width, height, channels")
    graph = write_spec(tmp_path, GRAPH.format(where='"q > 0"'), "graph.yaml")
    proc = run_cli(graph, "--check", "--set", "bp.inputs.w=7")
    assert proc.returncode == 1
    assert proc.stderr.strip() == "error: --set bp.inputs.w=7: problem 1 (bp) has no input 'w'; its inputs are x, y, z"
    with pytest.raises(UsageError) as info:
        build.load_base(graph, ["1.inputs.zz=7"])
    assert "has no input 'zz' (did you mean 'z'?); its inputs are x, y, z" in str(info.value)
    with pytest.raises(UsageError) as info:
        build.load_base(graph, ["1.params.c=7"])
    assert "has no field 'params'" in str(info.value)
    with pytest.raises(UsageError) as info:
        build.load_base(graph, ["1.inputs.x.lo=7"])
    assert "inputs.x is a draw, with no 'lo': set the whole value (--set 1.inputs.x=VALUE)" in str(info.value)


def test_set_accepts_a_field_of_the_kind_not_yet_written_and_existing_ones(tmp_path):
    path = write_spec(tmp_path, """\
        title: Names
        problems:
          - {kind: conv_output_shape, id: conv, input: {width: 32, height: 32}, filters: 4, kernel: 5}
          - kind: gradient
            id: g
            function: x[1]**2 + x[2]
            vectors: {x: 2}
            wrt: x
            at: {x: [1, 2]}
        """)
    spec, solutions = build.canonical(build.load_base(path, ["conv.stride=3", "1.input.channels=3",
                                                            "g.at.x.0=5", "conv.input.width=35"]), "spec")
    conv = spec.problems[0].fields
    assert (conv.stride, conv.input.channels, conv.input.width) == (3, 3, 35)
    assert int(solutions[0].answers["width"].expr) == conv_width(35, 5, 3) == 11
    assert spec.problems[1].fields.at == {"x": [5, 2]}
    assert [int(v) for v in solutions[1].answers["gradient_at"].expr] == [10, 1]


def test_every_problems_where_errors_are_reported_together(tmp_path):
    """A misspelt name in two problems' where: (and a default that breaks a third's): all three errors at
    once, in problem order, not the first alone."""
    text = """\
title: Names
problems:
  - kind: conv_output_shape
    input: {width: {randint: [8, 40], default: 32}, height: 16}
    filters: 4
    kernel: 5
    where: ["input.widht > 10"]
  - kind: backprop
    graph: {q: x + y, f: q * z}
    inputs: {x: {randint: [-4, 4], default: 2}, y: 1, z: 3}
    where: ["node.qq > 0"]
  - kind: conv_output_shape
    input: {width: {randint: [8, 40], default: 32}, height: 16}
    filters: 4
    kernel: 5
    where: ["input.width > 100"]
"""
    proc = run_cli(write_spec(tmp_path, text), "--check", "-j", "1")
    assert proc.returncode == 1, proc.stderr
    lines = proc.stderr.strip().split("\n")
    assert len(lines) == 3, proc.stderr
    assert "problem 1 (1): where.0: unknown name 'input.widht' (did you mean input.width?" in lines[0]
    assert "problem 2 (2): where.0: unknown name 'node.qq' (did you mean node.q?" in lines[1]
    assert "problem 3 (3): where: the default values do not satisfy 'input.width > 100'" in lines[2]
