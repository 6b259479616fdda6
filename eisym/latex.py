"""LaTeX documents: a network's derivation written out step by step, and building PDFs.

:func:`derivation` assembles a complete document from a network (it calls :func:`eisym.derive`,
:func:`eisym.stationarity_system` and the rank analysis; everything else it is given). Long
expressions are broken at term boundaries, and the named intermediates of the layered derivation
keep every line short, so the documents compile at 12 pt on A4 without overfull boxes. Numbers are
printed exactly when they are rational and otherwise rounded with a stated error bound. The output
depends only on the inputs (byte-for-byte).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_HALF_EVEN, Decimal, localcontext
from pathlib import Path

import sympy as sp

from ._activations import symbolic_activation
from ._derive import Derivation, derive
from ._errors import EisymError, MissingDependency, SpecError
from ._network import Network
from ._stationarity import StationaritySystem, stationarity_system

__all__ = [
    "LatexBuild",
    "ProofDocument",
    "break_sum",
    "compile_latex",
    "derivation",
    "latex_number",
    "latex_width",
    "write_proofs",
]

# Visual width budget of one display line, in units of about one italic letter at 12 pt
# (A4 with 2.2 cm margins holds about 78; the rest is slack for the estimator's error).
LINE_BUDGET = 58.0

_PREAMBLE = r"""\documentclass[12pt,a4paper]{article}
\usepackage[margin=2.2cm]{geometry}
\usepackage{amsmath,amssymb}
\usepackage{booktabs,longtable}
\usepackage{graphicx}
\allowdisplaybreaks
\setlength{\emergencystretch}{3em}
\setcounter{MaxMatrixCols}{40}
"""


def _escape(text: str) -> str:
    """Escape LaTeX specials in plain text."""
    table = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_"}
    table |= {"{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}
    return "".join(table.get(c, c) for c in text)


_TOKEN = re.compile(r"\\[A-Za-z]+|\\.|[{}^_]|[^\\{}^_]")
_ZERO_WIDTH = {r"\left", r"\right", r"\mathrm", r"\operatorname", r"\mathbf", r"\bar", r"\quad"}
_BINARY = set("+-=<>")


def _group_end(tokens: list[str], i: int) -> int:
    depth = 0
    for j in range(i, len(tokens)):
        depth += {"{": 1, "}": -1}.get(tokens[j], 0)
        if depth == 0:
            return j
    return len(tokens) - 1


def _width(tokens: list[str]) -> float:
    total, i = 0.0, 0
    while i < len(tokens):
        tok = tokens[i]
        if tok == "{":
            end = _group_end(tokens, i)
            total += _width(tokens[i + 1 : end])
            i = end + 1
            continue
        if tok in ("^", "_"):
            if i + 1 < len(tokens) and tokens[i + 1] == "{":
                end = _group_end(tokens, i + 1)
                total += 0.7 * _width(tokens[i + 2 : end])
                i = end + 1
            else:
                total += 0.7
                i += 2
            continue
        if tok == r"\frac" and i + 1 < len(tokens) and tokens[i + 1] == "{":
            end1 = _group_end(tokens, i + 1)
            end2 = _group_end(tokens, end1 + 1)
            total += 0.4 + max(_width(tokens[i + 2 : end1]), _width(tokens[end1 + 2 : end2]))
            i = end2 + 1
            continue
        if tok in _ZERO_WIDTH or tok == "}" or tok.isspace():
            pass
        elif tok in (r"\quad",):
            total += 1.7
        elif tok in _BINARY or tok in (r"\cdot", r"\leq", r"\geq", r"\neq"):
            total += 1.6
        elif tok.startswith("\\") and len(tok) > 2 and tok[1:] in ("exp", "log", "tanh", "sin", "cos"):
            total += len(tok) - 1.0
        else:
            total += 1.0
        i += 1
    return total


def latex_width(tex: str) -> float:
    """Estimated printed width of math ``tex`` in letter widths (used to break lines).

    Examples
    --------
    >>> latex_width("w^{[2]}_{1,1}") < len("w^{[2]}_{1,1}")
    True
    """
    return _width(_TOKEN.findall(tex))


def _terms(expr: sp.Expr) -> list[str]:
    """The signed LaTeX terms of a sum, in the order sympy prints them."""
    if not isinstance(expr, sp.Add):
        return [sp.latex(expr)]
    out = []
    for i, term in enumerate(expr.as_ordered_terms()):
        if term.could_extract_minus_sign():
            out.append(("- " if i == 0 else "- ") + sp.latex(-term, order="none"))
        else:
            out.append(("" if i == 0 else "+ ") + sp.latex(term, order="none"))
    return out


def break_sum(expr: sp.Expr, budget: float = LINE_BUDGET, first: float = 0.0) -> list[str]:
    """Split ``expr`` at term boundaries into lines of estimated width at most ``budget``.

    ``first`` is the width already used on the first line (its left-hand side).

    Examples
    --------
    >>> x = sp.symbols("x1:30")
    >>> lines = break_sum(sp.Add(*x), budget=20)
    >>> len(lines) > 1 and all(latex_width(line) <= 20 for line in lines)
    True
    """
    lines: list[str] = []
    current, used = "", first
    for term in _terms(expr):
        w = latex_width(term)
        if current and used + w > budget:
            lines.append(current)
            current, used = "", 0.0
        current = f"{current} {term}".strip()
        used += w
    lines.append(current)
    return lines


def _align_rows(rows: Sequence[tuple[str, sp.Expr | str]], budget: float = LINE_BUDGET) -> str:
    """An align* body: ``lhs &= rhs`` per row, long sums continued on indented lines.

    A single term too wide for a line (it cannot be broken at a term boundary) is scaled down to the line
    width rather than allowed to overflow.
    """
    out = []
    for lhs, rhs in rows:
        lhs_w = latex_width(lhs) + 2.0
        if isinstance(rhs, str):
            out.append(f"{lhs} &= {rhs}")
            continue
        lines = break_sum(rhs, budget - 3.0, first=lhs_w - 3.0)
        lines = [_fit(line, budget - 3.0) for line in lines]
        text = f"{lhs} &= {lines[0]}"
        for line in lines[1:]:
            text += f" \\\\\n  &\\quad {line}"
        out.append(text)
    return "\\begin{align*}\n" + " \\\\\n".join(out) + "\n\\end{align*}\n"


def _fit(line: str, budget: float) -> str:
    if latex_width(line) <= budget:
        return line
    return f"\\resizebox{{0.8\\linewidth}}{{!}}{{$\\displaystyle {line}$}}"


def _decimal(value: object) -> Decimal:
    if isinstance(value, sp.Basic):
        value = sp.Float(sp.N(value, 40), 40)
    text = repr(value) if isinstance(value, float) else str(value)
    text = text.strip().replace("mpf('", "").replace("')", "")
    return Decimal(text)


def latex_number(value: object, digits: int = 6) -> str:
    """A number as LaTeX: exact for integers and rationals, else ``digits`` significant digits.

    Examples
    --------
    >>> latex_number(sp.Rational(-3, 4)), latex_number(sp.pi), latex_number(1.5e-9)
    ('- \\\\frac{3}{4}', '3.14159', '1.5 \\\\cdot 10^{-9}')
    """
    if isinstance(value, int | sp.Integer | sp.Rational) and not isinstance(value, bool):
        return sp.latex(sp.Rational(value))
    d = _decimal(value)
    if d.is_infinite():
        return "\\infty" if d > 0 else "-\\infty"
    if d.is_nan():
        raise SpecError(f"cannot print the number {value!r}")
    if d == 0:
        return "0"
    with localcontext() as ctx:
        ctx.prec = digits
        ctx.rounding = ROUND_HALF_EVEN
        d = +d
    exponent = d.adjusted()
    if -3 <= exponent < 5:
        text = format(d, "f")
        text = text.rstrip("0").rstrip(".") if "." in text else text
        return text.replace("-", "- ")
    mantissa = format(d.scaleb(-exponent), "f")
    mantissa = mantissa.rstrip("0").rstrip(".") if "." in mantissa else mantissa
    return f"{mantissa} \\cdot 10^{{{exponent}}}".replace("-", "- ", 1 if mantissa.startswith("-") else 0)


def _is_rational(value: object) -> bool:
    return isinstance(value, sp.Rational) or (isinstance(value, int) and not isinstance(value, bool))


def _matrix_blocks(entries: Sequence[Sequence[str]], budget: float = LINE_BUDGET) -> list[tuple[int, int]]:
    """Column ranges [a, b) of a matrix such that each block fits on a line."""
    cols = len(entries[0]) if entries else 0
    widths = [max(latex_width(row[c]) for row in entries) + 2.0 for c in range(cols)]
    blocks, start, used = [], 0, 0.0
    for c in range(cols):
        if c > start and used + widths[c] > budget - 10.0:
            blocks.append((start, c))
            start, used = c, 0.0
        used += widths[c]
    blocks.append((start, cols))
    return blocks


def _pmatrix(entries: Sequence[Sequence[str]]) -> str:
    return "\\begin{pmatrix}\n" + " \\\\\n".join(" & ".join(row) for row in entries) + "\n\\end{pmatrix}"


def _display_matrix(name: str, entries: Sequence[Sequence[str]]) -> str:
    """``name = (...)``, split into column blocks when the matrix is too wide for a line."""
    blocks = _matrix_blocks(entries)
    if len(blocks) == 1:
        return f"\\[\n{name} = {_pmatrix(entries)}\n\\]\n"
    out = [f"The {len(entries[0])} columns of ${name}$ are shown in {len(blocks)} blocks.\n"]
    for a, b in blocks:
        part = [row[a:b] for row in entries]
        out.append(f"\\[\n{name}_{{\\cdot,{a + 1}..{b}}} = {_pmatrix(part)}\n\\]\n")
    return "".join(out)


def _entries(matrix: sp.MatrixBase, digits: int) -> tuple[list[list[str]], bool]:
    """Printed entries of a matrix and whether all of them are exact."""
    exact = all(_is_rational(x) or x.free_symbols for x in matrix)
    rows = []
    for i in range(matrix.rows):
        row = []
        for j in range(matrix.cols):
            x = matrix[i, j]
            row.append(sp.latex(x) if exact or x.free_symbols else latex_number(x, digits))
        rows.append(row)
    return rows, exact


def _error_sentence(digits: int) -> str:
    return (
        f"Entries that are not rational are printed rounded to {digits} significant digits "
        f"(from a {40}-digit evaluation), so each printed entry $\\hat a$ of an exact entry $a$ "
        f"satisfies $|\\hat a - a| \\le 10^{{{1 - digits}}}\\,|a|$."
    )


# ---------------------------------------------------------------------------------------------
# Sections of a derivation document
# ---------------------------------------------------------------------------------------------


def _layer_of(symbol: sp.Symbol) -> int:
    match = re.search(r"\^\{\[(\d+)\]\}", symbol.name)
    return int(match.group(1)) if match else 0


def _activation_text(net: Network, u: int) -> str:
    spec = net.spec.activations[u - 1]
    if spec.name == "softmax":
        return (
            f"Layer {u} is a softmax layer: $h^{{[{u}]}}_v = p_v = e^{{z^{{[{u}]}}_v}} / "
            f"\\sum_{{j=1}}^{{{net.widths[u]}}} e^{{z^{{[{u}]}}_j}}$, whose derivative is "
            f"$\\partial p_v/\\partial x = p_v\\,(g_v - \\bar g)$ with $\\bar g = \\sum_a p_a g_a$ "
            "(the intermediates $\\bar g$ and $r_v = g_v - \\bar g$ below).\n\n"
        )
    z, h = sp.Symbol("z"), sp.Symbol("h")
    act = symbolic_activation(spec)
    return (
        f"Layer {u} uses the activation {_escape(spec.label)}: "
        f"$S(z) = {sp.latex(act.value(z))}$ and, writing $h = S(z)$, "
        f"$D = S'(z) = {sp.latex(act.first(z, h))}$.\n\n"
    )


def _network_section(net: Network, d: Derivation) -> str:
    out = ["\\section{The network}\n"]
    widths = ", ".join(str(w) for w in net.widths)
    out.append(
        f"The network has widths $(l_0, \\dots, l_{{{net.depth}}}) = ({widths})$, so the input dimension is "
        f"$m = l_0 = {net.m}$, the depth is $n = {net.depth}$ and it has {net.parameter_count} parameters. "
        "Inputs are $x_1, \\dots, x_m$ and $h^{[0]}_k = x_k$. Every neuron computes "
        "\\[ h^{[u]}_v = S\\Bigl(z^{[u]}_v\\Bigr), \\qquad z^{[u]}_v = \\sum_{k=1}^{l_{u-1}} "
        "w^{[u]}_{v,k}\\, h^{[u-1]}_k" + (" + b^{[u]}_v" if net.spec.bias else "") + ". \\]\n"
    )
    for u in range(1, net.depth + 1):
        out.append(f"\\subsection*{{Layer {u}}}\n")
        out.append(_activation_text(net, u))
        entries = [[sp.latex(x) for x in net.weights[u - 1].row(i)] for i in range(net.weights[u - 1].rows)]
        out.append(_display_matrix(f"W^{{[{u}]}}", entries))
        if net.spec.bias:
            b = net.biases[u - 1]
            out.append(_display_matrix(f"(b^{{[{u}]}})^T", [[sp.latex(x) for x in b]]))
        rows: list[tuple[str, sp.Expr | str]] = []
        for v in range(net.widths[u]):
            rows.append((sp.latex(sp.Symbol(f"z^{{[{u}]}}_{{{v + 1}}}")), _zsum(net, u, v)))
        out.append("The neuron equations of this layer:\n")
        out.append(_align_rows(rows))
        out.append(
            f"and $h^{{[{u}]}}_v = S(z^{{[{u}]}}_v)$"
            + (" as the softmax above" if net.spec.activations[u - 1].name == "softmax" else "")
            + f" for $v = 1, \\dots, {net.widths[u]}$.\n\n"
        )
    return "".join(out)


def _zsum(net: Network, u: int, v: int) -> sp.Expr:
    w = net.weights[u - 1]
    prev = [sp.Symbol(f"h^{{[{u - 1}]}}_{{{k + 1}}}") for k in range(w.cols)]
    expr = sp.Add(*(w[v, k] * prev[k] for k in range(w.cols)))
    return expr + net.biases[u - 1][v] if net.spec.bias else expr


def _chain_section(d: Derivation) -> str:
    net = d.network
    out = [
        "\\section{The chain rule, layer by layer}\n",
        "Write $J^{[u]} = \\partial h^{[u]}/\\partial x$ ($l_u \\times m$), $J^{[0]} = I_m$, and "
        "$g^{[u]} = W^{[u]} J^{[u-1]}$ for the gradients of the pre-activations. For an elementwise "
        "activation the chain rule gives\n"
        "\\[ J^{[u]} = D^{[u]}\\, W^{[u]}\\, J^{[u-1]}, \\qquad D^{[u]} = "
        "\\operatorname{diag}\\bigl(S'(z^{[u]}_1), \\dots, S'(z^{[u]}_{l_u})\\bigr). \\]\n"
        "Entry by entry, $J^{[u]}_{v,t} = D^{[u]}_v\\, g^{[u]}_{v,t}$ with "
        "$g^{[u]}_{v,t} = \\sum_k w^{[u]}_{v,k} J^{[u-1]}_{k,t}$. "
        "The derivation below names every intermediate quantity; a quantity equal to a single symbol "
        "or number is used directly instead of getting a name. Each line uses only names defined "
        "above it.\n\n",
    ]
    by_layer: dict[int, list[tuple[str, sp.Expr | str]]] = {}
    for symbol, rhs in d.definitions:
        by_layer.setdefault(_layer_of(symbol), []).append((sp.latex(symbol), rhs))
    for u in range(1, net.depth + 1):
        out.append(f"\\subsection*{{Layer {u}}}\n")
        rows = by_layer.get(u, [])
        if rows:
            out.append(_align_rows(rows))
        jac = d.jacobians[u]
        entries = [[sp.latex(x) for x in jac.row(i)] for i in range(jac.rows)]
        out.append(f"so that\n{_display_matrix(f'J^{{[{u}]}}', entries)}")
    return "".join(out)


def _gradient_section(d: Derivation, output: int) -> str:
    net, n = d.network, d.network.depth
    grad = d.gradient(output)
    rows = [
        (f"\\frac{{\\partial h^{{[{n}]}}_{{{output}}}}}{{\\partial x_{{{t + 1}}}}}", grad[0, t])
        for t in range(net.m)
    ]
    return (
        f"\\section{{The gradient of output {output}}}\n"
        f"The chosen output is $h^{{[{n}]}}_{{{output}}}$; its gradient is row {output} of $J^{{[{n}]}}$:\n"
        + _align_rows(rows)
    )


def _system_section(net: Network, output: int, system: StationaritySystem) -> str:
    n, m, lp = net.depth, net.m, net.widths[net.depth - 1]
    softmax = net.spec.activations[-1].name == "softmax"
    out = [f"\\section{{The stationarity system $L({n},{output})$}}\n"]
    if softmax:
        out.append(
            "The output layer is a softmax, so $\\partial p_v/\\partial x_t = p_v \\sum_a "
            "(\\delta_{v,a} - p_a) \\sum_k w^{[n]}_{a,k} J^{[n-1]}_{k,t}$. Since $p_v > 0$, $x$ is "
            "stationary for $p_v$ exactly when\n"
            f"\\[ \\sum_{{a=1}}^{{{net.widths[n]}}} \\bigl(\\delta_{{{output},a}} - p_a\\bigr) "
            f"\\sum_{{k=1}}^{{{lp}}} w^{{[{n}]}}_{{a,k}}\\, "
            f"\\frac{{\\partial h^{{[{n - 1}]}}_k}}{{\\partial x_t}} = 0,"
            f" \\qquad t = 1, \\dots, {m}. \\]\n"
            f"This is linear in the whole matrix $W^{{[{n}]}}$ once {_escape(system.frozen)} are held fixed, "
            "which is how it is read here. "
        )
    else:
        out.append(
            f"Since $h^{{[{n}]}}_{{{output}}} = S(z^{{[{n}]}}_{{{output}}})$ and $S' \\neq 0$, a point $x$ "
            f"is stationary for $h^{{[{n}]}}_{{{output}}}$ exactly when\n"
            f"\\[ \\sum_{{k=1}}^{{{lp}}} w^{{[{n}]}}_{{{output},k}}\\, "
            f"\\frac{{\\partial h^{{[{n - 1}]}}_k}}{{\\partial x_t}} = 0, \\qquad t = 1, \\dots, {m}, \\]\n"
            f"a homogeneous linear system in the {lp} unknowns $w^{{[{n}]}}_{{{output},k}}$; in matrix form "
            f"$(J^{{[{n - 1}]}})^T w^{{[{n}]}}_{{{output}}} = 0$. "
        )
    out.append("Written out with the named intermediates, the equations are\n")
    rows = [("0", eq) for eq in system.equations]
    out.append(_align_rows(rows))
    return "".join(out)


def _samples_section(system: StationaritySystem, digits: int) -> str:
    net = system.network
    m = net.m
    out = [
        "\\section{The coefficient matrix at the samples}\n",
        f"Stacking the equations for the {len(system.samples)} samples gives $A w = 0$ with $A$ of shape "
        f"${system.shape[0]} \\times {system.shape[1]}$: the rows of sample $i$ are the block "
        f"$A^{{(i)}}$, one row per input coordinate $t = 1, \\dots, {m}$.\n",
    ]
    if system.matrix.free_symbols:
        out.append(
            "The entries depend on the symbolic weights, so they are written out one by one as exact "
            "expressions ($A^{(i)}_{t,k}$ is row $t$, column $k$ of the block of sample $i$).\n"
        )
        for i, x in enumerate(system.samples):
            point = ", ".join(sp.latex(c) for c in x)
            out.append(f"\\paragraph{{Sample {i + 1}}} $x^{{({i + 1})}} = ({point})$:\n")
            rows = [
                (f"A^{{({i + 1})}}_{{{t + 1},{k + 1}}}", system.matrix[i * m + t, k])
                for t in range(m)
                for k in range(system.shape[1])
            ]
            out.append(_align_rows(rows))
        return "".join(out)
    _, exact = _entries(system.matrix, digits)
    out.append("All entries are exact rationals.\n" if exact else _error_sentence(digits) + "\n")
    for i, x in enumerate(system.samples):
        block = sp.ImmutableMatrix(system.matrix[i * m : (i + 1) * m, :])
        entries, _ = _entries(block, digits)
        point = ", ".join(sp.latex(c) for c in x)
        out.append(f"\\paragraph{{Sample {i + 1}}} $x^{{({i + 1})}} = ({point})$:\n")
        out.append(_display_matrix(f"A^{{({i + 1})}}", entries))
    return "".join(out)


def _rank_section(system: StationaritySystem, analysis: object, check: object, digits: int) -> str:
    out = ["\\section{Rank, nullity and the paper's condition}\n"]
    cols = system.shape[1]
    rank, nullity = analysis.rank, analysis.nullity  # type: ignore[attr-defined]
    if analysis.method == "exact":  # type: ignore[attr-defined]
        out.append(
            f"The entries lie in the exact domain {_escape(analysis.domain)}, so the rank was computed by "  # type: ignore[attr-defined]
            f"exact elimination: $\\operatorname{{rank}} A = {rank}$.\n"
        )
    else:
        svals = ", ".join(latex_number(v, digits) for v in analysis.singular_values)  # type: ignore[attr-defined]
        out.append(
            "The entries are not all rational, so the rank was read from the singular values, computed "
            f"with {analysis.dps} significant digits: "  # type: ignore[attr-defined]
            f"$\\sigma = ({svals})$ (printed to {digits} significant digits). "
        )
        point = analysis.generic_point  # type: ignore[attr-defined]
        if point:
            values = ", ".join(f"${sp.latex(sym)} = {sp.latex(val)}$" for sym, val in point)
            out.append(
                f"The symbolic weights were set to the random rational point {values}, so this is the "
                "rank at a generic point. "
            )
        gap = analysis.gap  # type: ignore[attr-defined]
        if gap is not None:
            out.append(f"The ratio of neighbouring singular values at the rank is ${latex_number(gap, 3)}$. ")
        else:
            out.append("No singular value is negligible at this precision. ")
        if rank is None:
            out.append("No gap was decisive at this precision, so the rank is left undecided.\n")
        else:
            out.append(
                ("This decides" if analysis.decisive else "This does not decide")  # type: ignore[attr-defined]
                + f" the rank: $\\operatorname{{rank}} A = {rank}$.\n"
            )
    if rank is not None:
        out.append(
            "\n\\noindent By rank--nullity the solution space has dimension "
            f"${cols} - {rank} = {nullity}$.\n\n"
        )
    if check is not None:
        net = system.network
        softmax = len(system.unknowns) != net.widths[net.depth - 1]
        out.append(_paper_text(check, "l_n l_{n-1}" if softmax else "l_{n-1}"))
    return "".join(out)


def _paper_text(check: object, unknowns: str) -> str:
    c = check
    lp, m, n_samples = c.l_prev, c.m, c.samples  # type: ignore[attr-defined]
    nm = n_samples * m
    if c.condition:  # type: ignore[attr-defined]
        text = (
            f"The paper's condition compares the number of unknowns ${unknowns} = {lp}$ with $m = {m}$: "
            f"${lp} > {m}$, so the system of a single sample has more unknowns than equations and therefore "
            "infinitely many solutions. "
        )
    else:
        text = (
            f"The paper's condition compares the number of unknowns ${unknowns} = {lp}$ with $m = {m}$: "
            f"${lp} \\le {m}$, so the condition does not hold and a single sample's system need not have a "
            "nonzero solution. "
        )
    text += (
        f"The {n_samples} stacked samples give ${n_samples} \\cdot {m} = {nm}$ equations, so the nullity "
        f"is at least $\\max(0, {lp} - {nm}) = {max(0, c.bound)}$, "  # type: ignore[attr-defined]
        "and the generic rank is "
        f"$\\min({nm}, {lp}) = {c.generic_rank}$. "  # type: ignore[attr-defined]
    )
    if c.infinitely_many is None:  # type: ignore[attr-defined]
        return text + "The rank is undecided, so no conclusion is drawn.\n"
    text += "The bound holds. " if c.bound_holds else "The bound FAILS. "  # type: ignore[attr-defined]
    text += (
        "This matrix attains the generic rank. "
        if c.at_generic_rank  # type: ignore[attr-defined]
        else "This matrix has a smaller rank than the generic one: its samples or weights are in special "
        "position. "
    )
    text += (
        "Infinitely many weight vectors make all the samples stationary."
        if c.infinitely_many  # type: ignore[attr-defined]
        else "Only $w = 0$ makes all the samples stationary."
    )
    return text + "\n"


def _solution_section(system: StationaritySystem, analysis: object, digits: int) -> str:
    out = ["\\section{The general solution}\n"]
    basis = tuple(analysis.kernel_basis)  # type: ignore[attr-defined]
    unknowns = ", ".join(sp.latex(u) for u in system.unknowns)
    if not basis:
        return out[0] + "The kernel is $\\{0\\}$: only $w = 0$ solves the system.\n"
    out.append(
        f"With $w = ({unknowns})^T$, every solution is $w = \\sum_{{i=1}}^{{{len(basis)}}} \\alpha_i b_i$ "
        "for real $\\alpha_i$, where the kernel basis is\n"
    )
    exact = all(_is_rational(x) for b in basis for x in b)
    rows = []
    for i, b in enumerate(basis, start=1):
        vec = ", ".join(sp.latex(x) if _is_rational(x) else latex_number(x, digits) for x in b)
        rows.append((f"b_{{{i}}}", f"({vec})^T"))
    for lhs, rhs in rows:
        out.append(_display_vector(lhs, rhs))
    if not exact:
        out.append(_error_sentence(digits) + "\n")
    return "".join(out)


def _display_vector(lhs: str, rhs: str) -> str:
    inner = rhs[1:-3].split(", ")
    lines, current = [], ""
    for piece in inner:
        candidate = f"{current}, {piece}" if current else piece
        if current and latex_width(candidate) > LINE_BUDGET - 12:
            lines.append(current + ",")
            current = piece
        else:
            current = candidate
    lines.append(current)
    if len(lines) == 1:
        return f"\\[ {lhs} = ({lines[0]})^T \\]\n"
    body = f"{lhs} &= (" + " \\\\\n  &\\quad ".join(lines) + ")^T"
    return "\\begin{align*}\n" + body + "\n\\end{align*}\n"


def _critical_section(found: object, digits: int) -> str:
    points = tuple(getattr(found, "points", found))  # type: ignore[arg-type]
    certified = any(hasattr(p, "enclosure") for p in points)
    out = ["\\section{Critical points}\n"]
    if certified:
        complete = getattr(found, "complete", None)
        out.append(
            f"{len(points)} critical points were certified: each lies in the printed box (midpoint $\\pm$ "
            "half-width), is the only critical point of its cell, and its type is proven where marked. "
            + (
                "Every other part of the search box was proven free of critical points.\n"
                if complete
                else "Some cells stayed unresolved, so the count is a lower bound.\n"
                if complete is False
                else "\n"
            )
        )
    else:
        out.append(
            f"{len(points)} critical points were found. Coordinates and values are printed to {digits} "
            "significant digits; $\\|\\nabla h\\|$ is the gradient norm at the computed point "
            "(its residual).\n"
        )
    head = "\\# & $x$ & type & $h(x)$ & $\\|\\nabla h\\|$ & signature" + (" & proven" if certified else "")
    cols = "rlllll" + ("l" if certified else "")
    out.append(f"\\begin{{longtable}}{{{cols}}}\n\\toprule\n{head} \\\\\n\\midrule\n\\endhead\n")
    for i, p in enumerate(points, start=1):
        if certified:
            coords = [_midpoint_radius(lo, hi) for lo, hi in p.enclosure]  # type: ignore[attr-defined]
        elif getattr(p, "exact", ()):
            coords = [sp.latex(c) if _is_rational(c) else latex_number(c, digits) for c in p.exact]  # type: ignore[attr-defined]
        else:
            coords = [latex_number(c, digits) for c in getattr(p, "x_high", ()) or p.x]  # type: ignore[attr-defined]
        sig = p.signature  # type: ignore[attr-defined]
        sig_text = "--" if sig is None else "(" + ", ".join(str(int(k)) for k in sig) + ")"
        value = getattr(p, "value_high", None) or p.value  # type: ignore[attr-defined]
        row = (
            f"{i} & $({', '.join(coords)})$ & {_escape(str(p.type))} & ${latex_number(value, digits)}$ & "  # type: ignore[attr-defined]
            f"${latex_number(p.gradient_norm, 2)}$ & {sig_text}"  # type: ignore[attr-defined]
        )
        if certified:
            row += " & yes" if p.type_proven else " & no"  # type: ignore[attr-defined]
        out.append(row + " \\\\\n")
    out.append("\\bottomrule\n\\end{longtable}\n")
    return "".join(out)


def _midpoint_radius(lo: object, hi: object) -> str:
    a, b = _decimal(lo), _decimal(hi)
    mid, rad = (a + b) / 2, (b - a) / 2
    # Round the radius up so the printed interval still contains the enclosure.
    with localcontext() as ctx:
        ctx.prec = 2
        ctx.rounding = ROUND_CEILING
        rad = +(rad + abs(mid) * Decimal(10) ** (-7))
    return f"{latex_number(mid, 8)} \\pm {latex_number(rad, 2)}"


@dataclass(frozen=True, slots=True, kw_only=True)
class LatexBuild:
    """The outcome of compiling one document with pdflatex.

    Attributes
    ----------
    pdf : Path or None
        The PDF, or None when compilation failed.
    log : str
        The full pdflatex log.
    errors : tuple of str
        Log lines starting with ``!`` (TeX errors).
    overfull : tuple of str
        ``Overfull \\hbox``/``\\vbox`` warnings.
    """

    pdf: Path | None
    log: str
    errors: tuple[str, ...]
    overfull: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """Compiled without errors and without overfull boxes."""
        return self.pdf is not None and not self.errors and not self.overfull


def compile_latex(
    tex: str, directory: str | Path, name: str = "document", *, timeout: float = 120
) -> LatexBuild:
    """Write ``tex`` to ``directory/name.tex`` and compile it with latexmk (or pdflatex).

    Raises :class:`MissingDependency` when no TeX installation is found.
    """
    latexmk, pdflatex = shutil.which("latexmk"), shutil.which("pdflatex")
    if pdflatex is None:
        raise MissingDependency(
            "pdflatex was not found; install TeX Live (Debian: apt-get install texlive-latex-base "
            "texlive-latex-recommended latexmk)"
        )
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", name):
        raise SpecError(f"document name {name!r} must consist of letters, digits, '.', '_' or '-'")
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{name}.tex").write_text(tex, encoding="utf-8")
    flags = ["-interaction=nonstopmode", "-halt-on-error"]
    if latexmk is not None:
        cmd = [latexmk, "-pdf", "-quiet", *[f"-pdflatex=pdflatex {' '.join(flags)} %O %S"], f"{name}.tex"]
        runs = [cmd]
    else:
        runs = [[pdflatex, *flags, f"{name}.tex"]] * 2
    for cmd in runs:
        try:
            subprocess.run(cmd, cwd=out, capture_output=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            raise EisymError(f"compiling {out / name}.tex took longer than {timeout} s") from None
    log_path = out / f"{name}.log"
    log = log_path.read_text(encoding="utf-8", errors="replace") if log_path.exists() else ""
    lines = log.splitlines()
    errors = tuple(line for line in lines if line.startswith("!"))
    overfull = tuple(line for line in lines if line.startswith("Overfull"))
    pdf = out / f"{name}.pdf"
    return LatexBuild(
        pdf=pdf if pdf.exists() and not errors else None, log=log, errors=errors, overfull=overfull
    )


def derivation(
    net: Network,
    output: int = 1,
    *,
    samples: object = None,
    analysis: object = None,
    critical_points: object = None,
    dps: int = 50,
    digits: int = 6,
    title: str | None = None,
) -> str:
    """A complete LaTeX document deriving L(n, v) for ``net`` and analysing it at ``samples``.

    Parameters
    ----------
    net : Network
    output : int
        The output unit v.
    samples : array-like of shape (N, m), optional
        Stack L(n, v) at these points: the coefficient matrix, its rank, the paper's condition
        and the general solution are added.
    analysis : RankAnalysis, optional
        A rank analysis of the sample system; computed with ``rank_analysis(system, dps)`` if omitted.
    critical_points : CriticalPointSearch, Certificate or sequence of their points, optional
        Adds a table of the points with their types; a certificate adds enclosures and which types
        are proven.
    dps : int
        Working precision of the rank analysis when it is computed here.
    digits : int
        Significant digits of printed non-rational numbers.
    title : str, optional

    Examples
    --------
    >>> from eisym import build_network
    >>> tex = derivation(build_network("1,2,1", "polynomial:0,1,1", weights=[[[1], [2]], "symbolic"]))
    >>> tex.startswith("\\\\documentclass") and tex.rstrip().endswith("\\\\end{document}")
    True
    """
    if not isinstance(net, Network):
        raise SpecError(f"derivation expects a Network (see eisym.build_network), got {type(net).__name__}")
    if isinstance(digits, bool) or not isinstance(digits, int) or not 2 <= digits <= 30:
        raise SpecError(f"digits must be an integer between 2 and 30, got {digits!r}")
    n = net.depth
    if isinstance(output, bool) or not isinstance(output, int) or not 1 <= output <= net.widths[n]:
        raise SpecError(f"output must be an integer between 1 and {net.widths[n]}, got {output!r}")
    d = derive(net, order=1)
    system = stationarity_system(net, output)
    acts = ", ".join(dict.fromkeys(a.label for a in net.spec.activations))
    if title is None:
        title = f"Stationarity of output {output} of the network ({', '.join(map(str, net.widths))})"
    parts = [
        _PREAMBLE,
        f"\\title{{{_escape(title)}}}\n\\author{{eisym}}\n\\date{{}}\n\\begin{{document}}\n\\maketitle\n",
        f"This document derives, step by step, when an input $x$ is a stationary point of the output "
        f"$h^{{[{n}]}}_{{{output}}}$ of a network with activations {_escape(acts)}, following the "
        "stationarity systems $L(n,v)$ of S. Chen's dynamic extremum mapper.\n\n",
        _network_section(net, d),
        _chain_section(d),
        _gradient_section(d, output),
        _system_section(net, output, system),
    ]
    if samples is not None:
        sampled = stationarity_system(net, output, samples=samples)
        check = None
        if analysis is None:
            from ._rank import paper_check, rank_analysis

            analysis = rank_analysis(sampled, dps=dps)
            check = paper_check(sampled, analysis)
        else:
            from ._rank import paper_check

            check = paper_check(sampled, analysis)
        parts.append(_samples_section(sampled, digits))
        parts.append(_rank_section(sampled, analysis, check, digits))
        parts.append(_solution_section(sampled, analysis, digits))
    if critical_points is not None:
        parts.append(_critical_section(critical_points, digits))
    parts.append("\\end{document}\n")
    return "".join(parts)


@dataclass(frozen=True, slots=True, kw_only=True)
class ProofDocument:
    """One regenerated proof: its file, its machine checks and its build.

    ``checks`` holds ``(statement, scope, passed)`` triples in the order the check script returns them.
    """

    name: str
    tex: Path
    pdf: Path | None
    checks: tuple[tuple[str, str, bool], ...]
    build: LatexBuild | None

    @property
    def passed(self) -> bool:
        """Every check held (and the PDF built cleanly, when it was built)."""
        return all(ok for _, _, ok in self.checks) and (self.build is None or self.build.ok)


_CHECKS_MARKER = re.compile(r"^%% CHECKS: (\w+)$", re.MULTILINE)


def _default_proofs_dir() -> Path:
    return Path(__file__).resolve().parents[1] / "proofs"


def _load_checks(source: Path) -> dict[str, object]:
    import importlib.util
    import sys

    path = source / "checks.py"
    spec = importlib.util.spec_from_file_location("eisym_proof_checks", path)
    if spec is None or spec.loader is None or not path.exists():
        raise SpecError(f"no proof checks at {path}; pass the proofs/ directory of an eisym source tree")
    module = importlib.util.module_from_spec(spec)
    # dataclasses look their module up in sys.modules while the module executes.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return dict(module.CHECKS)


def _checks_tex(checks: Sequence[tuple[str, str, bool]]) -> str:
    items = [
        f"\\item[{'passed' if ok else 'FAILED'}] {statement}\\\\\n  \\emph{{Checked for:}} {scope}."
        for statement, scope, ok in checks
    ]
    return "\\begin{description}\n" + "\n".join(items) + "\n\\end{description}"


def write_proofs(
    out: str | Path,
    *,
    source: str | Path | None = None,
    build: bool = True,
    results: dict[str, Sequence[object]] | None = None,
) -> tuple[ProofDocument, ...]:
    """Regenerate the proofs of ``proofs/`` with the outcome of their machine checks, and build PDFs.

    Parameters
    ----------
    out : path
        Output directory (created).
    source : path, optional
        The ``proofs/`` directory (default: the one next to the installed ``eisym`` package).
    build : bool
        Compile each document with pdflatex.
    results : dict, optional
        Precomputed check results keyed by proof name (``checks.run_all()``); run here if omitted.
    """
    src = Path(source) if source is not None else _default_proofs_dir()
    if not src.is_dir():
        raise SpecError(f"proof sources not found at {src}; pass source= (the CLI's --source)")
    preamble = (src / "preamble.tex").read_text(encoding="utf-8")
    registry = _load_checks(src) if results is None else {}
    target = Path(out)
    target.mkdir(parents=True, exist_ok=True)
    docs = []
    for path in sorted(src.glob("*.tex")):
        if path.name == "preamble.tex":
            continue
        text = path.read_text(encoding="utf-8").replace("\\input{preamble}\n", preamble)
        found: list[tuple[str, str, bool]] = []
        pieces, last = [], 0
        for match in _CHECKS_MARKER.finditer(text):
            key = match.group(1)
            if results is not None and key in results:
                checks = results[key]
            elif results is None and key in registry:
                checks = registry[key]()  # type: ignore[operator]
            else:
                raise SpecError(f"{path.name} names the check {key!r}, which has no results")
            these = [(c.statement, c.scope, bool(c.passed)) for c in checks]  # type: ignore[attr-defined]
            pieces += [text[last : match.start()], _checks_tex(these)]
            found += these
            last = match.end()
        text = "".join(pieces) + text[last:]
        if not found:
            raise SpecError(f"{path.name} has no machine checks; add a '%% CHECKS: name' line")
        tex_path = target / path.name
        tex_path.write_text(text, encoding="utf-8")
        result = compile_latex(text, target, path.stem) if build else None
        docs.append(
            ProofDocument(
                name=path.stem,
                tex=tex_path,
                pdf=result.pdf if result else None,
                checks=tuple(found),
                build=result,
            )
        )
    return tuple(docs)
