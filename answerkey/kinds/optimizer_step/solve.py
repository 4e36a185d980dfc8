"""kind: optimizer_step -- t steps of an optimizer: its update rules with the problem's numbers (the
introduction), the gradient of the function (when one is given), then one table per step of every quantity
per coordinate (g, the optimizer's state, the bias-corrected moments, the parameters), each row's arithmetic
written with the previous rows' printed values. Values are exact where they are short decimals, else rounded
to 6 significant digits; the iteration is carried in exact or 50-digit arithmetic. An iterate past 10^6 in
size ends the table with the statement that the iteration diverges."""
from __future__ import annotations

import re
import sympy as sp
from pylatex.utils import NoEscape

from ... import mathobj as mo, render
from ...calculus import function_lines, partial_lines
from ...derivation import Answer, Part, Solution
from ...printer import printed_value, terminates, tex
from ...rules import DEFINITION_OF_GRADIENT
from ..common import in_domain, undefined_at
from .fields import setup
from .rules import GRADIENT_DECAYED, GRADIENT_GIVEN, GRADIENT_THERE, PARAMETER_UPDATE, STATE_UPDATE

DIGITS = 50  # the working precision of the iteration where it is not exact
BOUND = 10 ** 6  # an iterate larger than this in size: the iteration diverges
NAMES = {"sgd": "SGD", "momentum": "SGD with momentum (heavy ball)", "nesterov": "SGD with Nesterov momentum",
         "adagrad": "AdaGrad", "rmsprop": "RMSProp", "adam": "Adam", "adamw": "AdamW"}
STATES = {"sgd": [], "momentum": ["v"], "nesterov": ["v"], "adagrad": ["s"], "rmsprop": ["v"],
          "adam": ["m", "v", "mhat", "vhat"], "adamw": ["m", "v", "mhat", "vhat"]}
STATE_LETTERS = ("g", "m", "v", "s")
LETTER = {"g": "g", "m": "m", "v": "v", "s": "s", "mhat": r"\hat{m}", "vhat": r"\hat{v}"}


def value(e):
    """e exactly where it is a rational of at most 30 digits above and below (iterating a polynomial exactly
    multiplies the digits each step), else to DIGITS digits."""
    e = sp.sympify(e, strict=True)
    if e.is_Rational and abs(e.p) < 10 ** 30 and e.q < 10 ** 30:
        return e
    return sp.Float(sp.N(e, DIGITS), DIGITS)


def printed(v):
    """v as the page prints it: an integer as itself, any other number as a float (the printer's
    convention: a short decimal as written, else 6 significant digits with trailing zeros kept)."""
    v = sp.sympify(v, strict=True)
    return v if v.is_Integer else sp.Float(v, DIGITS)


def shown(v) -> tuple[str, bool]:
    """(the LaTeX of v on the page, whether it is rounded); a power of ten as 10^{k}."""
    v = sp.sympify(v, strict=True)
    if v.is_Rational and v > 0 and terminates(v) and (v.p == 1 or v.q == 1):
        k = sp.log(v, 10)
        if k.is_Integer and abs(k) >= 4:
            return f"10^{{{k}}}", False
    text = tex(printed(v))
    m = re.fullmatch(r"(-?[0-9.]+)(?: \\times 10\^\{(-?[0-9]+)\})?", text)
    back = sp.Rational(m.group(1)) * (sp.Integer(10) ** int(m.group(2)) if m.group(2) else 1)
    return text, not (v.is_Rational and back == v)


def as_printed(v):
    """The number the page prints for v (6 significant digits), exactly."""
    value = printed_value(printed(v))
    return sp.sympify(v, strict=True) if value is None else value


def _close(a, b) -> bool:
    a, b = sp.N(a, DIGITS), sp.N(b, DIGITS)
    return bool(abs(a - b) <= sp.Float("1e-6") * max(abs(a), abs(b)) + sp.Float("1e-12"))


