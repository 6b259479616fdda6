"""Certified enumeration against independent oracles (exact sympy solutions, mpmath sign changes)."""

from __future__ import annotations

import dataclasses

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from eisym import build_network, network_outputs
from eisym._certify import (
    certificate_from_json,
    certificate_to_json,
    certify_critical_points,
    check_certificate,
)
from eisym._errors import SpecError
from eisym._interval import enclose_np, network_unit
from eisym._interval_arb import enclose_arb


def _inside(point, box) -> bool:
    return all(a <= float(v) <= b for v, (a, b) in zip(point, box, strict=True))


def _sign_change_roots_1d(net, lo: float, hi: float, n: int = 1500):
    """Roots of f' located by sign changes of an mpmath evaluation of the composed sympy derivative."""
    (f,) = network_outputs(net)
    (x,) = net.inputs
    df = sp.lambdify(x, sp.diff(f, x), "mpmath")
    d2f = sp.lambdify(x, sp.diff(f, x, 2), "mpmath")
    roots = []
    with mpmath.workdps(40):
        grid = [mpmath.mpf(lo) + (mpmath.mpf(hi) - lo) * i / n for i in range(n + 1)]
        vals = [df(t) for t in grid]
        for a, b, va, vb in zip(grid, grid[1:], vals, vals[1:], strict=False):
            if va == 0 or va * vb < 0:
                r = mpmath.findroot(df, (a, b), solver="anderson") if va != 0 else a
                roots.append((float(r), "minimum" if d2f(r) > 0 else "maximum"))
    return roots


@pytest.mark.parametrize(
    ("activation", "seed"),
    [("sigmoid", 0), ("sigmoid", 3), ("tanh", 1), ("softplus", 2), ("sine", 4), ("sigmoid", 7)],
)
def test_one_dimensional_networks_match_sign_changes(activation, seed):
    net = build_network("1,6,1", [activation, "identity"], bias=True, weights=f"random:{seed}", scale=2)
    cert = certify_critical_points(net, (-5, 5))
    assert cert.complete
    oracle = _sign_change_roots_1d(net, -5.0, 5.0)
    assert len(cert.points) == len(oracle)
    for p, (root, kind) in zip(cert.points, oracle, strict=True):
        ((elo, ehi),) = p.enclosure
        assert elo - 1e-12 <= root <= ehi + 1e-12
        assert p.type_proven and p.type == kind


def test_sigmoid_output_unit_shortcut_matches_sign_changes():
    net = build_network("1,8,1", "sigmoid", weights="random:5", scale=2)
    assert network_unit(net).shortcut
    cert = certify_critical_points(net, (-6, 6))
    oracle = _sign_change_roots_1d(net, -6.0, 6.0)
    assert cert.complete and [p.type for p in cert.points] == [k for _, k in oracle]
    for p, (root, _) in zip(cert.points, oracle, strict=True):
        assert abs(p.x[0] - root) < 1e-9


def _exact_critical_points(net, box):
    """Real critical points of a polynomial network in 2-D: resultant in y, then back-substitution."""
    (f,) = network_outputs(net)
    x, y = net.inputs
    gx, gy = sp.diff(f, x), sp.diff(f, y)
    hess = sp.hessian(f, (x, y))
    res = sp.Poly(sp.resultant(gx, gy, x), y)
    out = []
    for y0 in {sp.re(r) for r in res.nroots(n=40) if abs(sp.im(r)) < 1e-25}:
        for x0 in sp.Poly(gx.subs(y, y0), x).nroots(n=40):
            if abs(sp.im(x0)) > 1e-25 or abs(gy.subs({x: sp.re(x0), y: y0})) > 1e-20:
                continue
            point = (float(sp.re(x0)), float(y0))
            if _inside(point, box) and all(np.hypot(*np.subtract(point, q)) > 1e-9 for q, _ in out):
                at = hess.subs({x: sp.re(x0), y: y0})
                eig = np.linalg.eigvalsh(np.array(at, dtype=float))
                out.append((point, "minimum" if eig.min() > 0 else "maximum" if eig.max() < 0 else "saddle"))
    return out


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_cubic_polynomial_network_matches_exact_solutions(seed):
    rng = np.random.default_rng(seed)
    w1 = [[int(v) for v in row] for row in rng.integers(-3, 4, size=(3, 2))]
    b1 = [int(v) for v in rng.integers(-2, 3, size=3)]
    w2 = [[sp.Rational(int(v), 4) for v in rng.integers(-4, 5, size=3)]]
    net = build_network(
        "2,3,1", ["polynomial:0,1,0,-1/3", "identity"], bias=True, weights=[w1, w2], biases=[b1, [0]]
    )
    box = ((-3.0, 3.0), (-3.0, 3.0))
    exact = _exact_critical_points(net, box)
    cert = certify_critical_points(net, box)
    assert cert.complete, cert.unresolved_volume
    assert len(cert.points) == len(exact)
    for p in cert.points:
        match = [k for pt, k in exact if _inside(pt, p.enclosure)]
        assert match == [p.type]


