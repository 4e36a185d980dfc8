"""The architecture kind against PyTorch's parameter shapes, written out here as its documentation gives them
(PyTorch itself is not installed): nn.LSTM/GRU/RNN weight_ih_l{k} (G h, input), weight_hh_l{k} (G h, h),
bias_ih_l{k} and bias_hh_l{k} (G h) per layer and direction; nn.MultiheadAttention in_proj (3d, d) + (3d),
out_proj (d, d) + (d); nn.TransformerEncoderLayer that plus linear1 (d_ff, d) + (d_ff), linear2 (d, d_ff) + (d),
norm1 and norm2 (d) + (d); nn.Embedding (V, d); nn.LayerNorm 2 d; nn.BatchNorm 2 C. Random sizes, letters
against numbers, invalid configurations as answers and as spec errors."""
from __future__ import annotations

import random

import numpy as np
import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings, strategies as st

from answerkey import reader
from answerkey.errors import AnswerkeyError, VerificationError
from tests.kindutil import solve

GATES = {"rnn": 1, "gru": 3, "lstm": 4}


def recurrent_params(kind, d, h, layers=1, bidirectional=False, biases=2):
    """The sum of the sizes of PyTorch's arrays of nn.RNN / nn.GRU / nn.LSTM."""
    g, directions, total = GATES[kind], 2 if bidirectional else 1, 0
    for layer in range(layers):
        width = d if layer == 0 else directions * h
        for _ in range(directions):
            arrays = [np.zeros((g * h, width)), np.zeros((g * h, h))] + [np.zeros(g * h)] * biases
            total += sum(a.size for a in arrays)
    return total


def attention_params(d, bias=True):
    arrays = [np.zeros((3 * d, d)), np.zeros((d, d))] + ([np.zeros(3 * d), np.zeros(d)] if bias else [])
    return sum(a.size for a in arrays)


def encoder_params(d, d_ff):
    arrays = [np.zeros((d_ff, d)), np.zeros(d_ff), np.zeros((d, d_ff)), np.zeros(d)] + [np.zeros(d)] * 4
    return attention_params(d) + sum(a.size for a in arrays)


def one(tmp_path, problem):
    spec, (solution,) = solve(tmp_path, problem)
    assert solution.verified and solution.unread == [], solution.unread
    return spec.problems[0], solution


def value(solution, label):
    expr = solution.answers[label].expr
    return tuple(int(e) for e in expr) if isinstance(expr, sp.Tuple) else int(expr)


FAST = settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FAST
@given(kind=st.sampled_from(["rnn", "gru", "lstm"]), d=st.integers(1, 300), h=st.integers(1, 300),
       layers=st.integers(1, 3), bidirectional=st.booleans(), biases=st.sampled_from(["two", "one", "none"]))
def test_recurrent_parameters_and_shapes_are_pytorchs(tmp_path, kind, d, h, layers, bidirectional, biases):
    _, s = one(tmp_path, {"kind": "architecture", "input": {"batch": 3, "length": 7, "features": d},
                          "layers": [{kind: {"hidden": h, "layers": layers, "bidirectional": bidirectional,
                                             "biases": biases}}], "ask": ["params", "shapes", "macs"]})
    directions = 2 if bidirectional else 1
    assert value(s, f"{kind}1_params") == recurrent_params(kind, d, h, layers, bidirectional,
                                                           {"two": 2, "one": 1, "none": 0}[biases])
    assert value(s, f"{kind}1_shape") == (3, 7, directions * h)
    assert value(s, f"{kind}1_h_shape") == (layers * directions, 3, h)
    assert (f"{kind}1_c_shape" in s.answers) == (kind == "lstm")
    weights = recurrent_params(kind, d, h, layers, bidirectional, 0)  # one multiply-add per weight per step
    assert value(s, f"{kind}1_macs") == 7 * weights


def test_a_bidirectional_two_layer_lstm_reads_2h_in_its_second_layer(tmp_path):
    _, s = one(tmp_path, {"kind": "architecture", "input": {"batch": 32, "length": 50, "features": 100},
                          "layers": [{"lstm": {"hidden": 256, "layers": 2, "bidirectional": True}}]})
    first = 4 * (256 * (100 + 256) + 2 * 256)
    second = 4 * (256 * (2 * 256 + 256) + 2 * 256)
    assert value(s, "lstm1_params") == 2 * (first + second) == recurrent_params("lstm", 100, 256, 2, True) == 2310144
    assert value(s, "lstm1_h_shape") == value(s, "lstm1_c_shape") == (4, 32, 256)
    assert value(s, "lstm1_shape") == (32, 50, 512)


@FAST
@given(heads=st.sampled_from([1, 2, 4, 8]), per_head=st.integers(1, 64), d_ff=st.integers(1, 4096),
       n=st.integers(1, 40), blocks=st.integers(1, 3))
