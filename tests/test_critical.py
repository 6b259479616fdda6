"""critical_points on functions with known answers, against exact paths and sympy oracles."""

import dataclasses
import json
from fractions import Fraction

import numpy as np
import pytest
import sympy as sp
from click.testing import CliRunner

from eisym import (
    CriticalPointSearch,
    EisymError,
    ExpressionError,
    SpecError,
    build_network,
    critical_points,
    derive,
    network_outputs,
)
from eisym.cli import main

HIMMELBLAU = "(x**2+y-11)**2+(x+y**2-7)**2"


def _sympy_check(expr, variables, point, dps=50):
    """|grad| and the Hessian eigenvalues of ``expr`` at the point, by sympy at ``dps`` digits."""
    subs = {v: sp.Float(c, dps) for v, c in zip(variables, point.x_high, strict=True)}
    grad = [sp.diff(expr, v).evalf(dps, subs=subs) for v in variables]
    hess = sp.hessian(expr, variables).evalf(dps, subs=subs)
    eig = np.linalg.eigvalsh(np.array(hess.tolist(), dtype=float))
    return max(abs(g) for g in grad), eig


def _network_check(net, output, point, dps=60):
    """The same as ``_sympy_check`` for a network, by the exact recurrences of eisym.derive."""
    d = derive(net, point=[sp.Float(c, dps) for c in point.x_high])
    grad = max(abs(g.evalf(dps)) for g in d.gradient(output))
    eig = np.linalg.eigvalsh(np.array(d.hessian(output).evalf(dps).tolist(), dtype=float))
    return grad, eig


@pytest.fixture(scope="module")
def himmelblau():
    return critical_points(HIMMELBLAU, (-6, 6))