def test_saddle_x2_minus_y2_is_proven():
    net = build_network("2,2,1", ["polynomial:0,0,1", "identity"], weights=[[[1, 0], [0, 1]], [[1, -1]]])
    cert = certify_critical_points(net, (-1, 1))
    assert cert.complete
    (p,) = cert.points
    assert p.type == "saddle" and p.signature == (1, 1, 0)
    assert _inside((0.0, 0.0), p.enclosure)


def test_cube_is_never_given_a_type():
    net = build_network("1,1", "polynomial:0,0,0,1", weights=[[[1]]])
    cert = certify_critical_points(net, (-1, 1), min_width=1e-6)
    assert not cert.complete and cert.unresolved_volume > 0
    assert all(not p.type_proven for p in cert.points)
    assert any(a <= 0.0 <= b for ((a, b),) in cert.unresolved)


def test_monkey_saddle_is_unresolved_not_mistyped():
    # 2x^3 - (x+y)^3/2 - (x-y)^3/2 = x^3 - 3xy^2
    net = build_network(
        "2,3,1",
        ["polynomial:0,0,0,1", "identity"],
        weights=[[[1, 0], [1, 1], [1, -1]], [[2, "-1/2", "-1/2"]]],
    )
    (f,) = network_outputs(net)
    x, y = net.inputs
    assert sp.expand(f - (x**3 - 3 * x * y**2)) == 0
    cert = certify_critical_points(net, (-1, 1), min_width=1e-5)
    assert not cert.complete
    assert all(not p.type_proven for p in cert.points)
    assert any(_inside((0.0, 0.0), cell) for cell in cert.unresolved)


def test_enclosures_contain_exact_derivatives():
    net = build_network("2,4,3,1", ["tanh", "sigmoid", "sine"], bias=True, weights="random:3", scale=1.5)
    unit = network_unit(net)
    (f,) = network_outputs(net)
    xs = net.inputs
    grad = sp.lambdify(xs, [sp.diff(f, v) for v in xs], "mpmath")
    hess = sp.lambdify(xs, sp.hessian(f, xs), "mpmath")
    rng = np.random.default_rng(0)
    lo = rng.uniform(-2, 2, size=(3, 2))
    hi = lo + rng.uniform(0, 0.5, size=(3, 2))
    g, h = enclose_np(unit, lo, hi)
    for b in range(3):
        ga, ha = enclose_arb(unit, lo[b], hi[b])
        for t in rng.uniform(lo[b], hi[b], size=(6, 2)):
            with mpmath.workdps(30):
                gv, hv = grad(*t), hess(*t)
            for i in range(2):
                assert g.lo[b, i] <= gv[i] <= g.hi[b, i]
                assert ga[i].lower() <= gv[i] <= ga[i].upper()
                for j in range(2):
                    assert h.lo[b, i, j] <= hv[i, j] <= h.hi[b, i, j]
                    assert ha[i, j].lower() <= hv[i, j] <= ha[i, j].upper()


