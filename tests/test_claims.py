from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from eisym import build_network, make_spec
from eisym._certify import certify_critical_points
from eisym._report import render_markdown, report_sections
from eisym.claims._fast import Arrays, count_1d, count_nd, random_arrays
from eisym.claims.capacity import CapacityTask, predicted_capacity
from eisym.claims.constructive import ConstructiveTask
from eisym.claims.depth import EQUAL_P_GROUPS
from eisym.claims.extrema import FAMILIES, ExtremaTask, overall_verdict, summarize_extrema
from eisym.claims.kacrice import KacRiceTask, expected_zeros
from eisym.claims.onedim import OneDimTask, known_bound
from eisym.claims.verify import verify_claims


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("widths", [(1, 3, 1), (1, 5, 1), (1, 3, 3, 1)])
def test_1d_counts_equal_certified_counts(widths, seed):
    arrays = random_arrays(widths, "sigmoid", True, seed, 3.0)
    counted = count_1d(arrays, -6.0, 6.0)
    net = build_network(widths, "sigmoid", bias=True, weights=f"random:{seed}", scale=3.0)
    cert = certify_critical_points(net, (-6, 6))
    assert cert.complete
    assert (counted.minima, counted.maxima) == (cert.counts["minimum"], cert.counts["maximum"])


@pytest.mark.parametrize("seed", range(4))
def test_2d_newton_counts_equal_certified_counts(seed):
    arrays = random_arrays((2, 3, 1), "sigmoid", True, seed, 2.0)
    counted = count_nd(arrays, -3.0, 3.0)
    net = build_network((2, 3, 1), "sigmoid", bias=True, weights=f"random:{seed}", scale=2.0)
    cert = certify_critical_points(net, [(-3, 3), (-3, 3)])
    assert cert.complete
    proven = cert.counts
    assert (counted.minima, counted.maxima, counted.saddles) == (
        proven["minimum"],
        proven["maximum"],
        proven["saddle"],
    )


@pytest.mark.parametrize("k", [2, 3, 4, 5, 6])
def test_equal_magnitude_input_weights_never_exceed_k_minus_1(k):
    # Oracle: the logistic density is a Polya frequency function, so sum_j c_j S'(w x + b_j) with a
    # common |w| has at most k - 1 sign changes.
    rng = np.random.default_rng(k)
    worst = 0
    for _ in range(60):
        scale = rng.choice([0.5, 2.0, 6.0])
        w1 = scale * np.where(rng.random((k, 1)) < 0.5, -1.0, 1.0)
        b1 = 3 * rng.standard_normal(k)
        arrays = Arrays(
            weights=(w1, rng.standard_normal((1, k))), biases=(b1, np.zeros(1)), activations=("sigmoid",) * 2
        )
        worst = max(worst, count_1d(arrays, -10.0, 10.0).total)
    assert worst <= known_bound(k, equal_magnitude=True)


def test_known_bounds():
    assert [known_bound(k) for k in (2, 3, 4)] == [2, 18, 64]
    assert [known_bound(k, equal_magnitude=True) for k in (2, 5)] == [1, 4]


def test_onedim_search_respects_every_known_bound():
    for k in (2, 3):
        r = OneDimTask(k=k, seeds=tuple(range(40)), climb_steps=20, lo=-10.0, hi=10.0, grid=4001).run()
        assert r["complete"]
        assert r["certified"] == r["climb_max"]  # the float count of the witness is the proven one
        assert r["certified"] <= known_bound(k)
        assert r["equal_magnitude_max"] <= known_bound(k, equal_magnitude=True)
        assert r["random_max"] <= r["climb_max"]


@pytest.mark.parametrize("widths", [(1, 4, 1), (2, 5, 1), (2, 7, 1), (3, 7, 1)])
def test_capacity_by_rank_equals_floor_formula(widths):
    r = CapacityTask(widths=widths, seed=11).run()
    assert r["decisive"]
    assert r["n_star"] == predicted_capacity(widths[-2], widths[0])
    # The ranks grow by m per sample until they reach l: generic rank min(N m, l).
    m, width = widths[0], widths[-2]
    assert r["ranks"] == [min(n * m, width) for n in range(1, len(r["ranks"]) + 1)]


