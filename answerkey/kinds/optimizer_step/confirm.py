"""kind: optimizer_step -- the independent confirmation of its answers (no code shared with its solver): each
optimizer written again from PyTorch's documented algorithms (torch.optim, for one parameter tensor, with
dampening 0, no centring, no amsgrad, no learning-rate decay), iterated directly in 30-digit floating
point, with the gradient of the function by central differences (not by its derivative), and every
iterate of the key (the gradient, the state, the parameters of each step) compared with it.

    SGD:       g <- grad + lambda theta;                       theta <- theta - lr g
    momentum:  g <- grad + lambda theta; b <- mu b + g (b_1 = g); theta <- theta - lr b
    nesterov:  g <- grad + lambda theta; b <- mu b + g (b_1 = g); g <- g + mu b;     theta <- theta - lr g
    Adagrad:   g <- grad + lambda theta; state_sum <- state_sum + g^2;  theta <- theta - lr g / (sqrt(state_sum) + eps)
    RMSprop:   g <- grad + lambda theta; v <- alpha v + (1 - alpha) g^2; theta <- theta - lr g / (sqrt(v) + eps)
    Adam:      g <- grad + lambda theta; m <- b1 m + (1 - b1) g; v <- b2 v + (1 - b2) g^2;
               mhat <- m / (1 - b1^t); vhat <- v / (1 - b2^t); theta <- theta - lr mhat / (sqrt(vhat) + eps)
    AdamW:     theta <- theta - lr lambda theta; then Adam's m, v, mhat, vhat from the gradient at the old
               theta, and theta <- theta - lr mhat / (sqrt(vhat) + eps)
"""
from __future__ import annotations

import mpmath

from ...numerics import agree, central_difference, failure, numeric_function
from .fields import setup

BOUND = 10 ** 6


def _mp(v):
    return mpmath.mpf(v.p) / v.q if v.is_Rational else mpmath.mpf(str(v))


def iterate(info, grad_at):
    """[(per-step dict of lists: g, the state by its name, theta)], and the step after which |theta| > 10^6
    (None when it stays bounded)."""
    opt = info["opt"]
    lr = _mp(info["lr"])
    lam = _mp(info["weight_decay"])
    eps = _mp(info["epsilon"]) if "epsilon" in info else None
    theta = [_mp(info["start"][v]) for v in info["names"]]
    n = len(theta)
    buf, acc, m, v = None, [mpmath.mpf(0)] * n, [mpmath.mpf(0)] * n, [mpmath.mpf(0)] * n
    out = []
    for t in range(1, info["steps"] + 1):
        grad = grad_at(t, theta)
        if opt != "adamw":
            g = [gi + lam * p for gi, p in zip(grad, theta)]
        else:
            g = list(grad)
        record = {"g": g}
        if opt in ("momentum", "nesterov"):
            mu = _mp(info["beta"])
            buf = list(g) if buf is None else [mu * b + gi for b, gi in zip(buf, g)]
            record["v"] = buf
            d = buf if opt == "momentum" else [gi + mu * b for gi, b in zip(g, buf)]
            theta = [p - lr * di for p, di in zip(theta, d)]
        elif opt == "sgd":
            theta = [p - lr * gi for p, gi in zip(theta, g)]
        elif opt == "adagrad":
            acc = [a + gi * gi for a, gi in zip(acc, g)]
            record["s"] = acc
            theta = [p - lr * gi / (mpmath.sqrt(a) + eps) for p, gi, a in zip(theta, g, acc)]
        elif opt == "rmsprop":
            alpha = _mp(info["rho"])
            v = [alpha * a + (1 - alpha) * gi * gi for a, gi in zip(v, g)]
            record["v"] = v
            theta = [p - lr * gi / (mpmath.sqrt(a) + eps) for p, gi, a in zip(theta, g, v)]
        else:
            b1, b2 = _mp(info["beta1"]), _mp(info["beta2"])
            if opt == "adamw":
                theta = [p - lr * lam * p for p in theta]
            m = [b1 * a + (1 - b1) * gi for a, gi in zip(m, g)]
            v = [b2 * a + (1 - b2) * gi * gi for a, gi in zip(v, g)]
            mhat = [a / (1 - b1 ** t) for a in m]
            vhat = [a / (1 - b2 ** t) for a in v]
            record.update(m=m, v=v, mhat=mhat, vhat=vhat)
            theta = [p - lr * a / (mpmath.sqrt(b) + eps) for p, a, b in zip(theta, mhat, vhat)]
        record["theta"] = theta
        out.append(record)
        if any(not mpmath.isfinite(p) or abs(p) > BOUND for p in theta):
            return out, t
    return out, None


def confirm(problem, solution) -> list[str]:
    info = setup(problem)
    names = info["names"]
    if info["f"] is not None:
        fn = numeric_function(info["f"], names)

        def grad_at(t, theta):
            return [central_difference(fn, list(theta), i) for i in range(len(theta))]
        how = "the gradient by central differences"
    else:
        def grad_at(t, theta):
            return [_mp(g) for g in info["gradients"][t - 1]]
        how = "the given gradients"
    mine, diverged = iterate(info, grad_at)
    theirs = solution.data["history"]
    if diverged != solution.data["diverged"] or len(mine) != len(theirs):
        raise failure(problem, "diverges_at" if diverged else "theta",
                      f"direct iteration {'diverges after step ' + str(diverged) if diverged else 'stays bounded'}, "
                      f"the key {'diverges after step ' + str(solution.data['diverged']) if solution.data['diverged'] else 'stays bounded'}")
    count = 0
    for t, (a, b) in enumerate(zip(mine, theirs), start=1):
        if set(a) != set(b):
            raise failure(problem, "theta", f"step {t}: the key shows {sorted(b)}, PyTorch's algorithm has {sorted(a)}")
        for q in a:
            for i, (x, y) in enumerate(zip(a[q], b[q])):
                y = _mp(y)
                if not agree(x, y):
                    raise failure(problem, "theta", f"step {t}: {q} of {names[i]} is {mpmath.nstr(y, 10)} in the key, "
                                                    f"{mpmath.nstr(x, 10)} by direct iteration")
                count += 1
    if diverged:
        return [f"diverges_at: direct iteration ({how}) passes 10^6 in size after step {diverged} too, every "
                f"one of the {count} values before agreeing"]
    got = solution.answers["theta"].expr
    got = list(got) if hasattr(got, "shape") else [got]
    for x, y in zip(mine[-1]["theta"], got):
        if not agree(x, _mp(y)):
            raise failure(problem, "theta", f"{mpmath.nstr(_mp(y), 10)} in the key, {mpmath.nstr(x, 10)} by iteration")
    return [f"theta: every one of the {count} values of the {len(mine)} step(s) agrees with direct iteration of "
            f"PyTorch's algorithm ({how})"]