def test_himmelblau_has_nine_critical_points(himmelblau):
    assert himmelblau.counts == {"minimum": 4, "maximum": 1, "saddle": 4, "degenerate": 0}
    x, y = sp.symbols("x y", real=True)
    f = (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2
    for p in himmelblau.points:
        assert p.gradient_norm < 1e-40
        grad, eig = _sympy_check(f, (x, y), p)
        assert grad < 1e-40
        inertia = (int((eig > 0).sum()), int((eig < 0).sum()))
        kind = {(2, 0): "minimum", (0, 2): "maximum", (1, 1): "saddle"}[inertia]
        assert kind == p.type
    minima = [p for p in himmelblau.points if p.type == "minimum"]
    assert all(abs(p.value) < 1e-40 for p in minima)
    assert any(p.x == (3.0, 2.0) for p in minima)
    assert himmelblau.starts == 900 and himmelblau.converged > 0


def test_himmelblau_exact_path_agrees_with_numeric(himmelblau):
    exact = critical_points(HIMMELBLAU, (-6, 6), method="exact")
    assert len(exact.points) == 9
    for e, n in zip(exact.points, himmelblau.points, strict=True):
        assert e.type == n.type and e.signature == n.signature
        gap = max(abs(Fraction(a) - Fraction(b)) for a, b in zip(e.x_high, n.x_high, strict=True))
        assert gap < Fraction(1, 10**40)
        assert all(c.is_real for c in e.exact)


def test_sobol_starts_find_the_same_points(himmelblau):
    res = critical_points(HIMMELBLAU, (-6, 6), starts=1000, sampling="sobol", seed=7)
    assert res.starts == 1024
    assert [p.type for p in res.points] == [p.type for p in himmelblau.points]
    assert np.allclose([p.x for p in res.points], [p.x for p in himmelblau.points], atol=1e-12)


def test_monkey_saddle_is_one_degenerate_point():
    for method in ("numeric", "exact"):
        res = critical_points("x**3 - 3*x*y**2", (-2, 2), method=method)
        assert len(res.points) == 1
        p = res.points[0]
        assert p.type == "degenerate" and p.signature[2] >= 1
        assert max(abs(v) for v in p.x) < 1e-20


@pytest.mark.parametrize("power", [4, 6, 8])
def test_flat_minima_are_one_degenerate_point_not_a_cloud(power):
    # Newton converges only linearly here (ratio (k-1)/k); the point must still be found once.
    res = critical_points(f"x**{power} + y**2", (-1.3, 1), starts=400)
    assert [p.type for p in res.points] == ["degenerate"]
    assert max(abs(v) for v in res.points[0].x) < 1e-20


def test_progress_bar_on_request(capsys):
    critical_points("x**2 - y**2", (-1, 1), starts=16, progress=True)
    assert "polishing" in capsys.readouterr().err
    critical_points("x**2 - y**2", (-1, 1), starts=16, progress=False)
    assert capsys.readouterr().err == ""


def test_sympy_expressions_and_variable_order():
    x, y = sp.symbols("x y", real=True)
    res = critical_points((x - 1) ** 2 - (y + 2) ** 2, [(-3, 0), (0, 2)], variables=["y", "x"])
    assert res.variables == ("y", "x") and res.points[0].x == (-2.0, 1.0)
    with pytest.raises(ExpressionError, match="not variables"):
        critical_points(x * y, (-1, 1), variables=["x"])


def test_points_outside_the_real_domain_are_not_reported():
    # d/dx (log x + x) = 0 at x = -1, where log x is complex: no real critical point.
    assert critical_points("log(x) + x + y**2", (-2, 2)).points == ()
    res = critical_points("log(-x) + x + y**2", (-2, 2))
    assert [(p.x, p.type) for p in res.points] == [((-1.0, 0.0), "saddle")]


def test_quadratic_saddle():
    res = critical_points("x**2 - y**2", (-1, 1))
    assert [(p.x, p.type, p.signature) for p in res.points] == [((0.0, 0.0), "saddle", (1, 1, 0))]


def test_three_variables_numeric_and_exact_agree():
    f = "x**4 + y**4 - 4*x*y + z**2"
    num = critical_points(f, (-2, 2), starts=1000)
    ex = critical_points(f, (-2, 2), method="exact")
    assert [(p.type, p.x) for p in ex.points] == [
        ("minimum", (-1.0, -1.0, 0.0)),
        ("saddle", (0.0, 0.0, 0.0)),
        ("minimum", (1.0, 1.0, 0.0)),
    ]
    assert [p.type for p in num.points] == [p.type for p in ex.points]
    assert np.allclose([p.x for p in num.points], [p.x for p in ex.points], atol=1e-14)


def test_box_is_respected_including_per_axis_bounds(himmelblau):
    expected = [p.x for p in himmelblau.points if p.x[0] >= 0]
    assert len(expected) == 4
    res = critical_points(HIMMELBLAU, [(0, 6), (-6, 6)])
    assert [p.x for p in res.points] == expected
    res = critical_points(HIMMELBLAU, "0,6:-6,6", method="exact")
    assert np.allclose([p.x for p in res.points], expected, atol=1e-14)


def test_sigmoid_net_with_negative_derivative_has_no_spurious_root():
    # f' < 0 on all of R; float64 with s*(1-s) by subtraction reports a root near x = 9.45.
    net = build_network("1,2,1", "sigmoid", weights=[[[4], ["39/10"]], [[-1, -1]]])
    res = critical_points(net, (-10, 10), starts=400)
    assert res.points == ()
    assert res.converged == 0


def _constructed_network():
    """A 1-D sigmoid network with critical points placed at -3/2, 1/4 and 2 by construction."""
    x = sp.Symbol("x")
    w1 = [sp.Rational(3, 2), -2, 1, sp.Rational(5, 2)]
    b1 = [sp.Rational(1, 2), 1, -1, sp.Rational(-3, 2)]
    targets = [sp.Rational(-3, 2), sp.Rational(1, 4), sp.Rational(2)]
    slopes = [sp.diff(1 / (1 + sp.exp(-(w * x + b))), x) for w, b in zip(w1, b1, strict=True)]
    system = sp.Matrix([[d.subs(x, t) for d in slopes] for t in targets]).evalf(80)
    (kernel,) = system.nullspace()
    a = kernel / max(abs(v) for v in kernel)
    net = build_network(
        "1,4,1", ["sigmoid", "identity"], bias=True, weights=[[[w] for w in w1], [list(a)]], biases=[b1, [0]]
    )
    return net, targets


def test_constructed_critical_points_of_a_network_are_found():
    net, targets = _constructed_network()
    res = critical_points(net, (-4, 4), starts=200)
    f = network_outputs(net)[0]
    (x,) = net.inputs
    for t in targets:
        assert any(abs(Fraction(p.x_high[0]) - Fraction(t.p, t.q)) < Fraction(1, 10**30) for p in res.points)
    for p in res.points:
        grad, eig = _sympy_check(f, (x,), p)
        assert grad < 1e-40
        assert p.type == ("minimum" if eig[0] > 0 else "maximum")


def test_polynomial_networks_numeric_and_exact_paths_agree():
    for seed in range(3):
        net = build_network(
            "2,3,1", ["polynomial:0,-1,0,1/3", "identity"], bias=True, weights=f"random:{seed}:rational:4"
        )
        ex = critical_points(net, (-3, 3), method="exact")
        num = critical_points(net, (-3, 3))
        assert len(ex.points) > 0
        assert [p.type for p in ex.points] == [p.type for p in num.points]
        for e, n in zip(ex.points, num.points, strict=True):
            gap = max(abs(Fraction(a) - Fraction(b)) for a, b in zip(e.x_high, n.x_high, strict=True))
            assert gap < Fraction(1, 10**40)


def test_softmax_output_critical_points_are_real_critical_points():
    net = build_network("2,3,2", ["tanh", "softmax"], bias=True, weights="random:4:rational:16", scale=2.0)
    res = critical_points(net, (-3, 3), output=2)
    assert res.points
    for p in res.points:
        grad, eig = _network_check(net, 2, p)
        assert grad < 1e-40
        assert p.signature == (int((eig > 1e-9).sum()), int((eig < -1e-9).sum()), 0)


def test_results_are_frozen_deterministic_and_json_ready(himmelblau):
    again = critical_points(HIMMELBLAU, (-6, 6))
    assert [dataclasses.replace(p) for p in again.points] == list(himmelblau.points)
    with pytest.raises(dataclasses.FrozenInstanceError):
        himmelblau.points[0].type = "minimum"  # type: ignore[misc]
    assert isinstance(himmelblau, CriticalPointSearch)
    doc = json.loads(json.dumps(himmelblau.to_dict()))
    assert {"x", "type", "value", "gradient_norm"} <= set(doc["points"][0])


@pytest.mark.parametrize(
    ("f", "box", "kwargs", "error", "match"),
    [
        ("x**2", (), {}, SpecError, "box"),
        ("x**2", (1, -1), {}, SpecError, "empty or inverted"),
        ("x**2", (1, 1), {}, SpecError, "empty or inverted"),
        ("x**2", (float("nan"), 1), {}, SpecError, "finite"),
        ("x**2", (0, float("inf")), {}, SpecError, "finite"),
        ("x**2 + y**2", [(0, 1)] * 3, {}, SpecError, "3 intervals"),
        (sp.Abs(sp.Symbol("x")), (-1, 1), {}, ExpressionError, "not smooth"),
        ("3", (-1, 1), {}, ExpressionError, "no variables"),
        ("x**2", (-1, 1), {"dps": 5}, SpecError, "dps"),
        ("x**2", (-1, 1), {"starts": 0}, SpecError, "starts"),
        ("x**2", (-1, 1), {"method": "magic"}, SpecError, "method"),
        ("x**2", (-1, 1), {"sampling": "random"}, SpecError, "sampling"),
        ("x**2", (-1, 1), {"output": 2}, SpecError, "output"),
        ("exp(x)", (-1, 1), {"method": "exact"}, SpecError, "polynomial"),
        ("x**2 + 0*y", (-1, 1), {"method": "exact"}, SpecError, "not isolated"),
        (42, (-1, 1), {}, SpecError, "Network"),
    ],
)
def test_bad_input_gives_clear_errors(f, box, kwargs, error, match):
    with pytest.raises(error, match=match):
        critical_points(f, box, **kwargs)


def test_networks_need_numbers_and_valid_outputs():
    with pytest.raises(SpecError, match="symbolic"):
        critical_points(build_network("2,2,1"), (-1, 1))
    with pytest.raises(EisymError, match="output"):
        critical_points(build_network("2,2,1", weights="random:0"), (-1, 1), output=3)


def test_cli_critical_json_and_table():
    runner = CliRunner()
    out = runner.invoke(main, ["critical", "--expr", HIMMELBLAU, "--box", "-6,6", "--json"])
    assert out.exit_code == 0, out.output
    doc = json.loads(out.output)
    assert len(doc["points"]) == 9
    assert sorted({p["type"] for p in doc["points"]}) == ["maximum", "minimum", "saddle"]
    assert all(isinstance(p["x"], list) and p["gradient_norm"] < 1e-40 for p in doc["points"])
    out = runner.invoke(
        main,
        [
            "critical",
            "--widths",
            "2,6,6,1",
            "--weights",
            "random:1",
            "--scale",
            "3",
            "--box=-4,4:-4,4",
            "--starts",
            "400",
        ],
    )
    assert out.exit_code == 0, out.output
    assert "critical points" in out.output and "saddle" in out.output
    out = runner.invoke(main, ["critical", "--expr", "x**3 - 3*x*y**2", "--box", "-1,1", "--exact", "--json"])
    assert out.exit_code == 0, out.output
    assert [p["type"] for p in json.loads(out.output)["points"]] == ["degenerate"]
    out = runner.invoke(main, ["critical", "--expr", "x.real", "--box", "-1,1"])
    assert out.exit_code == 2 and "attribute access" in out.output
    out = runner.invoke(main, ["critical", "--box", "-1,1"])
    assert out.exit_code == 2 and "--widths" in out.output
