"""Tests of the extremum-increment algorithm (eisym.ei)."""

import numpy as np
import pytest
import sympy as sp

from eisym import SpecError, build_network, derive
from eisym._numeric import evaluate, numeric_network
from eisym.ei import choose_representatives, fit, hidden_system, load_dataset, polarize
from eisym.ei._algebra import kernel, layer_jet, stationarity_matrix


@pytest.fixture(scope="module")
def moons():
    return load_dataset("moons", seed=0, samples=120)


@pytest.mark.parametrize("name", ["xor", "circles"])
def test_full_training_accuracy(name):
    data = load_dataset(name, seed=1, samples=120)
    model = fit(data.x_train, data.y_train, widths=(12,), init_scale=4.0, seed=1)
    assert model.converged
    assert model.score(data.x_train, data.y_train) == 1.0
    assert model.widths[-1] == 2 and model.widths[0] == 2


def test_moons_full_training_accuracy_with_increments(moons):
    model = fit(moons.x_train, moons.y_train, widths=(6,), init_scale=4.0, max_increments=8, seed=0)
    assert model.converged and model.score(moons.x_train, moons.y_train) == 1.0
    # Increments only ever widen the last hidden layer.
    steps = [i.widths[1] for i in model.increments]
    assert steps == sorted(steps) and len(steps) == model.n_increments + 1
    assert model.widths == model.increments[-1].widths


def test_kernel_vector_makes_representatives_stationary_exactly_checked():
    data = load_dataset("xor")
    model = fit(data.x_train, data.y_train, widths=(9,), representatives="all", seed=3)
    net = model.network
    assert net.widths == model.widths
    for i in model.representatives:
        d = derive(net, point=[sp.Float(v, 30) for v in data.x_train[i]], order=1)
        for v in (1, 2):
            grad = np.array(d.gradient(v), dtype=float).ravel()
            assert np.max(np.abs(grad)) < 1e-9
    # A non-representative direction is not stationary: the check can fail.
    d = derive(net, point=[0.3, -0.2], order=1)
    assert np.max(np.abs(np.array(d.gradient(1), dtype=float))) > 1e-6


def test_mapped_kinds_agree_with_independent_hessians():
    data = load_dataset("xor")
    model = fit(data.x_train, data.y_train, widths=(13,), polarization="extremum", seed=0)
    nn = numeric_network(model.network)
    for sample in model.mapped:
        for v, kind in enumerate(sample.kinds, start=1):
            _, grad, hess = evaluate(nn, data.x_train[sample.sample][None, :], output=v)
            eig = np.linalg.eigvalsh(hess[0])
            assert np.linalg.norm(grad) < 1e-8
            expected = "maximum" if np.all(eig < 0) else "minimum" if np.all(eig > 0) else "saddle"
            assert kind == expected
    assert model.converged
    assert all(s.right_kind for s in model.mapped)
    assert model.extremum_fraction == len(model.mapped) / 4


def test_layer_jet_against_finite_differences():
    rng = np.random.default_rng(0)
    ws = [rng.standard_normal((3, 2)), rng.standard_normal((4, 3))]
    bs = [rng.standard_normal(3), rng.standard_normal(4)]
    acts = ["sigmoid", "tanh"]
    x = rng.standard_normal((2, 2))
    h, jac, hess = layer_jet(ws, bs, acts, x, order=2)
    step = 1e-5
    for t in range(2):
        e = np.zeros(2)
        e[t] = step
        hp, jp, _ = layer_jet(ws, bs, acts, x + e)
        hm, jm, _ = layer_jet(ws, bs, acts, x - e)
        np.testing.assert_allclose((hp - hm) / (2 * step), jac[:, :, t], atol=1e-8)
        np.testing.assert_allclose((jp - jm) / (2 * step), hess[:, :, :, t], atol=1e-8)


def test_stationarity_matrix_matches_symbolic_system():
    from eisym import stationarity_system

    w1 = [[1.5, -0.5], [0.25, 2.0], [-1.0, 1.0]]
    net = build_network("2,3,1", weights=[w1, "symbolic"])
    points = [[0.5, -1.0], [2.0, 0.25]]
    exact = np.array(stationarity_system(net, samples=points).matrix, dtype=float)
    _, jac, _ = layer_jet([np.array(w1)], [None], ["sigmoid"], np.array(points))
    np.testing.assert_allclose(stationarity_matrix(jac), exact, rtol=1e-12)


