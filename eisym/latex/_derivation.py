"""The derivation document: network, chain rule, L(n,v), sample matrix, rank, kernel, critical points."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

import sympy as sp

from .._activations import symbolic_activation
from .._derive import Derivation, derive
from .._errors import SpecError
from .._network import Network
from .._stationarity import StationaritySystem, stationarity_system
from ._format import (
    _PREAMBLE,
    _align_rows,
    _display_matrix,
    _display_vector,
    _entries,
    _error_sentence,
    _escape,
    _is_rational,
    _midpoint_radius,
    latex_number,
    printed_value,
    upper_bound,
)

if TYPE_CHECKING:
    from .._rank import RankAnalysis

__all__ = ["derivation"]


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


def _zsum(net: Network, u: int, v: int) -> tuple[sp.Expr, ...]:
    """The terms w_{v,k} h_k^[u-1] in the order k = 1, 2, ... (then the bias)."""
    w = net.weights[u - 1]
    prev = [sp.Symbol(f"h^{{[{u - 1}]}}_{{{k + 1}}}") for k in range(w.cols)]
    terms = tuple(w[v, k] * prev[k] for k in range(w.cols))
    return terms + (net.biases[u - 1][v],) if net.spec.bias else terms


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
            f"Since $h^{{[{n}]}}_{{{output}}} = S(z^{{[{n}]}}_{{{output}}})$, wherever "
            f"$S'(z^{{[{n}]}}_{{{output}}}) \\neq 0$ (everywhere for the sigmoid, $\\tanh$, softplus and the "
            f"identity) a point $x$ is stationary for $h^{{[{n}]}}_{{{output}}}$ exactly when\n"
            f"\\[ \\sum_{{k=1}}^{{{lp}}} w^{{[{n}]}}_{{{output},k}}\\, "
            f"\\frac{{\\partial h^{{[{n - 1}]}}_k}}{{\\partial x_t}} = 0, \\qquad t = 1, \\dots, {m}, \\]\n"
            f"a homogeneous linear system in the {lp} unknowns $w^{{[{n}]}}_{{{output},k}}$; in matrix form "
            f"$(J^{{[{n - 1}]}})^T w^{{[{n}]}}_{{{output}}} = 0$. "
        )
    if not net.weights[-1].free_symbols:
        out.append(
            f"(The values of $W^{{[{n}]}}$ in Section 1 play no role here: the system treats them as "
            "unknowns.) "
        )
    out.append("Written out with the named intermediates, the equations are\n")
    rows: list[tuple[str, sp.Expr | str | tuple[sp.Expr, ...]]] = [
        ("0", tuple(system.matrix[t, k] * w for k, w in enumerate(system.unknowns)))
        for t in range(system.shape[0])
    ]
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
        svals = ", ".join(
            f"$\\sigma_{{{i}}} = {latex_number(v, digits)}$"
            for i, v in enumerate(analysis.singular_values, start=1)  # type: ignore[attr-defined]
        )
        out.append(
            "The entries are not all rational, so the rank was read from the singular values, computed "
            f"with {analysis.dps} significant digits: "  # type: ignore[attr-defined]
            f"{svals} (printed to {digits} significant digits). "
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
    w_vector = _display_vector("w", f"({unknowns})^T")
    if analysis.rank is None:  # type: ignore[attr-defined]
        return out[0] + "The rank is undecided at this precision, so no general solution is given.\n"
    if not basis:
        return out[0] + "The kernel is $\\{0\\}$: only $w = 0$ solves the system.\n"
    out.append(
        f"With the unknowns in the order\n{w_vector}every solution is "
        f"$w = \\sum_{{i=1}}^{{{len(basis)}}} \\alpha_i b_i$ for real $\\alpha_i$, "
        "where the kernel basis is\n"
    )
    exact = all(_is_rational(x) for b in basis for x in b)
    rows = []
    for i, b in enumerate(basis, start=1):
        vec = ", ".join(sp.latex(x) if _is_rational(x) else latex_number(x, digits) for x in b)
        rows.append((f"b_{{{i}}}", f"({vec})^T"))
    for lhs, rhs in rows:
        out.append(_display_vector(lhs, rhs))
    if not exact:
        out.append(
            f"The basis was computed by a singular value decomposition at {analysis.dps} digits "  # type: ignore[attr-defined]
            f"and is printed to {digits} significant digits"
        )
        if not system.matrix.free_symbols:
            residual = _residual(system.matrix, basis, digits)
            out.append(
                "; with the printed entries every equation holds up to "
                f"$|A \\hat b_i| \\le {upper_bound(residual)}$"
            )
        out.append(".\n")
    return "".join(out)


def _residual(matrix: sp.MatrixBase, basis: tuple[tuple[sp.Expr, ...], ...], digits: int) -> sp.Float:
    """max |(A b)_r| over the printed (rounded) basis vectors, with A evaluated at 40 digits."""
    a = matrix.applyfunc(lambda e: sp.N(e, 40))
    worst = sp.Float(0, 40)
    for b in basis:
        vec = sp.Matrix([printed_value(x, digits) for x in b])
        worst = max([worst, *(abs(r) for r in a * vec)])
    return worst


def _critical_section(found: object, digits: int) -> str:
    listed = getattr(found, "points", found)
    if not isinstance(listed, Iterable):
        raise SpecError(
            "critical_points must be a CriticalPointSearch, a Certificate or a sequence of their points, "
            f"got {type(found).__name__}"
        )
    points = tuple(listed)
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
    out.append(f"\\begin{{longtable}}{{{cols}}}\n\\hline\n{head} \\\\\n\\hline\n\\endhead\n")
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
    out.append("\\hline\n\\end{longtable}\n")
    return "".join(out)


def derivation(
    net: Network,
    output: int = 1,
    *,
    samples: object = None,
    analysis: RankAnalysis | None = None,
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
        from .._rank import paper_check, rank_analysis

        if analysis is None:
            analysis = rank_analysis(sampled, dps=dps)
        check = paper_check(sampled, analysis)
        parts.append(_samples_section(sampled, digits))
        parts.append(_rank_section(sampled, analysis, check, digits))
        parts.append(_solution_section(sampled, analysis, digits))
    if critical_points is not None:
        parts.append(_critical_section(critical_points, digits))
    parts.append("\\end{document}\n")
    return "".join(parts)