@pytest.mark.parametrize("seed", [2, 5, 6, 7])
def test_random_2d_sigmoid_networks_agree_with_multistart_newton(seed):
    from eisym._numeric import evaluate, numeric_network

    net = build_network("2,8,1", "sigmoid", weights=f"random:{seed}", scale=2)
    box = ((-6.0, 6.0), (-6.0, 6.0))
    cert = certify_critical_points(net, box)
    assert cert.complete
    nn = numeric_network(net)
    g1 = np.linspace(-6, 6, 41)
    x = np.array([(a, b) for a in g1 for b in g1])
    for _ in range(60):
        _, g, h = evaluate(nn, x)
        step = (np.linalg.pinv(h) @ g[..., None])[..., 0]
        x = np.clip(x - np.clip(step, -0.5, 0.5), -7, 7)
    _, g, h = evaluate(nn, x)
    good = np.all(np.isfinite(x), axis=1) & (np.linalg.norm(g, axis=1) < 1e-12)
    good &= np.all(np.abs(x) < 6, axis=1)
    found = [tuple(p) for p in x[good]]
    hit_cells = set()
    for pt in found:
        hits = [i for i, p in enumerate(cert.points) if _inside(pt, p.cell)]
        assert len(hits) == 1
        hit_cells.add(hits[0])
    assert len(hit_cells) == len(cert.points) > 0
    for p in cert.points:
        assert p.type_proven
        eig = np.linalg.eigvalsh(evaluate(nn, np.array([p.x]))[2][0])
        kind = "minimum" if eig.min() > 0 else "maximum" if eig.max() < 0 else "saddle"
        assert kind == p.type


def test_json_round_trip_and_tampering_is_caught():
    net = build_network("2,8,1", "sigmoid", weights="random:7", scale=2)
    cert = certify_critical_points(net, (-6, 6))
    assert cert.points
    again = certificate_from_json(certificate_to_json(cert))
    assert again == cert
    assert check_certificate(None, again).valid
    assert check_certificate(net, again, exclusion="arb").valid

    p = cert.points[0]
    flipped = "maximum" if p.type != "maximum" else "minimum"
    wrong_type = dataclasses.replace(cert, points=(dataclasses.replace(p, type=flipped),) + cert.points[1:])
    assert not check_certificate(net, wrong_type).valid

    hidden = dataclasses.replace(cert, points=cert.points[1:], excluded=cert.excluded + (p.cell,))
    result = check_certificate(net, hidden)
    assert not result.valid and any("excluded" in s for s in result.problems)

    gap = dataclasses.replace(cert, excluded=cert.excluded[1:])
    assert any("coverage" in s for s in check_certificate(net, gap).problems)

    other = build_network("2,8,1", "sigmoid", weights="random:2", scale=2)
    assert not check_certificate(other, cert).valid


def test_bad_input_is_refused():
    net = build_network("2,3,1", weights="random:0")
    with pytest.raises(SpecError, match="lo < hi"):
        certify_critical_points(net, (1, -1))
    with pytest.raises(SpecError, match="3 intervals"):
        certify_critical_points(net, [(0, 1), (0, 1), (0, 1)])
    with pytest.raises(SpecError, match="numeric weights"):
        certify_critical_points(build_network("2,3,1"), (0, 1))
    with pytest.raises(SpecError, match="softmax"):
        certify_critical_points(build_network("2,3,2", ["sigmoid", "softmax"], weights="random:0"), (0, 1))


HIMMELBLAU = "(x**2 + y - 11)**2 + (x + y**2 - 7)**2"
# Published critical points of Himmelblau's function (4 minima, 1 maximum, 4 saddles).
HIMMELBLAU_POINTS = [
    ((3.0, 2.0), "minimum"),
    ((-2.805118, 3.131312), "minimum"),
    ((-3.779310, -3.283186), "minimum"),
    ((3.584428, -1.848126), "minimum"),
    ((-0.270845, -0.923039), "maximum"),
    ((0.086678, 2.884255), "saddle"),
    ((-3.073026, -0.081353), "saddle"),
    ((3.385154, 0.073852), "saddle"),
    ((-0.127961, -1.953715), "saddle"),
]