def test_hidden_system_projection_keeps_output_stationary():
    rng = np.random.default_rng(2)
    ws = [rng.standard_normal((5, 1)), rng.standard_normal((1, 5))]
    x = np.array([[0.3]])
    basis, _ = kernel(hidden_system(ws, [None, None], ["sigmoid", "sigmoid"], 1, x), 5)
    flat = basis @ (basis.T @ ws[0].ravel())
    moved = [flat.reshape(5, 1), ws[1]]
    # The R5 system is linear in W^[1] only with beta frozen, so stationarity is first-order accurate.
    _, jac_before, _ = layer_jet(ws, [None, None], ["sigmoid", "sigmoid"], x)
    _, jac_after, _ = layer_jet(moved, [None, None], ["sigmoid", "sigmoid"], x)
    assert abs(jac_after[0, 0, 0]) < abs(jac_before[0, 0, 0])


def test_lp_and_enumerate_agree_on_one_dimensional_kernels():
    # With a one-dimensional kernel the grid {-1, 0, 1} holds both directions, so enumeration is complete.
    rng = np.random.default_rng(5)
    agree = 0
    for trial in range(30):
        q = rng.standard_normal((7, 1))
        y = rng.integers(0, 2, 7)
        y[:2] = [0, 1]
        a = polarize("lp", q, y, 2, np.array([], dtype=int))
        b = polarize("enumerate", q, y, 2, np.array([], dtype=int))
        assert a.found == b.found, trial
        agree += a.found
    assert 0 < agree < 30  # both outcomes occur


def test_enumerate_success_implies_lp_success():
    rng = np.random.default_rng(6)
    for _ in range(15):
        q = rng.standard_normal((8, 3))
        y = np.array([0, 1, 2, 0, 1, 2, 0, 1])
        e = polarize("enumerate", q, y, 3, np.array([], dtype=int))
        lp = polarize("lp", q, y, 3, np.array([], dtype=int), termination="strict")
        if e.found:
            assert lp.found
        if lp.found:
            z = q @ lp.alpha.T + lp.bias
            assert np.all(np.where(np.eye(3, dtype=bool)[y], z >= 1 - 1e-7, z <= -1 + 1e-7))


def test_strict_termination_hits_targets(moons):
    model = fit(
        moons.x_train, moons.y_train, widths=(12,), termination="strict", init_scale=4.0, max_increments=8
    )
    assert model.converged
    reps = list(model.representatives)
    out = model.decision_function(moons.x_train[reps])
    labels = moons.y_train[reps]
    own = out[np.arange(len(labels)), labels]
    assert np.all(own >= 1 - model.eps) and np.all(out.sum(axis=1) - own <= model.eps)
    assert model.stationary_fraction == len(model.representatives) / len(moons.y_train)


def _untimed(doc):
    doc = {k: v for k, v in doc.items() if "seconds" not in k}
    doc["attempts"] = [{k: v for k, v in a.items() if "seconds" not in k} for a in doc["attempts"]]
    return doc


def test_deterministic_for_a_seed(moons):
    a = fit(moons.x_train, moons.y_train, widths=(8,), seed=4, init_scale=4.0)
    b = fit(moons.x_train, moons.y_train, widths=(8,), seed=4, init_scale=4.0)
    c = fit(moons.x_train, moons.y_train, widths=(8,), seed=5, init_scale=4.0)
    for wa, wb in zip(a.weights, b.weights, strict=True):
        np.testing.assert_array_equal(wa, wb)
    assert a.representatives == b.representatives and _untimed(a.to_dict()) == _untimed(b.to_dict())
    assert not np.array_equal(a.weights[0], c.weights[0])


def test_labels_are_returned_in_their_own_type():
    data = load_dataset("xor")
    names = np.array(["odd" if v else "even" for v in data.y_train])
    model = fit(data.x_train, names, widths=(9,))
    assert model.predict(data.x_train).tolist() == names.tolist()
    assert model.classes == ("even", "odd")


