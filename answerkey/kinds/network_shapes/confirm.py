"""kind: network_shapes -- the independent confirmation of its answers (no code shared with its solver)."""
from __future__ import annotations

from ...numerics import array_size, failure, scattered, windows
from .fields import parse_layers


def confirm(problem, solution) -> list[str]:
    """Every layer's shape by counting: window positions of an actual sliding window (convolution,
    pooling), scattered positions of a transposed convolution, array sizes for flatten; parameters by
    counting the entries of weight arrays of their shapes."""
    layers = parse_layers(problem)
    c = problem.fields
    shape = (c.input.channels, c.input.width, c.input.height)
    total = 0
    for kind, cfg, _ in layers:
        name = cfg["name"]
        params = 0
        if kind in ("conv", "pool", "deconv"):
            channels, width, height = shape
            sizes = []
            for a, size in enumerate((width, height)):
                k, s, p, d = cfg["kernel"][a], cfg["stride"][a], cfg["padding"][a], cfg["dilation"][a]
                sizes.append(scattered(size, k, s, p, d, cfg["output_padding"][a]) if kind == "deconv"
                             else windows(size, k, s, p, d))
            out_channels = cfg.get("filters", channels)
            if kind != "pool":
                params = array_size([out_channels, channels, cfg["kernel"][1], cfg["kernel"][0]]) \
                    + (out_channels if cfg["bias"] else 0)
            shape = (out_channels, *sizes)
        elif kind == "flatten":
            shape = (array_size(shape),)
        elif kind == "fc":
            params = array_size([cfg["units"], shape[0]]) + (cfg["units"] if cfg["bias"] else 0)
            shape = (cfg["units"],)
        total += params
        label = "".join(ch if ch.isalnum() or ch == "_" else "_" for ch in name)
        got_shape = tuple(int(v) for v in solution.answers[f"{label}_shape"].expr)
        if got_shape != tuple(shape):
            raise failure(problem, f"{label}_shape", f"the key says {got_shape}, counting gives {tuple(shape)}")
        if int(solution.answers[f"{label}_params"].expr) != params:
            raise failure(problem, f"{label}_params", f"the key says {solution.answers[f'{label}_params'].expr}, "
                                                    f"the weight arrays hold {params}")
    if int(solution.answers["total_params"].expr) != total:
        raise failure(problem, "total_params", f"the key says {solution.answers['total_params'].expr}, {total} counted")
    return [f"{len(layers)} layers: shapes by counting window positions and parameters by the sizes of weight "
            f"arrays agree"]