def test_himmelblau_has_nine_certified_points():
    cert = certify_critical_points(HIMMELBLAU, (-6, 6))
    assert cert.complete and len(cert.points) == 9
    for x0, kind in HIMMELBLAU_POINTS:
        (p,) = [p for p in cert.points if np.allclose(p.x, x0, atol=1e-5)]
        assert p.type == kind and p.type_proven
        assert all(a - 1e-6 <= v <= b + 1e-6 for v, (a, b) in zip(x0, p.enclosure, strict=True))
    assert check_certificate(HIMMELBLAU, cert, exclusion="arb").valid


def test_sin_cos_has_twelve_points_in_the_box():
    # cos x cos y = sin x sin y = 0: x = +-pi/2 with y in {0, +-pi} (extrema), y = +-pi/2 with
    # x in {0, +-pi} (saddles).
    cert = certify_critical_points("sin(x)*cos(y)", (-4, 4))
    assert cert.complete
    assert cert.counts == {"minimum": 3, "maximum": 3, "saddle": 6, "unproven": 0}
    for p in cert.points:
        x, y = p.x
        assert min(abs(np.cos(x)), abs(np.cos(y))) < 1e-9 and abs(np.sin(x) * np.sin(y)) < 1e-9


def test_rosenbrock_valley_is_resolved():
    cert = certify_critical_points("(1 - x)**2 + 100*(y - x**2)**2", (-2, 2))
    assert cert.complete
    (p,) = cert.points
    assert p.type == "minimum" and _inside((1.0, 1.0), p.enclosure)


def test_monkey_saddle_expression_is_never_typed():
    cert = certify_critical_points("x**3 - 3*x*y**2", (-1, 1), min_width=1e-6)
    assert not cert.complete
    assert all(not p.type_proven for p in cert.points)
    assert check_certificate(None, cert).valid


@pytest.mark.parametrize("seed", [2, 6, 7, 11])
def test_agrees_with_numeric_critical_points(seed):
    from eisym import critical_points

    net = build_network("2,8,1", "sigmoid", weights=f"random:{seed}", scale=2)
    cert = certify_critical_points(net, (-6, 6))
    numeric = critical_points(net, (-6, 6), starts=1600)
    assert cert.complete
    assert len(numeric.points) == len(cert.points)
    for q in numeric.points:
        (p,) = [p for p in cert.points if _inside(q.x, p.cell)]
        assert q.type == p.type
        assert _inside(q.x, tuple((a - 1e-9, b + 1e-9) for a, b in p.enclosure))


def test_agrees_with_numeric_critical_points_on_himmelblau():
    from eisym import critical_points

    numeric = critical_points(HIMMELBLAU, (-6, 6))
    cert = certify_critical_points(HIMMELBLAU, (-6, 6))
    assert sorted((tuple(np.round(q.x, 6)), q.type) for q in numeric.points) == sorted(
        (tuple(np.round(p.x, 6)), p.type) for p in cert.points
    )


def test_expression_certificate_round_trip_and_wrong_function():
    cert = certify_critical_points("x**2 - y**2 + x*y/3", (-1, 1))
    again = certificate_from_json(certificate_to_json(cert))
    assert again == cert and check_certificate(None, again).valid
    assert not check_certificate("x**2 - y**2", again).valid


