"""Exact critical points of a small polynomial: grad f = 0 solved with Groebner bases.

The ideal I = <df/dx_1, ..., df/dx_m> is made radical by adding the square-free parts of
its univariate eliminants (Seidenberg's lemma), then a generic linear form
s = x_1 + c x_2 + c^2 x_3 + ... is adjoined and a lex basis with s last computed. For a
zero-dimensional radical ideal and generic c that basis has the shape
{x_i - q_i(s), p(s)} (the shape lemma), so the real solutions are exactly x = q(r) for the
real roots r of p (real because s is a real combination of the coordinates), given exactly
by ``CRootOf``. Box membership and the Hessian signature are then decided exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

import sympy as sp

from ._errors import SpecError
from ._signature import sign_at_root, signature_at_root, signature_type

__all__ = ["exact_critical_points", "MAX_BEZOUT"]

# Bezout bound on the number of complex solutions above which the exact path refuses.
MAX_BEZOUT = 400


def _polynomial(expr: sp.Expr, gens: Sequence[sp.Symbol]) -> sp.Poly:
    try:
        poly = sp.Poly(sp.expand(expr), *gens)
    except sp.PolynomialError:
        poly = None
    if poly is None or poly.domain not in (sp.ZZ, sp.QQ):
        raise SpecError(
            "the exact path needs a polynomial with rational coefficients (polynomial or identity "
            "activations and exact weights for a network); use method='numeric'"
        )
    return poly


def _shape_basis(polys: list[sp.Expr], gens: Sequence[sp.Symbol], s: sp.Symbol):  # type: ignore[no-untyped-def]
    m = len(gens)
    for c in range(2, 2 + 20):
        form = s - sp.Add(*(c**i * g for i, g in enumerate(gens)))
        basis = sp.groebner([*polys, form], *gens, s, order="lex").exprs
        if len(basis) != m + 1:
            continue
        q = []
        for g, b in zip(gens, basis, strict=False):
            p = sp.Poly(b, g)
            if p.degree() != 1 or p.coeffs()[0].free_symbols:
                break
            rest = sp.expand(b - p.coeffs()[0] * g)
            if not rest.free_symbols <= {s}:
                break
            q.append(sp.expand(-rest / p.coeffs()[0]))
        else:
            if basis[-1].free_symbols <= {s}:
                return q, sp.Poly(basis[-1], s)
    raise SpecError("could not bring the critical-point system into shape position; use method='numeric'")


def exact_critical_points(
    expr: sp.Expr, gens: Sequence[sp.Symbol], bounds: Sequence[tuple[Fraction, Fraction]], dps: int
) -> tuple:
    """The real critical points of the polynomial ``expr`` in the closed box, exactly.

    Returns :class:`eisym.CriticalPoint` objects sorted by coordinates.

    Examples
    --------
    >>> x, y = sp.symbols("x y")
    >>> pts = exact_critical_points(x**2 - y**2, (x, y), [(Fraction(-1), Fraction(1))] * 2, 30)
    >>> [(p.exact, p.type) for p in pts]
    [((0, 0), 'saddle')]
    """
    from ._critical import CriticalPoint

    gens = tuple(gens)
    poly = _polynomial(expr, gens)
    grads = [poly.diff(g).as_expr() for g in gens]
    if all(g == 0 for g in grads):
        raise SpecError("the function is constant: every point is critical")
    bezout = 1
    for g in grads:
        bezout *= max(1, sp.Poly(g, *gens).total_degree())
    if bezout > MAX_BEZOUT:
        raise SpecError(
            f"the gradient system may have up to {bezout} solutions, too many for the exact path "
            f"(limit {MAX_BEZOUT}); use method='numeric'"
        )
    basis = sp.groebner(grads, *gens, order="grevlex")
    if basis.exprs == [1]:
        return ()
    if not basis.is_zero_dimensional:
        raise SpecError(
            "the critical points are not isolated (they form a curve or surface); the exact path "
            "needs finitely many, use method='numeric'"
        )
    radical = list(basis.exprs)
    for i, g in enumerate(gens):
        order = (*gens[:i], *gens[i + 1 :], g)
        eliminant = sp.groebner(basis.exprs, *order, order="lex").exprs[-1]
        radical.append(sp.Poly(eliminant, g).sqf_part().as_expr())
    s = sp.Dummy("s")
    q, p = _shape_basis(radical, gens, s)
    hess_s = sp.hessian(poly.as_expr(), gens).subs(dict(zip(gens, q, strict=True)))
    hess_s = hess_s.applyfunc(sp.expand)
    points = []
    for root in sp.real_roots(p):
        # Reduce modulo the root's irreducible polynomial: same values, degree below its degree.
        if root.is_Rational:
            defining = sp.Poly(s - root, s)
        else:
            defining = sp.Poly(root.poly.as_expr().subs(root.poly.gen, s), s)
        q_root = [sp.Poly(qi, s).rem(defining).as_expr() for qi in q]
        coords = tuple(sp.expand(qi.subs(s, root)) for qi in q_root)
        inside = all(
            sign_at_root(qi - lo_, s, root) >= 0 and sign_at_root(hi_ - qi, s, root) >= 0
            for qi, (lo_, hi_) in zip(q_root, _rational_bounds(bounds), strict=True)
        )
        if not inside:
            continue
        hess_root = sp.Matrix(
            hess_s.shape[0], hess_s.shape[1], [sp.Poly(e, s).rem(defining).as_expr() for e in hess_s]
        )
        sig = signature_at_root(hess_root, s, root)
        # Decimal values from the polynomials in s at a root approximation with guard digits.
        r = root.evalf(dps + 20)
        # (Poly.eval would round a Float argument to a 53-bit rational.)
        x_num = [sp.sympify(qi).xreplace({s: r}).evalf(dps + 10) for qi in q_root]
        value = poly.as_expr().xreplace(dict(zip(gens, x_num, strict=True))).evalf(dps + 10)
        hess = [
            [hess_s[i, j].xreplace({s: r}).evalf(dps + 10) for j in range(len(gens))]
            for i in range(len(gens))
        ]
        points.append(
            CriticalPoint(
                x=tuple(float(c) for c in x_num),
                x_high=tuple(str(sp.Float(c, dps)) for c in x_num),
                exact=coords,
                value=float(value),
                value_high=str(sp.Float(value, dps)),
                gradient_norm=0.0,
                hessian=tuple(tuple(float(v) for v in row) for row in hess),
                signature=sig,
                type=signature_type(sig),
            )
        )
    return tuple(sorted(points, key=lambda pt: pt.x))


def _rational_bounds(bounds: Sequence[tuple[Fraction, Fraction]]) -> list[tuple[sp.Rational, sp.Rational]]:
    return [
        (sp.Rational(a.numerator, a.denominator), sp.Rational(b.numerator, b.denominator)) for a, b in bounds
    ]