def term(text: str) -> str:
    """A printed number as a factor or a base: in brackets when negative or a times a power of ten."""
    return rf"\left({text}\right)" if text.startswith("-") or r"\times" in text or "^" in text else text


def plus(a: str, b: str) -> str:
    """a + b, or a - |b| when b is printed negative."""
    return f"{a} - {b[1:]}" if b.startswith("-") else f"{a} + {b}"


def const(v) -> str:
    return term(shown(v)[0])


def symbol_names(names) -> list[tuple[str, str | None]]:
    """(the LaTeX of each parameter, its tag in the states' subscripts: m_{x}, or m_{1} when its name is
    not one letter; None for a single parameter)."""
    out = []
    for i, v in enumerate(names):
        t = tex(v)
        tag = (None if t not in STATE_LETTERS else t) if len(names) == 1 else \
            t if re.fullmatch(r"[A-Za-z]", t) else str(i + 1)  # a parameter m: the state m_{m}
        out.append((t, tag))
    return out


def label(q: str, tag, t: int) -> str:
    return f"{LETTER[q]}_{{{tag}}}^{{({t})}}" if tag else f"{LETTER[q]}^{{({t})}}"


def rules_text(info, fname: str) -> tuple[str, list[str]]:
    """The update rules with the problem's numbers, for each parameter theta (elementwise): the sentence
    that introduces them and the rules, one a line (aligned at =)."""
    opt, lr = info["opt"], info["lr"]
    params = ", ".join(f"${tex(v)}$" for v in info["names"])
    one = len(info["names"]) == 1 and tex(info["names"][0]) not in STATE_LETTERS
    theta = tex(info["names"][0]) if one else "\\theta"
    each = "" if one else f", writing $\\theta$ for the parameter {params}" if len(info["names"]) == 1 else \
        f", for each parameter $\\theta$ of {params} (elementwise)"
    wd = info["weight_decay"]
    g = f"\\frac{{\\partial {fname}}}{{\\partial {theta}}}\\Big|_{{{theta}^{{(t-1)}}}}" if info["f"] is not None \
        else "\\text{the given gradient of step } t"
    if wd and opt != "adamw":
        g += f" + {const(wd)}\\, {theta}^{{(t-1)}}"
    e = info.get("epsilon")
    eps = "" if not e else f" + {shown(e)[0]}"
    lines = [f"g^{{(t)}} &= {g}"]
    beta = const(info.get("beta", 0))
    update = f"{theta}^{{(t)}} &= {theta}^{{(t-1)}} - {const(lr)}"
    if opt == "sgd":
        lines.append(f"{update}\\, g^{{(t)}}")
    elif opt in ("momentum", "nesterov"):
        lines.append(f"v^{{(t)}} &= {beta}\\, v^{{(t-1)}} + g^{{(t)}}")
        lines.append(f"{update}\\, v^{{(t)}}" if opt == "momentum"
                     else f"{update}\\, \\left(g^{{(t)}} + {beta}\\, v^{{(t)}}\\right)")
    elif opt == "adagrad":
        lines.append("s^{(t)} &= s^{(t-1)} + \\left(g^{(t)}\\right)^{2}")
        lines.append(f"{update}\\, \\frac{{g^{{(t)}}}}{{\\sqrt{{s^{{(t)}}}}{eps}}}")
    elif opt == "rmsprop":
        r = info["rho"]
        lines.append(f"v^{{(t)}} &= {const(r)}\\, v^{{(t-1)}} + {const(1 - r)} \\left(g^{{(t)}}\\right)^{{2}}")
        lines.append(f"{update}\\, \\frac{{g^{{(t)}}}}{{\\sqrt{{v^{{(t)}}}}{eps}}}")
    else:
        b1, b2 = info["beta1"], info["beta2"]
        lines += [f"m^{{(t)}} &= {const(b1)}\\, m^{{(t-1)}} + {const(1 - b1)}\\, g^{{(t)}}",
                  f"v^{{(t)}} &= {const(b2)}\\, v^{{(t-1)}} + {const(1 - b2)} \\left(g^{{(t)}}\\right)^{{2}}",
                  f"\\hat{{m}}^{{(t)}} &= \\frac{{m^{{(t)}}}}{{1 - {const(b1)}^{{t}}}}, \\qquad "
                  f"\\hat{{v}}^{{(t)}} = \\frac{{v^{{(t)}}}}{{1 - {const(b2)}^{{t}}}}"]
        decay = f" - {const(lr)} \\cdot {const(wd)}\\, {theta}^{{(t-1)}}" if opt == "adamw" and wd else ""
        lines.append(f"{theta}^{{(t)}} &= {theta}^{{(t-1)}}{decay} - {const(lr)}\\, "
                     f"\\frac{{\\hat{{m}}^{{(t)}}}}{{\\sqrt{{\\hat{{v}}^{{(t)}}}}{eps}}}")
    states = {"momentum": "$v^{(0)} = 0$", "nesterov": "$v^{(0)} = 0$", "adagrad": "$s^{(0)} = 0$",
              "rmsprop": "$v^{(0)} = 0$", "adam": "$m^{(0)} = v^{(0)} = 0$", "adamw": "$m^{(0)} = v^{(0)} = 0$"}
    start = f", from {states[opt]}" if opt in states else ""
    note = {"nesterov": " (PyTorch's form of Nesterov momentum: the gradient at the current iterate, the step "
                        "looking ahead along the new velocity)",
            "adamw": " (the weight decay decoupled from the gradient)",
            "adam": "" if not wd else " (the weight decay added to the gradient, as an L2 penalty)"}.get(opt, "")
    return f"The update rules of {NAMES[opt]}{note}{each}{start}, for $t = 1, 2, \\dots$:", lines