def test_attention_and_encoder_block_against_pytorchs_arrays(tmp_path, heads, per_head, d_ff, n, blocks):
    d = heads * per_head
    _, s = one(tmp_path, {"kind": "architecture", "input": {"batch": 2, "length": n, "features": d},
                          "layers": [{"attention": {"heads": heads}},
                                     {"transformer": {"heads": heads, "d_ff": d_ff, "blocks": blocks}}],
                          "ask": ["params", "shapes", "macs"]})
    assert value(s, "attention1_params") == attention_params(d) == 4 * d * d + 4 * d
    assert value(s, "transformer2_params") == blocks * encoder_params(d, d_ff)
    assert value(s, "attention1_d_k") == value(s, "transformer2_d_k") == per_head
    assert value(s, "attention1_weights_shape") == (2, heads, n, n)
    scores = np.zeros((heads, n, n, per_head)).size * 2  # QK^T and the weights times V
    assert value(s, "attention1_macs") == n * 4 * d * d + scores
    assert value(s, "transformer2_macs") == blocks * (n * 4 * d * d + scores + n * 2 * d * d_ff)
    assert value(s, "total_params") == attention_params(d) + blocks * encoder_params(d, d_ff)


def test_letters_give_the_formula_that_the_numbers_give(tmp_path):
    layers = [{"embedding": {"vocab": "V", "dim": "d"}}, {"lstm": {"hidden": "h"}},
              {"transformer": {"heads": "H", "d_model": "h", "d_ff": "f"}}, {"layernorm": {}},
              {"linear": {"units": "V"}}]
    _, sym = one(tmp_path, {"kind": "architecture", "input": {"batch": "B", "length": "T"}, "layers": layers,
                            "ask": ["params", "shapes", "macs"]})
    rng = random.Random(3)
    for _ in range(3):
        heads = rng.choice([1, 2, 4])
        sizes = {"V": rng.randint(2, 500), "d": rng.randint(1, 64), "h": heads * rng.randint(1, 16),
                 "f": rng.randint(1, 128), "B": rng.randint(1, 9), "T": rng.randint(1, 20), "H": heads}

        def fill(v):
            return {k: fill(x) for k, x in v.items()} if isinstance(v, dict) else sizes.get(v, v)

        _, num = one(tmp_path, {"kind": "architecture", "input": fill({"batch": "B", "length": "T"}),
                                "layers": [fill(layer) for layer in layers], "ask": ["params", "shapes", "macs"]})
        at = {sp.Symbol(k, positive=True): v for k, v in sizes.items()}
        for label, answer in num.answers.items():
            formula = sp.sympify(sym.answers[label].expr).xreplace(at)
            assert formula == answer.expr, (label, formula, answer.expr)
        d, h, V, f = sizes["d"], sizes["h"], sizes["V"], sizes["f"]
        assert value(num, "total_params") == V * d + recurrent_params("lstm", d, h) + encoder_params(h, f) + 2 * h \
            + h * V + V


def test_mixed_numbers_and_letters_give_a_formula_in_the_letters(tmp_path):
    _, s = one(tmp_path, {"kind": "architecture", "input": {"batch": "B", "length": "T", "features": 100},
                          "layers": [{"lstm": {"hidden": "h"}}]})
    h = sp.Symbol("h", positive=True)
    got = s.answers["lstm1_params"].expr
    assert got.free_symbols == {h}
    for n in (1, 7, 256):
        assert got.subs(h, n) == recurrent_params("lstm", 100, n)
    assert s.answers["lstm1_shape"].expr == sp.Tuple(sp.Symbol("B", positive=True), sp.Symbol("T", positive=True), h)


def test_an_image_network_with_batchnorm(tmp_path):
    _, s = one(tmp_path, {"kind": "architecture", "input": {"batch": 8, "channels": 3, "height": 28, "width": 28},
                          "layers": [{"conv": {"filters": 64, "kernel": 5, "stride": 1, "padding": 2}},
                                     {"batchnorm": {}}, {"pool": {"kernel": 2}}, {"flatten": None},
                                     {"linear": {"units": 10}}], "ask": ["params", "shapes", "macs"]})
    assert value(s, "conv1_params") == np.zeros((64, 3, 5, 5)).size + 64
    assert value(s, "conv1_shape") == (8, 64, 28, 28)
    assert value(s, "batchnorm2_params") == value(s, "batchnorm2_running_stats") == 128
    assert value(s, "flatten4_shape") == (8, 64 * 14 * 14)
    assert value(s, "linear5_params") == 64 * 14 * 14 * 10 + 10
    assert value(s, "conv1_macs") == 28 * 28 * 64 * 3 * 25


