"""Formatting helpers: estimated widths, line breaking at term boundaries, numbers with error bounds."""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import ROUND_CEILING, ROUND_HALF_EVEN, Decimal, localcontext

import sympy as sp

from .._errors import SpecError

__all__ = ["LINE_BUDGET", "break_sum", "latex_number", "latex_width"]

# Visual width budget of one display line, in units of about one italic letter at 12 pt
# (A4 with 2.2 cm margins holds about 78; the rest is slack for the estimator's error).
LINE_BUDGET = 58.0

_PREAMBLE = r"""\documentclass[12pt,a4paper]{article}
\usepackage[margin=2.2cm]{geometry}
\usepackage{amsmath,amssymb}
\usepackage{longtable}
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


def _terms(expr: sp.Expr | tuple[sp.Expr, ...]) -> list[str]:
    """The signed LaTeX terms of a sum: sympy's order for an expression, the given order for a tuple."""
    if isinstance(expr, tuple):
        ordered = [t for t in expr if t != 0]
        if not ordered:
            return ["0"]
    elif isinstance(expr, sp.Add):
        ordered = expr.as_ordered_terms()
    else:
        return [sp.latex(expr)]
    out = []
    for i, term in enumerate(ordered):
        if term.could_extract_minus_sign():
            out.append(("- " if i == 0 else "- ") + sp.latex(-term, order="none"))
        else:
            out.append(("" if i == 0 else "+ ") + sp.latex(term, order="none"))
    return out


def break_sum(
    expr: sp.Expr | tuple[sp.Expr, ...], budget: float = LINE_BUDGET, first: float = 0.0
) -> list[str]:
    """Split ``expr`` at term boundaries into lines of estimated width at most ``budget``.

    ``expr`` is an expression (terms in sympy's printing order) or a tuple of terms to print in that
    order. ``first`` is the width already used on the first line (its left-hand side).

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


def _align_rows(
    rows: Sequence[tuple[str, sp.Expr | str | tuple[sp.Expr, ...]]], budget: float = LINE_BUDGET
) -> str:
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
    d = _round(d, digits)
    exponent = d.adjusted()
    if -3 <= exponent < 5:
        text = format(d, "f")
        text = text.rstrip("0").rstrip(".") if "." in text else text
        return text.replace("-", "- ")
    mantissa = format(d.scaleb(-exponent), "f")
    mantissa = mantissa.rstrip("0").rstrip(".") if "." in mantissa else mantissa
    return f"{mantissa} \\cdot 10^{{{exponent}}}".replace("-", "- ", 1 if mantissa.startswith("-") else 0)


def _round(d: Decimal, digits: int, rounding: str = ROUND_HALF_EVEN) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = digits
        ctx.rounding = rounding
        return +d


def printed_value(value: object, digits: int) -> sp.Rational:
    """The exact rational that :func:`latex_number` prints for ``value`` (``value`` itself if rational)."""
    if _is_rational(value):
        return sp.Rational(value)  # type: ignore[arg-type]
    d = _decimal(value)
    return sp.Rational(str(_round(d, digits))) if d != 0 else sp.S.Zero


def upper_bound(value: object) -> str:
    """``value`` (non-negative) rounded up to two significant digits, as LaTeX."""
    d = _decimal(value)
    return "0" if d == 0 else latex_number(_round(d, 2, ROUND_CEILING), 2)


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


def _midpoint_radius(lo: object, hi: object) -> str:
    a, b = _decimal(lo), _decimal(hi)
    mid, rad = (a + b) / 2, (b - a) / 2
    # Round the radius up so the printed interval still contains the enclosure.
    with localcontext() as ctx:
        ctx.prec = 2
        ctx.rounding = ROUND_CEILING
        rad = +(rad + abs(mid) * Decimal(10) ** (-7))
    return f"{latex_number(mid, 8)} \\pm {latex_number(rad, 2)}"


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
