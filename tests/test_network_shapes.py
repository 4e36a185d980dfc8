"""network_shapes: layer chains against plain counting written here; errors located at their layer."""
import pytest

from answerkey.errors import SpecError
from tests.kindutil import solve


def out(size, k, s=1, p=0, d=1):
    return (size + 2 * p - d * (k - 1) - 1) // s + 1


def test_vgg_style_chain(tmp_path):
    layers = [{"conv": {"name": "c1", "filters": 64, "kernel": 3, "padding": 1}},
              {"pool": {"name": "p1", "kernel": 2, "stride": 2}},
              {"conv": {"name": "c2", "filters": 128, "kernel": 3, "padding": 1}},
              {"pool": {"name": "p2", "kernel": 2, "stride": 2}},
              {"flatten": None},
              {"fc": {"name": "fc", "units": 10}}]
    spec, (sol,) = solve(tmp_path, {"kind": "network_shapes", "input": {"channels": 3, "width": 32, "height": 32},
                                    "layers": layers})
    a = {k: v.expr for k, v in sol.answers.items()}
    assert tuple(a["c1_shape"]) == (64, 32, 32) and int(a["c1_params"]) == 3 * 3 * 3 * 64 + 64
    assert tuple(a["p2_shape"]) == (128, 8, 8)
    assert tuple(a["flatten5_shape"]) == (128 * 8 * 8,)
    assert int(a["fc_params"]) == 128 * 8 * 8 * 10 + 10
    assert int(a["total_params"]) == (1792 + 3 * 3 * 64 * 128 + 128 + 8192 * 10 + 10)
    assert sol.verified


def test_transposed_convolution_and_floor(tmp_path):
    layers = [{"deconv": {"name": "up", "filters": 8, "kernel": 4, "stride": 2, "padding": 1}},
              {"conv": {"name": "down", "filters": 4, "kernel": 3, "stride": 2}}]
    spec, (sol,) = solve(tmp_path, {"kind": "network_shapes", "input": {"channels": 16, "width": 10, "height": 5},
                                    "rounding": "floor", "layers": layers})
    up = ((10 - 1) * 2 - 2 + 3 + 1, (5 - 1) * 2 - 2 + 3 + 1)
    assert tuple(sol.answers["up_shape"].expr) == (8, *up)
    assert tuple(sol.answers["down_shape"].expr) == (4, out(up[0], 3, 2), out(up[1], 3, 2))


def test_errors_name_the_layer(tmp_path):
    with pytest.raises(SpecError) as err:
        solve(tmp_path, {"kind": "network_shapes", "input": {"channels": 3, "width": 8, "height": 8},
                         "layers": [{"fc": {"units": 4}}]})
    assert "layers.0.fc: fc1: a fully connected layer needs a flat input: add flatten first" in str(err.value)
    with pytest.raises(SpecError) as err:
        solve(tmp_path, {"kind": "network_shapes", "input": {"channels": 3, "width": 8, "height": 8},
                         "layers": [{"conv": {"filters": 2, "kernel": 3, "stride": 2}}]})
    assert "(8 + 2*0 - 1*(3 - 1) - 1)/2 + 1 = 7/2 is not an integer" in str(err.value)
    with pytest.raises(SpecError) as err:
        solve(tmp_path, {"kind": "network_shapes", "input": {"channels": 3, "width": 8, "height": 8},
                         "layers": [{"conv": {"filters": 2, "kernal": 3}}]})
    # the layers are a union on their key in the one schema: an unknown setting is an unknown field at its
    # own key, with the hint every unknown field gets
    assert "problem 1 (1): layers.0.conv.kernal: unknown field 'kernal' (did you mean 'kernel'?)" in str(err.value)
    assert "layers.0.conv.kernel: missing required field" in str(err.value)
    for layer, message in (({"dense": {"units": 3}}, "layers.0: a layer is one of conv, pool, flatten, fc, deconv"),
                           ({"pool": {"kernel": 0}}, "layers.0.pool.kernel: expected a number >= 1"),
                           ({"fc": {"units": 2, "bias": 3}}, "layers.0.fc.bias: expected true or false, got the number 3")):
        with pytest.raises(SpecError) as err:
            solve(tmp_path, {"kind": "network_shapes", "input": {"channels": 3, "width": 8, "height": 8},
                             "layers": [layer]})
        assert message in str(err.value)