def test_invalid_configurations_as_answers(tmp_path):
    _, s = one(tmp_path, {"kind": "architecture", "input": {"batch": "B", "length": "n", "features": 500},
                          "layers": [{"attention": {"heads": 8}}], "ask": "valid"})
    assert str(s.answers["valid"].expr.args[0]) == "invalid"
    assert any("not a whole number" in part.intro for part in s.parts)
    _, s = one(tmp_path, {"kind": "architecture", "input": {"channels": 3, "height": 32, "width": 32},
                          "layers": [{"conv": {"filters": 4, "kernel": 3}}, {"linear": {"units": 10}}],
                          "ask": ["valid"]})
    assert str(s.answers["valid"].expr.args[0]) == "invalid"
    _, s = one(tmp_path, {"kind": "architecture", "input": {"batch": "B", "length": "n", "features": "d_model"},
                          "layers": [{"attention": {"heads": "h"}}], "ask": ["valid"]})
    assert str(s.answers["valid"].expr.args[0]) == "valid when h divides d_model"
    _, s = one(tmp_path, {"kind": "architecture", "input": {"channels": 3, "height": "H", "width": 33},
                          "layers": [{"conv": {"filters": 4, "kernel": 3, "stride": 2, "padding": 1}}],
                          "ask": ["valid"]})
    assert str(s.answers["valid"].expr.args[0]) == "valid when 2 divides H - 1"


@pytest.mark.parametrize("layers, where, words", [
    ([{"attention": {"heads": 8}}], "layers.0.attention.heads", "8 heads do not divide d_model = 500"),
    ([{"attention": {"heads": 4, "d_model": 512}}], "layers.0.attention.d_model", "is not the input's features"),
    ([{"linear": {"units": 3}}, {"lstm": {"hidden": 2}}, {"conv": {"filters": 2, "kernel": 1}}],
     "layers.2.conv", "takes an image"),
])
def test_invalid_configurations_are_spec_errors_at_their_field(tmp_path, layers, where, words):
    with pytest.raises(AnswerkeyError) as info:
        solve(tmp_path, {"kind": "architecture", "input": {"batch": "B", "length": "n", "features": 500},
                         "layers": layers})
    message = str(info.value)
    assert where in message and words in message and "Traceback" not in message
    assert message.startswith(str(tmp_path)) and ":" in message.split(" ")[0]


def test_the_confirmation_catches_a_wrong_count(tmp_path):
    problem, s = one(tmp_path, {"kind": "architecture", "input": {"batch": "B", "length": "T", "features": "d"},
                                "layers": [{"gru": {"hidden": "h"}}]})
    d, h = sp.Symbol("d", positive=True), sp.Symbol("h", positive=True)
    s.answers["gru1_params"].expr = 3 * h * (d + h + 1)  # one bias vector per gate: not PyTorch's
    with pytest.raises(VerificationError, match="gru1_params"):
        problem.kind.confirm(problem, s)


@pytest.mark.parametrize("text", [r"4 d_{\mathit{model}} \left(d_{\mathit{model}} + 1\right)",
                                  r"4 d_{\mathrm{model}} \left(d_{\mathrm{model}} + 1\right)"])
def test_the_reader_reads_a_word_subscript_as_the_name(text):
    ctx = reader.Context()
    d_model = sp.Symbol("d_model", positive=True)
    ctx.scalars["d_model"] = d_model
    assert sp.expand(reader.read_expr(text, ctx) - 4 * d_model * (d_model + 1)) == 0
    value = reader.read_expr(r"d_{\mathit{ff}}", reader.Context())  # a name the problem does not have
    assert isinstance(value, reader.Fresh)


def test_a_wrong_formula_on_the_page_fails_the_read_back(tmp_path):
    """The formula in letters is checked as a formula: 4(h(d + h) + h) beside the right numbers fails."""
    import dataclasses

    from answerkey import mathobj as mo, verify

    problem, s = one(tmp_path, {"kind": "architecture", "input": {"batch": 32, "length": 50, "features": 100},
                                "layers": [{"lstm": {"hidden": 256}}]})
    line = next(line for part in s.parts for line in part.lines if str(line.lhs.args[0]) == "lstm1 parameters")
    d, h = (sp.Symbol(n, positive=True) for n in ("d", "h"))
    line.rhs = mo.Shown(sp.Mul(4, sp.Add(sp.Mul(h, sp.Add(d, h, evaluate=False), evaluate=False), h,
                                         evaluate=False), evaluate=False))
    with pytest.raises(VerificationError, match="lstm1 parameters|is wrong"):
        verify.verify(problem, dataclasses.replace(s, verified=False))


def test_the_confirmation_catches_a_validity_the_letters_do_not_give(tmp_path):
    from answerkey import mathobj as mo

    problem, s = one(tmp_path, {"kind": "architecture", "input": {"batch": "B", "length": "n", "features": "d_model"},
                                "layers": [{"attention": {"heads": "h"}}], "ask": ["valid"]})
    assert problem.kind.confirm(problem, s)
    s.answers["valid"].expr = mo.text("valid")  # but h = 3, d_model = 4 cannot be built
    with pytest.raises(VerificationError, match="valid"):
        problem.kind.confirm(problem, s)
    problem, s = one(tmp_path, {"kind": "architecture", "input": {"batch": 2, "length": 5, "features": 12},
                                "layers": [{"attention": {"heads": 4}}], "ask": ["valid"]})
    s.answers["valid"].expr = mo.text("invalid")
    with pytest.raises(VerificationError, match="building the layers succeeds"):
        problem.kind.confirm(problem, s)