def test_representatives_are_class_members_and_own_their_clusters():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((40, 2))
    y = (x[:, 0] > 0).astype(int)
    reps, owner = choose_representatives(x, y, [3, 4], seed=0)
    assert len(reps) <= 7
    assert np.all(y[owner] == y)
    assert set(owner.tolist()) == set(reps.tolist())


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"widths": ()}, "widths"),
        ({"widths": (0,)}, "widths"),
        ({"polarization": "magic"}, "polarization"),
        ({"termination": "loose"}, "termination"),
        ({"ub": 0.2, "lb": 0.5}, "UB"),
        ({"representatives": "some"}, "representatives"),
        ({"seed": -1}, "seed"),
        ({"activation": "relu"}, "activation"),
        ({"grow": 0}, "grow"),
        ({"hidden_steps": -1}, "hidden_steps"),
        ({"trust": 0.0}, "trust"),
        ({"eps": 0.6}, "eps"),
        ({"ub": "a"}, "UB"),
        ({"ridge": float("nan")}, "ridge"),
        ({"ridge": -1.0}, "ridge"),
        ({"trust": "x"}, "trust"),
        ({"init_scale": None}, "init_scale"),
        ({"grad_tol": -1.0}, "grad_tol"),
        ({"eig_tol": 0.0}, "eig_tol"),
        ({"max_candidates": 0}, "max_candidates"),
        ({"max_increments": 1.5}, "max_increments"),
    ],
)
def test_bad_options(kwargs, match):
    data = load_dataset("xor")
    with pytest.raises(SpecError, match=match):
        fit(data.x_train, data.y_train, **kwargs)


def test_bad_data():
    with pytest.raises(SpecError, match="single class"):
        fit(np.zeros((3, 2)), [1, 1, 1])
    with pytest.raises(SpecError, match="labels"):
        fit(np.zeros((3, 2)), [0, 1])
    with pytest.raises(SpecError, match="NaN"):
        fit(np.array([[0.0, np.nan], [1.0, 1.0]]), [0, 1])
    with pytest.raises(SpecError, match="complex"):
        fit(np.array([[0.0, 1j], [1.0, 1.0]]), [0, 1])
    with pytest.raises(SpecError, match="mixed types"):
        fit(np.zeros((2, 2)), np.array([0, "a"], dtype=object))
    # NumPy integers count as integers everywhere.
    data = load_dataset("xor")
    ints = {"representatives": np.int64(1), "max_increments": np.int64(1)}
    assert fit(data.x_train, data.y_train, widths=(9,), **ints).train_accuracy == 1.0
    with pytest.raises(SpecError, match="data set"):
        load_dataset("mnist")
    data = load_dataset("xor")
    model = fit(data.x_train, data.y_train, widths=(9,))
    with pytest.raises(SpecError, match="shape"):
        model.predict(np.zeros((2, 3)))


def test_projected_ridge_readout_matches_kernel_basis_readout():
    from eisym.ei._algebra import row_space
    from eisym.ei._polarize import ridge_readout

    rng = np.random.default_rng(8)
    feats = rng.standard_normal((30, 12))  # more rows than columns: primal form
    wide = rng.standard_normal((8, 12))  # fewer rows than columns: dual form
    system = rng.standard_normal((5, 12))
    basis, rank = kernel(system, 12)
    rows, rank_qr = row_space(system, 12)
    assert rank == rank_qr == 5
    for x in (feats, wide):
        targets = rng.standard_normal((x.shape[0], 3))
        alpha, b1 = ridge_readout(x @ basis, targets, 1e-2, 7, True)
        w2, b2 = ridge_readout(x - (x @ rows) @ rows.T, targets, 1e-2, 7, True)
        np.testing.assert_allclose(alpha @ basis.T, w2, atol=1e-10)
        np.testing.assert_allclose(b1, b2, atol=1e-10)
        assert np.max(np.abs(system @ w2.T)) < 1e-10


def test_lstsq_fit_keeps_representatives_stationary():
    data = load_dataset("iris", seed=0)
    model = fit(
        data.x_train, data.y_train, widths=(48,), polarization="lstsq", max_increments=0, init_scale=2.0
    )
    assert all(s.stationary for s in model.mapped)
    assert model.score(data.x_test, data.y_test) > 0.6  # three classes: chance is 1/3


