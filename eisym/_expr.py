"""A safe reader for untrusted expression text such as ``--expr "(x**2+y-11)**2"``.

The text is parsed with :mod:`ast` and rebuilt node by node from a whitelist: numbers,
the input symbols, ``+ - * / **``, unary signs and calls of exp, log, tanh, sin, cos and
sqrt. Nothing is ever evaluated by Python or by sympy's string parser, so attribute
access, dunder names, subscripts, lambdas and calls of anything else are refused.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence
from dataclasses import dataclass

import sympy as sp

from ._errors import ExpressionError

__all__ = ["ParsedExpression", "parse_expression", "FUNCTIONS", "SMOOTH_FUNCTIONS"]

FUNCTIONS = {"exp": sp.exp, "log": sp.log, "tanh": sp.tanh, "sin": sp.sin, "cos": sp.cos, "sqrt": sp.sqrt}
CONSTANTS = {"pi": sp.pi}
# sympy classes a smooth expression may contain (sqrt is a Pow).
SMOOTH_FUNCTIONS = (sp.exp, sp.log, sp.tanh, sp.sin, sp.cos)
_DEFAULT_NAME = re.compile(r"^(?:[xyzw]|x_?[1-9][0-9]?)$")
_MAX_LENGTH = 10_000
_MAX_POWER = 64

_BINARY = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.Pow: lambda a, b: a**b,
}


@dataclass(frozen=True, slots=True, kw_only=True)
class ParsedExpression:
    """A parsed expression and its input symbols in order."""

    expr: sp.Expr
    variables: tuple[sp.Symbol, ...]
    text: str


def _order(name: str) -> tuple[int, int, str]:
    if name in "xyzw":
        return (0, "xyzw".index(name), name)
    digits = re.sub(r"\D", "", name)
    return (1, int(digits) if digits else 0, name)


def parse_expression(text: str, variables: Sequence[str] | None = None) -> ParsedExpression:
    """Parse untrusted text into a sympy expression without evaluating it.

    Parameters
    ----------
    text : str
        Arithmetic in Python syntax (``**`` for powers) over numbers, ``pi``, the input
        symbols and exp, log, tanh, sin, cos, sqrt.
    variables : sequence of str, optional
        Allowed input names, in order. By default x, y, z, w and x1..x99 (or x_1..) are
        allowed and ordered x, y, z, w, x1, x2, ...; only those that occur are variables.

    Raises
    ------
    ExpressionError
        On syntax errors and anything outside the whitelist.

    Examples
    --------
    >>> p = parse_expression("(x**2+y-11)**2 + exp(-y)")
    >>> p.variables
    (x, y)
    >>> parse_expression("x.real")
    Traceback (most recent call last):
    ...
    eisym._errors.ExpressionError: expression 'x.real': attribute access is not allowed
    """
    if not isinstance(text, str):
        raise ExpressionError(f"expression: expected text, got {type(text).__name__}")
    if len(text) > _MAX_LENGTH:
        raise ExpressionError(f"expression is too long ({len(text)} characters, limit {_MAX_LENGTH})")
    if "__" in text:
        raise ExpressionError(f"expression {text!r}: double underscores are not allowed")
    allowed = None if variables is None else tuple(variables)
    if allowed is not None:
        for name in allowed:
            if not name.isidentifier() or name in FUNCTIONS or name in CONSTANTS:
                raise ExpressionError(f"variable name {name!r} is not a plain identifier or is reserved")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"expression {text!r} is not valid: {exc.msg}") from None
    seen: dict[str, sp.Symbol] = {}
    expr = _build(tree.body, text, allowed, seen)
    if not isinstance(expr, sp.Expr) or expr.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
        raise ExpressionError(f"expression {text!r} is not a finite real expression")
    names = allowed if allowed is not None else tuple(sorted(seen, key=_order))
    ordered = tuple(sp.Symbol(n, real=True) for n in names if allowed is not None or n in seen)
    return ParsedExpression(expr=expr, variables=ordered, text=text)


def _build(node: ast.AST, text: str, allowed: tuple[str, ...] | None, seen: dict) -> sp.Expr:  # type: ignore[type-arg]
    def refuse(what: str) -> ExpressionError:
        return ExpressionError(f"expression {text!r}: {what}")

    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, int | float):
            raise refuse(f"{node.value!r} is not a number")
        if isinstance(node.value, float):
            return sp.Rational(repr(node.value))
        return sp.Integer(node.value)
    if isinstance(node, ast.Name):
        name = node.id
        if name in CONSTANTS:
            return CONSTANTS[name]
        if name in FUNCTIONS:
            raise refuse(f"{name} is a function; call it as {name}(...)")
        ok = name in allowed if allowed is not None else bool(_DEFAULT_NAME.match(name))
        if not ok:
            expected = ", ".join(allowed) if allowed is not None else "x, y, z, w, x1, x2, ..."
            raise refuse(f"unknown name {name!r}; the input symbols are {expected}")
        return seen.setdefault(name, sp.Symbol(name, real=True))
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left = _build(node.left, text, allowed, seen)
        right = _build(node.right, text, allowed, seen)
        if isinstance(node.op, ast.Pow) and right.is_number and abs(right) > _MAX_POWER:
            raise refuse(f"exponent {right} is too large (limit {_MAX_POWER})")
        if isinstance(node.op, ast.Div) and right == 0:
            raise refuse("division by zero")
        return _BINARY[type(node.op)](left, right)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.UAdd | ast.USub):
        operand = _build(node.operand, text, allowed, seen)
        return -operand if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            shown = node.func.id if isinstance(node.func, ast.Name) else "this"
            raise refuse(f"calling {shown!r} is not allowed; the functions are {', '.join(FUNCTIONS)}")
        if node.keywords or len(node.args) != 1:
            raise refuse(f"{node.func.id} takes exactly one argument")
        return FUNCTIONS[node.func.id](_build(node.args[0], text, allowed, seen))
    if isinstance(node, ast.Attribute):
        raise refuse("attribute access is not allowed")
    raise refuse(f"{type(node).__name__} is not allowed; use arithmetic, numbers and {', '.join(FUNCTIONS)}")