def solve(problem) -> Solution:
    c = problem.fields
    info = setup(problem)
    opt, names, f, lr = info["opt"], info["names"], info["f"], info["lr"]
    fname = sp.Symbol(c.name)
    labels = symbol_names(names)
    parts = []
    words, rule_lines = rules_text(info, c.name)
    intro = ""
    partials = truths = None
    if f is not None:
        head = Part(intro="The gradient:")
        g = function_lines(head, mo.Applied(fname, *names), f)
        if len(names) > 1:
            head.add(mo.Nabla(fname, *names), sp.ImmutableMatrix([mo.Partial(fname, v) for v in names]),
                     rule=DEFINITION_OF_GRADIENT, check=False)
        partials = [partial_lines(head, fname, g, v) for v in names]
        truths = [mo.conventional_diff(g, v) for v in names]
        parts.append(head)
        intro = ""
    wd = info["weight_decay"]
    theta = [info["start"][v] for v in names]
    theta_tex = [shown(x) for x in theta]
    state = {q: [sp.Integer(0)] * len(names) for q in STATES[opt]}
    state_tex = {q: [("0", False)] * len(names) for q in STATES[opt]}
    history, diverged = [], None
    for t in range(1, info["steps"] + 1):
        part = Part(intro=(intro + " " if intro else "") + f"Step {t}:",
                    columns=["quantity", "computed as", "value"])
        intro = ""
        here = dict(zip(names, theta))
        if f is not None:
            field, what = ("at", "the start") if t == 1 else ("steps", f"the point that step {t - 1} reaches")
            in_domain(problem, f, here, field, what)
            undefined_at(problem, [p.xreplace(here) for p in partials], here, field, what)
        grads, grads_tex = [], []
        for i, (v, (vt, tag)) in enumerate(zip(names, labels)):
            if f is not None:
                raw = value(truths[i].xreplace(here))
                at = {w: sp.UnevaluatedExpr(printed(theta[j])) for j, w in enumerate(names)}
                text = tex(partials[i].xreplace(at))
                rough = any(r for _, r in theta_tex) and partials[i].free_symbols
                if rough and not _close(partials[i].xreplace({w: as_printed(x) for w, x in zip(names, theta)}), raw):
                    # the rounded point does not give the gradient to 6 digits (a steep function): the
                    # row writes the previous iterate by name, which the page defined row by row
                    text = tex(partials[i].xreplace({w: sp.Symbol(f"{labels[j][0]}^{{({t - 1})}}")
                                                     for j, w in enumerate(names)}))
                rule = GRADIENT_THERE
            else:
                raw = info["gradients"][t - 1][i]
                text, rough = shown(raw)
                rule = GRADIENT_GIVEN
            gi = raw
            if wd and opt != "adamw":
                gi = value(raw + wd * theta[i])
                text = plus(text, f"{const(wd)} \\cdot {term(theta_tex[i][0])}")
                rough = rough or theta_tex[i][1]
                rule = GRADIENT_DECAYED
            out = shown(gi)
            _row(part, label("g", tag, t), text, out, gi, rule, rough)
            grads.append(gi)
            grads_tex.append(out)
        new_state, new_tex = {q: list(vals) for q, vals in state.items()}, {q: list(v) for q, v in state_tex.items()}
        new_theta, new_theta_tex = [], []
        for q in STATES[opt]:
            for i, (_, tag) in enumerate(labels):
                g, gt = grads[i], grads_tex[i]
                prev, pt = state[q][i], state_tex[q][i]
                if q == "v" and opt in ("momentum", "nesterov"):
                    b = info["beta"]
                    val, text = b * prev + g, plus(f"{const(b)} \\cdot {term(pt[0])}", gt[0])
                    inputs = [pt, gt]
                elif q == "s":
                    val, text = prev + g ** 2, plus(pt[0], f"{term(gt[0])}^{{2}}")
                    inputs = [pt, gt]
                elif q == "v" and opt == "rmsprop":
                    r = info["rho"]
                    val = r * prev + (1 - r) * g ** 2
                    text = plus(f"{const(r)} \\cdot {term(pt[0])}", f"{const(1 - r)} \\cdot {term(gt[0])}^{{2}}")
                    inputs = [pt, gt]
                elif q == "m":
                    b = info["beta1"]
                    val = b * prev + (1 - b) * g
                    text = plus(f"{const(b)} \\cdot {term(pt[0])}", f"{const(1 - b)} \\cdot {term(gt[0])}")
                    inputs = [pt, gt]
                elif q == "v":
                    b = info["beta2"]
                    val = b * prev + (1 - b) * g ** 2
                    text = plus(f"{const(b)} \\cdot {term(pt[0])}", f"{const(1 - b)} \\cdot {term(gt[0])}^{{2}}")
                    inputs = [pt, gt]
                else:  # the bias-corrected moments
                    raw_q, b = ("m", info["beta1"]) if q == "mhat" else ("v", info["beta2"])
                    mt = new_tex[raw_q][i]
                    val = new_state[raw_q][i] / (1 - b ** t)
                    text = rf"\frac{{{mt[0]}}}{{1 - {const(b)}^{{{t}}}}}"
                    inputs = [mt]
                val = value(val)
                out = shown(val)
                _row(part, label(q, tag, t), text, out, val, STATE_UPDATE.at(what=f"${LETTER[q]}$"),
                     any(r for _, r in inputs))
                new_state[q][i], new_tex[q][i] = val, out
        eps = info.get("epsilon")
        for i, (vt, tag) in enumerate(labels):
            x, xt, g, gt = theta[i], theta_tex[i], grads[i], grads_tex[i]
            if opt == "sgd":
                val, step, inputs = x - lr * g, f"{const(lr)} \\cdot {term(gt[0])}", [gt]
            elif opt == "momentum":
                vv = new_tex["v"][i]
                val, step, inputs = x - lr * new_state["v"][i], f"{const(lr)} \\cdot {term(vv[0])}", [vv]
            elif opt == "nesterov":
                vv, b = new_tex["v"][i], info["beta"]
                val = x - lr * (g + b * new_state["v"][i])
                inner = plus(gt[0], f"{const(b)} \\cdot {term(vv[0])}")
                step = rf"{const(lr)} \left({inner}\right)"
                inputs = [gt, vv]
            else:
                top, bottom = {"adagrad": ("g", "s"), "rmsprop": ("g", "v")}.get(opt, ("mhat", "vhat"))
                num_v, num_t = (g, gt) if top == "g" else (new_state[top][i], new_tex[top][i])
                den_v, den_t = new_state[bottom][i], new_tex[bottom][i]
                denominator = sp.sqrt(den_v) + (eps or 0)
                if denominator == 0:
                    raise problem.error("epsilon", f"step {t} divides by zero: the gradient's {vt} entry is 0 "
                                                   "and epsilon is 0", "give epsilon a positive value")
                eps_text = "" if not eps else f" + {shown(eps)[0]}"
                step = rf"{const(lr)} \cdot \frac{{{num_t[0]}}}{{\sqrt{{{den_t[0]}}}{eps_text}}}"
                val = x - lr * num_v / denominator
                inputs = [num_t, den_t]
                if opt == "adamw" and info["weight_decay"]:
                    val = val - lr * wd * x
                    step = rf"{const(lr)} \cdot {const(wd)} \cdot {term(xt[0])} - " + step
            text = f"{xt[0]} - {step}" if not step.startswith("-") else f"{xt[0]} + {step[1:]}"
            val = value(val)
            out = shown(val)
            _row(part, f"{vt}^{{({t})}}", text, out, val, PARAMETER_UPDATE, xt[1] or any(r for _, r in inputs))
            new_theta.append(val)
            new_theta_tex.append(out)
        parts.append(part)
        state, state_tex, theta, theta_tex = new_state, new_tex, new_theta, new_theta_tex
        history.append({"g": grads, **{q: list(state[q]) for q in STATES[opt]}, "theta": list(theta)})
        far = [i for i, x in enumerate(theta) if abs(x) > BOUND]
        if far:
            diverged = t
            i = far[0]
            end = Part(intro=f"After step {t} the iterate is past $10^{{6}}$ in size: the iteration diverges "
                             "(the learning rate is too large for this function); the steps stop here.")
            name = sp.Symbol(f"{labels[i][0]}^{{({t})}}")
            end.add(sp.Abs(name), sp.Pow(10, 6, evaluate=False), relation=">", value=abs(theta[i]), therefore=True)
            parts.append(end)
            break
    answers = {}
    if diverged:
        answers["diverges_at"] = Answer(sp.Integer(diverged), description="the step after which |theta| > 10^6")
    else:
        answers["theta"] = Answer(sp.ImmutableMatrix(theta) if len(theta) > 1 else theta[0],
                                  description=f"the parameters after {info['steps']} step(s)")
    data = {"history": history, "diverged": diverged, "rules_intro": NoEscape(render.rule_text(words)),
            "rules": NoEscape(" \\\\\n".join(rule_lines))}
    return Solution(parts, answers, data=data)


def _row(part, name: str, text: str, out, val, rule, rough) -> None:
    """A table row: the quantity, its arithmetic with the printed inputs, its printed value."""
    rounded = out[1]
    part.add(sp.Symbol(name), printed(val), rhs_tex=text, chain=[printed(val)], rule=rule, value=val,
             approx=bool(rounded or rough))


def describe(problem) -> str:
    info = setup(problem)
    c = problem.fields
    n = info["steps"]
    args = ", ".join(tex(v) for v in info["names"])
    start = ", ".join(f"${tex(k)} = {shown(v)[0]}$" for k, v in info["start"].items())
    what = f"{n} step{'s' if n > 1 else ''} of {NAMES[info['opt']]}"
    if info["f"] is not None:
        return f"Take {what} on ${c.name}({args}) = {tex(info['f'])}$ from {start}."
    grads = "; ".join("(" + ", ".join(shown(x)[0] for x in g) + ")" if len(g) > 1 else shown(g[0])[0]
                      for g in info["gradients"][:n])
    return f"Take {what} from {start}, with the gradients ${grads}$ in turn."