def test_cli_certify_and_check(tmp_path):
    import json

    from click.testing import CliRunner

    from eisym.cli import main

    path = tmp_path / "cert.json"
    runner = CliRunner()
    res = runner.invoke(
        main,
        [
            "critical",
            "--expr",
            HIMMELBLAU,
            "--box",
            "-6,6",
            "--certify",
            "--certificate",
            str(path),
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    doc = json.loads(res.output)
    assert doc["complete"] is True and doc["unresolved_volume"] == 0.0
    assert len(doc["points"]) == 9 and all(p["type_proven"] for p in doc["points"])
    assert {"x", "type", "value", "gradient_norm", "box"} <= set(doc["points"][0])
    res = runner.invoke(main, ["check-certificate", str(path), "--json"])
    assert res.exit_code == 0 and json.loads(res.output)["valid"] is True
    text = json.loads(path.read_text())
    text["points"][0]["type"] = "saddle" if text["points"][0]["type"] != "saddle" else "minimum"
    path.write_text(json.dumps(text))
    res = runner.invoke(main, ["check-certificate", str(path)])
    assert res.exit_code == 1 and "INVALID" in res.output


def test_budget_and_precision():
    net = build_network("2,8,1", "sigmoid", weights="random:7", scale=2)
    short = certify_critical_points(net, (-6, 6), max_boxes=20)
    assert not short.complete and short.unresolved_volume > 0
    assert check_certificate(net, short).valid
    low = certify_critical_points(net, (-6, 6), prec=64)
    high = certify_critical_points(net, (-6, 6), prec=256)
    assert low.complete and high.complete
    assert [(p.type, p.cell) for p in low.points] == [(p.type, p.cell) for p in high.points]
    for p in high.points:
        assert _inside(p.x, p.enclosure)
    with pytest.raises(SpecError, match="prec"):
        certify_critical_points(net, (-6, 6), prec=10)


def _poly_oracle(f, x, lo: int, hi: int):
    """Exact real roots of f' in (lo, hi) with their multiplicity and the sign of f''."""
    df = sp.Poly(sp.diff(f, x), x)
    if df.is_zero:
        return None
    out = []
    roots = df.real_roots()
    for root in sorted(set(roots)):
        mult = roots.count(root)
        if lo < root < hi:
            curv = sp.diff(f, x, 2).subs(x, root)
            out.append((float(sp.N(root, 30)), mult, sp.sign(sp.nsimplify(curv))))
    return out


@settings(max_examples=15, deadline=None)
@given(
    w1=st.lists(st.integers(-3, 3), min_size=2, max_size=2),
    b1=st.lists(st.integers(-2, 2), min_size=2, max_size=2),
    w2=st.lists(st.integers(-3, 3).filter(bool), min_size=2, max_size=2),
)
def test_polynomial_networks_match_exact_real_roots(w1, b1, w2):
    net = build_network(
        "1,2,1",
        ["polynomial:0,1,1,-1/2", "identity"],
        bias=True,
        weights=[[[a] for a in w1], [w2]],
        biases=[b1, [0]],
    )
    (f,) = network_outputs(net)
    (x,) = net.inputs
    oracle = _poly_oracle(sp.expand(f), x, -2, 2)
    if oracle is None:  # constant function: every point is critical
        return
    cert = certify_critical_points(net, (-2, 2), min_width=1e-7, max_boxes=20_000)
    simple = [(r, s) for r, mult, s in oracle if mult == 1]
    for p in cert.points:
        ((a, b),) = p.enclosure
        inside = [(r, s) for r, s in simple if a <= r <= b]
        assert len(inside) == 1  # a certified point is a simple root of f'
        if p.type_proven:
            assert p.type == ("minimum" if inside[0][1] > 0 else "maximum")
    if cert.complete:
        assert len(cert.points) == len(oracle) == len(simple)
    assert len(cert.points) <= len(simple)
    assert check_certificate(net, cert).valid


def test_second_output_unit():
    net = build_network("1,3,2", ["tanh", "sine"], bias=True, weights="random:4", scale=2)
    cert = certify_critical_points(net, (-3, 3), output=2)
    (f,) = [network_outputs(net)[1]]
    (x,) = net.inputs
    df = sp.lambdify(x, sp.diff(f, x), "mpmath")
    grid = np.linspace(-3, 3, 3001)
    with mpmath.workdps(30):
        vals = [df(t) for t in grid]
    changes = sum(1 for a, b in zip(vals, vals[1:], strict=False) if a * b < 0)
    assert cert.complete and len(cert.points) == changes
    assert check_certificate(net, cert).valid
    assert not check_certificate(
        net, dataclasses.replace(cert, subject=cert.subject.replace('"output": 2', '"output": 1'))
    ).valid


def test_gradients_below_float64_range_are_decided_in_arb():
    # exp(x) underflows float64 for x < -745; only arb can show the gradient is still positive.
    cert = certify_critical_points("exp(x) + exp(-y)", (-800, 800))
    assert cert.complete and not cert.points
    assert check_certificate(None, cert).valid