def test_cli_prints_one_json_object():
    import json

    from click.testing import CliRunner

    from eisym.cli import main

    result = CliRunner().invoke(main, ["ei", "--dataset", "xor", "--widths", "9", "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert {"train_accuracy", "test_accuracy", "widths", "increments", "seconds"} <= set(doc)
    assert doc["train_accuracy"] == 1.0 and doc["widths"][0] == 2 and doc["widths"][-1] == 2
    bad = CliRunner().invoke(main, ["ei", "--dataset", "mnist", "--json"])
    assert bad.exit_code == 2 and "unknown data set" in bad.output


def test_hidden_layer_step_moves_in_the_r5_kernel_and_reduces_violation():
    from eisym.ei import hidden_layer_step

    rng = np.random.default_rng(11)
    ws = [rng.standard_normal((6, 2)) * 2, rng.standard_normal((2, 6))]
    bs = [rng.standard_normal(6), rng.standard_normal(2)]
    acts = ["sigmoid", "sigmoid"]
    x = rng.standard_normal((25, 2))
    y = (x[:, 0] * x[:, 1] > 0).astype(int)
    reps = np.array([0, 1])

    def violation(weights, biases):
        z = forward_logits(weights, biases, x)
        gap = z[np.arange(len(y)), y] - z[np.arange(len(y)), 1 - y]
        return np.maximum(1 - gap, 0).sum()

    system = hidden_system(ws, bs, acts, 1, x[reps])
    before_w, before = ws[0].copy(), violation(ws, bs)
    assert hidden_layer_step(ws, bs, acts, x, y, reps, trust=0.05)
    step = (ws[0] - before_w).ravel()
    assert np.linalg.norm(step) > 0
    assert np.linalg.norm(system @ step) < 1e-10 * np.linalg.norm(system) * np.linalg.norm(step)
    assert violation(ws, bs) < before


def forward_logits(weights, biases, x):
    from eisym.ei._algebra import forward

    return forward(weights, biases, ["sigmoid", "identity"], x)


def test_fit_with_hidden_steps(moons):
    kw = {"widths": (8,), "init_scale": 4.0, "max_increments": 0, "seed": 2}
    plain = fit(moons.x_train, moons.y_train, hidden_steps=0, **kw)
    solved = fit(moons.x_train, moons.y_train, hidden_steps=4, **kw)
    assert solved.increments[-1].hidden_steps > 0
    assert not np.array_equal(plain.weights[0], solved.weights[0])
    assert all(s.stationary for s in solved.mapped)
    assert solved.train_accuracy >= plain.train_accuracy


def test_mapped_extrema_are_found_by_critical_points():
    from eisym import critical_points

    rng = np.random.default_rng(0)
    x = rng.uniform(-3, 3, (60, 1))
    y = (np.floor((x[:, 0] + 3) / 1.5).astype(int)) % 2
    model = fit(x, y, widths=(8,), init_scale=4.0, seed=0)
    assert model.converged
    found = critical_points(model.network, (-3.5, 3.5), output=1, starts=200)
    mapped = [s for s in model.mapped if s.kinds[0] in ("maximum", "minimum")]
    assert mapped
    for sample in mapped:
        near = [p for p in found.points if abs(p.x[0] - x[sample.sample, 0]) < 1e-6]
        assert len(near) == 1 and near[0].type == sample.kinds[0]


def _stationary_two_layer_net():
    data = load_dataset("moons", samples=60, seed=0)
    model = fit(
        data.x_train, data.y_train, widths=(5, 8), init_scale=3.0, max_increments=0, seed=1, hidden_steps=0
    )
    reps = np.array(model.representatives)
    assert all(s.stationary for s in model.mapped)
    return data, model, reps


def test_hidden_layer_step_on_the_first_of_two_hidden_layers_stays_in_the_frozen_r5_kernel():
    from eisym.ei import hidden_layer_step

    data, model, reps = _stationary_two_layer_net()
    ws, bs = [w.copy() for w in model.weights], [b.copy() for b in model.biases]
    acts = list(model.activations)
    # beta^[1] and J^[0] frozen at the stationary net: R5 is linear in W^[1], and the moved W^[1] must still
    # solve that frozen system (the true gradients move with beta^[1]; fit then solves the last layer again).
    system = hidden_system(ws, bs, acts, 1, data.x_train[reps])
    assert np.linalg.norm(system @ ws[0].ravel()) < 1e-7 * np.linalg.norm(system) * np.linalg.norm(ws[0])
    others = [w.copy() for w in ws[1:]]
    assert hidden_layer_step(ws, bs, acts, data.x_train, data.y_train, reps, margin=4.0, layer=1)
    assert not np.array_equal(ws[0], model.weights[0])
    assert all(np.array_equal(a, b) for a, b in zip(ws[1:], others, strict=True))
    residual = np.linalg.norm(system @ ws[0].ravel())
    assert residual < 1e-7 * np.linalg.norm(system) * np.linalg.norm(ws[0])


def test_hidden_layer_step_rejects_a_layer_that_is_not_hidden():
    from eisym.ei import hidden_layer_step

    data, model, reps = _stationary_two_layer_net()
    ws, bs = [w.copy() for w in model.weights], [b.copy() for b in model.biases]
    for layer in (0, 3, True):
        with pytest.raises(SpecError, match="hidden layer index"):
            hidden_layer_step(ws, bs, list(model.activations), data.x_train, data.y_train, reps, layer=layer)


def test_fit_sweeps_every_hidden_layer_on_xor():
    data = load_dataset("xor")
    plain = fit(data.x_train, data.y_train, widths=(6, 6), max_increments=0, seed=0, hidden_steps=0)
    solved = fit(data.x_train, data.y_train, widths=(6, 6), max_increments=0, seed=0, hidden_steps=3)
    assert not plain.converged
    assert solved.converged and solved.train_accuracy == 1.0
    assert solved.increments[-1].hidden_steps >= 1
    assert all(s.stationary for s in solved.mapped)
    again = fit(data.x_train, data.y_train, widths=(6, 6), max_increments=0, seed=0, hidden_steps=3)
    assert all(np.array_equal(a, b) for a, b in zip(solved.weights, again.weights, strict=True))
    assert all(np.array_equal(a, b) for a, b in zip(solved.biases, again.biases, strict=True))


def test_fit_hidden_steps_move_the_first_hidden_layer(moons):
    kw = {"widths": (6, 6), "init_scale": 4.0, "max_increments": 0, "seed": 2}
    plain = fit(moons.x_train, moons.y_train, hidden_steps=0, **kw)
    solved = fit(moons.x_train, moons.y_train, hidden_steps=3, **kw)
    assert not np.array_equal(plain.weights[0], solved.weights[0])
    assert all(s.stationary for s in solved.mapped)
    assert solved.train_accuracy >= plain.train_accuracy


def test_default_solves_hidden_layers_only_after_the_last_layer_fails(moons):
    from eisym.ei._fit import _init_layer

    # XOR at width 9 terminates on the output layer alone: the hidden layer keeps its seeded initial values.
    data = load_dataset("xor")
    easy = fit(data.x_train, data.y_train, widths=(9,), init_scale=4.0, seed=0, max_increments=0)
    assert easy.converged and easy.increments[-1].hidden_steps == 0
    rng = np.random.default_rng(np.random.SeedSequence(0).spawn(4)[0])
    w0, b0 = _init_layer(rng, 9, 2, 4.0)
    assert np.array_equal(easy.weights[0], w0) and np.array_equal(easy.biases[0], b0)
    # Moons at width 10 does not: the default sweeps move the hidden layer and raise training accuracy.
    kw = {"widths": (10,), "init_scale": 4.0, "max_increments": 0, "seed": 1}
    plain = fit(moons.x_train, moons.y_train, hidden_steps=0, **kw)
    default = fit(moons.x_train, moons.y_train, **kw)
    assert not plain.converged and default.increments[-1].hidden_steps > 0
    assert not np.array_equal(plain.weights[0], default.weights[0])
    assert default.train_accuracy > plain.train_accuracy


def test_dataset_standardisation_maps_fresh_raw_samples():
    from sklearn.datasets import make_moons

    data = load_dataset("moons", seed=3)
    raw, _ = make_moons(n_samples=300, noise=0.2, random_state=3)
    mapped = data.standardise(raw)
    # Every standardised training row is the image of one raw sample of the generator.
    dist = ((data.x_train[:, None, :] - mapped[None, :, :]) ** 2).sum(axis=2).min(axis=1)
    assert dist.max() < 1e-20
    assert np.allclose(mapped.mean(axis=0), 0.0, atol=0.2) and not np.allclose(data.scale, 1.0)


def test_bands_are_one_dimensional_alternating_classes():
    data = load_dataset("bands", seed=2, samples=200)
    raw = data.x_train * data.scale + data.mean
    assert data.x_train.shape[1] == 1 and np.all(np.abs(raw) <= 3.0)
    assert np.array_equal(data.y_train, np.floor((raw[:, 0] + 3.0) / 1.5).astype(int) % 2)
    with pytest.raises(SpecError, match="samples"):
        load_dataset("bands", samples=3)
    with pytest.raises(SpecError, match="seed"):
        load_dataset("moons", seed=-1)


def test_certified_extremum_counts_match_a_dense_derivative_scan():
    data = load_dataset("bands", seed=0, samples=120)
    model = fit(data.x_train, data.y_train, widths=(6,), init_scale=4.0, seed=0)
    counts = model.extremum_counts()
    assert [c.unit for c in counts] == [1, 2] and all(c.complete for c in counts)
    # Four class bands need at least three turning points per unit for a perfect fit.
    assert model.train_accuracy == 1.0 and all(c.extrema >= 3 for c in counts)
    nn = numeric_network(model.network)
    grid = np.linspace(*model.train_box[0], 200_001)[:, None]
    for c in counts:
        # Independent float check: sign changes of F_v' on a dense grid, + to - a maximum, - to + a minimum.
        slope = np.sign(evaluate(nn, grid, output=c.unit)[1][:, 0])
        turns = np.diff(slope[slope != 0])
        assert (int(np.sum(turns > 0)), int(np.sum(turns < 0))) == (c.minima, c.maxima)
    # A sub-box holds at most as many.
    lo, hi = model.train_box[0]
    inner = model.extremum_counts((lo / 2, hi / 2))
    assert all(a.extrema <= b.extrema for a, b in zip(inner, counts, strict=True))


def test_cli_reports_extrema_next_to_accuracy_for_one_dimensional_inputs():
    import json

    from click.testing import CliRunner

    from eisym.cli import main

    args = ["ei", "--dataset", "bands", "--widths", "6", "--init-scale", "4", "--samples", "120", "--json"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    data = load_dataset("bands", seed=0, samples=120)
    model = fit(data.x_train, data.y_train, widths=(6,), init_scale=4.0, seed=0)
    expected = [(c.minima, c.maxima) for c in model.extremum_counts()]
    assert [(e["minima"], e["maxima"]) for e in doc["extrema"]] == expected
    assert doc["test_accuracy"] == model.score(data.x_test, data.y_test)


def test_r5_is_skipped_and_reported_on_layers_beyond_the_size_limit(moons, monkeypatch):
    import eisym.ei._fit as fit_module

    kw = {"widths": (10,), "init_scale": 4.0, "max_increments": 0, "seed": 1}
    frozen = fit(moons.x_train, moons.y_train, hidden_steps=0, **kw)
    monkeypatch.setattr(fit_module, "R5_MAX_WEIGHTS", 19)
    capped = fit(moons.x_train, moons.y_train, **kw)
    assert capped.increments[-1].hidden_steps == 0
    assert "R5 skipped on layer 1 (20 weights > 19)" in capped.increments[-1].message
    assert np.array_equal(capped.weights[0], frozen.weights[0])


@pytest.mark.parametrize(("ub", "lb"), [(1.0, 0.6), (0.4, 0.0)])
def test_strict_lp_uses_the_midpoint_of_asymmetric_targets(moons, ub, lb):
    model = fit(
        moons.x_train,
        moons.y_train,
        widths=(12,),
        init_scale=4.0,
        seed=0,
        termination="strict",
        ub=ub,
        lb=lb,
        eps=0.05,
        max_increments=6,
        hidden_steps=0,
    )
    # The LP's own verdict must agree with the termination check on the network.
    assert all(i.found == i.terminated for i in model.increments)
    assert model.converged
    out = model.decision_function(moons.x_train)
    own = np.eye(2, dtype=bool)[moons.y_train]
    assert np.all(np.where(own, out > (ub + lb) / 2, out < (ub + lb) / 2))
    reps = list(model.representatives)
    assert np.all(np.abs(out[reps] - np.where(own[reps], ub, lb)) <= 0.05)


def test_extremum_lp_with_three_classes_loses_no_solution_to_the_sum_constraint(monkeypatch):
    import eisym.ei._polarize as pol

    solve = pol._solve
    rng = np.random.default_rng(0)
    agree = found = 0
    for _ in range(60):
        q = rng.standard_normal((9, 6))
        y, reps = np.arange(9) % 3, np.array([0, 1, 2])
        curv = rng.standard_normal((3, 6, 2, 2))
        curv = (curv + curv.transpose(0, 1, 3, 2)) / 2
        ours = polarize("extremum", q, y, 3, reps, curvature=curv)
        # The same LP with no equality constraints at all (the biases' sum is free too).
        monkeypatch.setattr(pol, "_solve", lambda c, a, b, n, f, a_eq=None: solve(c, a, b, n, f))
        free = polarize("extremum", q, y, 3, reps, curvature=curv)
        monkeypatch.setattr(pol, "_solve", solve)
        agree += ours.found == free.found
        found += ours.found
        if ours.found:
            for i, sample in enumerate(reps):
                for v in range(3):
                    eig = np.linalg.eigvalsh(np.einsum("j,jst->st", ours.alpha[v], curv[i]))
                    assert np.all(eig < 0) if y[sample] == v else np.all(eig > 0)
    assert agree == 60 and found > 0