@pytest.mark.parametrize("widths", [(1, 3, 1), (2, 3, 1), (3, 3, 1)])
def test_all_layer_capacity_is_verified_and_at_least_last_layer(widths):
    import sympy as sp

    from eisym import derive

    r = CapacityTask(widths=widths, seed=11, all_layers=True).run()
    # A last-layer solution is an all-layer solution, so the search must reach at least N*(a).
    assert r["n_star_all"] >= r["n_star"] == predicted_capacity(widths[-2], widths[0])
    assert r["n_star_all"] <= r["all_limit"]
    sol = r["solution"]
    assert len(sol["points"]) == r["n_star_all"]
    flat = [sp.Float(w, 50) for w in sol["weights"]]
    layers, k = [], 0
    for prev, width in zip(widths[:-1], widths[1:], strict=True):
        layers.append([flat[k + v * prev : k + (v + 1) * prev] for v in range(width)])
        k += width * prev
    net = build_network(widths, "sigmoid", weights=layers)
    # Independent re-verification: eisym's exact derivation at each point, evaluated at 40 digits.
    for point in sol["points"]:
        grad = derive(net, point=[sp.Rational(v) for v in point], order=1).gradient().evalf(40)
        assert max(abs(g) for g in grad) < 1e-35
    elsewhere = derive(net, point=[sp.Rational(1, 3)] * widths[0], order=1).gradient().evalf(40)
    assert max(abs(g) for g in elsewhere) > 1e-8  # not a constant network


def test_kac_rice_formula_matches_monte_carlo():
    task = KacRiceTask(k=12, scale=2.0, seed=5, draws=6000, lo=-4.0, hi=4.0, grid=8001)
    r = task.run()
    assert r["theory"] > 0.5
    assert abs(r["mean"] - r["theory"]) <= 4 * r["std"] / np.sqrt(r["draws"])


def test_kac_rice_of_two_opposite_units_is_symmetric():
    w, b = np.array([1.5, -1.5]), np.array([0.5, 0.5])
    assert expected_zeros(w, b, -3, 0) + expected_zeros(w, b, 0, 3) == pytest.approx(
        expected_zeros(w, b, -3, 3)
    )


def test_constructive_m1_every_stationary_sample_is_an_extremum():
    r = ConstructiveTask(widths=(1, 6, 1), seeds=(1, 2, 3), trials=20).run()
    assert r["placeable"] == 5
    assert r["n_extrema"] == [5, 5, 5]
    assert r["saddle_fraction"] == [0.0, 0.0, 0.0]


def test_equal_parameter_groups_have_equal_p():
    for _, shapes in EQUAL_P_GROUPS:
        counts = {make_spec(s, bias=True).parameter_count for s in shapes}
        assert len(counts) == 1


def test_correlation_sees_a_planted_dependence():
    tasks, results = [], []
    for i, widths in enumerate(FAMILIES[0][1]):
        tasks.append(
            ExtremaTask(
                widths=widths,
                activation="sigmoid",
                bias=True,
                scale=1.0,
                lo=-1.0,
                hi=1.0,
                seeds=tuple(range(10)),
                grid=11,
                starts=2,
            )
        )
        results.append({"counts": [[i, i + (j % 2), 0, 0] for j in range(10)]})
    out = summarize_extrema(tasks, results, families=FAMILIES[:1])
    (corr,) = out.correlations
    assert corr.rho > 0.9 and corr.verdict == "supported" and out.verdict == "supported"
    assert overall_verdict(["not supported", "undetermined"]) == "not supported"
    assert overall_verdict(["supported", "contradicted"]) == "contradicted"


def test_same_seed_gives_byte_identical_tables_on_different_executors():
    with ThreadPoolExecutor(2) as pool:
        a = verify_claims("tiny", 3, executor=pool, progress=False)
    b = verify_claims("tiny", 3, workers=2, progress=False)
    text_a = render_markdown(report_sections(a))
    assert text_a == render_markdown(report_sections(b))
    assert a.networks_analysed > 0 and set(a.input_dimensions) >= {1, 2}
    c = verify_claims("tiny", 4, workers=2, progress=False)
    assert render_markdown(report_sections(c)) != text_a


def test_full_preset_is_at_least_ten_times_the_default():
    from eisym.claims._config import budget
    from eisym.claims.constructive import constructive_tasks
    from eisym.claims.kacrice import kac_rice_tasks
    from eisym.claims.onedim import onedim_tasks

    def size(name):
        ext = sum(len(t.seeds) for t in extrema_tasks_all(name))
        one = sum(len(t.seeds) for t in onedim_tasks(name))
        kac = sum(t.draws for t in kac_rice_tasks(name))
        con = sum(len(t.seeds) * t.trials for t in constructive_tasks(name))
        return ext, one, kac, con

    full, default = size("full"), size("default")
    assert all(f >= 10 * d for f, d in zip(full, default, strict=True)), (full, default)
    assert budget("default").seeds * 10 <= budget("full").seeds
    assert default[0] >= 2000


def extrema_tasks_all(name):
    from eisym.claims.extrema import extrema_tasks

    return extrema_tasks(name, 0, families=FAMILIES + EQUAL_P_GROUPS)
