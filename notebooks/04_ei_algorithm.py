# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 4. The extremum-increment (EI) algorithm on XOR and two moons
#
# EI trains without back-propagation: it solves the homogeneous system $L(n,v)$ of the last layer at
# representative samples, picks a particular solution from its kernel (polarization); when none satisfies the
# termination condition it solves the hidden layers, last to first, in the kernels of their R5 systems, and only
# then adds hidden units. Each attempt is an *increment*.

# %%
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import sympy as sp

from eisym import derive
from eisym.ei import fit, load_dataset

# %% [markdown]
# ## XOR, step by step

# %%
xor = load_dataset("xor")
model = fit(xor.x_train, xor.y_train, widths=(6,), seed=0)
print(f"{'step':>4} {'widths':>12} {'reps':>4} {'rank':>4} {'nullity':>7} found  message")
for inc in model.increments:
    print(
        f"{inc.step:>4} {str(inc.widths):>12} {inc.representatives:>4} {inc.rank:>4} {inc.nullity:>7} "
        f"{str(inc.found):5}  {inc.message}"
    )
print("converged:", model.converged, " test accuracy:", model.score(xor.x_test, xor.y_test))
assert model.converged and model.score(xor.x_test, xor.y_test) == 1.0
for inc in model.increments:
    # Rank-nullity for the l_{n-1} unknowns of each output unit's system (R3).
    assert inc.rank + inc.nullity == inc.widths[-2]
    assert inc.rank <= inc.representatives * 2

# %% [markdown]
# The representatives EI made stationary are checked independently with eisym's exact layer-wise derivative of
# the fitted network (its float weights, evaluated with sympy).

# %%
net = model.network
for s in model.mapped:
    if s.stationary:
        x = [sp.Float(float(c), 30) for c in xor.x_train[s.sample]]
        grad = derive(net, point=x, order=1).jacobians[-1]
        size = max(abs(float(g)) for g in grad)
        print(f"sample {s.sample}: kinds {s.kinds}, max |dF/dx| = {size:.1e}")
        assert size < 1e-6

# %% [markdown]
# Stationary is not extremal (R8): a representative can be stationary for both output units and still be a
# saddle of both; the weak termination condition does not ask for more.


# %%
def plot_decision(model, data, ax, title):
    lo, hi = data.x_train.min(0) - 0.7, data.x_train.max(0) + 0.7
    gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], 200), np.linspace(lo[1], hi[1], 200))
    grid = np.column_stack([gx.ravel(), gy.ravel()])
    out = model.decision_function(grid)
    margin = (out[:, 1] - out[:, 0]).reshape(gx.shape)
    ax.contourf(gx, gy, margin, levels=20, cmap="coolwarm")
    ax.contour(gx, gy, margin, levels=[0], colors="k")
    ax.scatter(*data.x_train.T, c=data.y_train, cmap="coolwarm", edgecolors="k", s=25)
    reps = data.x_train[list(model.representatives)]
    ax.scatter(*reps.T, marker="*", s=250, c="yellow", edgecolors="k", label="representatives")
    ax.set_title(title)
    ax.legend(loc="lower right")


fig, ax = plt.subplots(figsize=(5, 4.5))
plot_decision(model, xor, ax, "XOR: F_2 - F_1")

# %% [markdown]
# ## Two moons

# %%
moons = load_dataset("moons", samples=200)
model_m = fit(moons.x_train, moons.y_train, widths=(20,), seed=0)
for inc in model_m.increments:
    print(
        inc.step,
        inc.widths,
        "representatives",
        inc.representatives,
        "rank",
        inc.rank,
        "nullity",
        inc.nullity,
        inc.message,
    )
accuracy = model_m.score(moons.x_test, moons.y_test)
print(f"train {model_m.train_accuracy:.3f}  test {accuracy:.3f}  parameters {model_m.parameter_count}")
print(f"samples on a verified extremum of the right kind: {model_m.extremum_fraction:.2f}")
assert model_m.converged and accuracy >= 0.8

# %%
fig, ax = plt.subplots(figsize=(6, 4.5))
plot_decision(model_m, moons, ax, "two moons: F_2 - F_1")

# %% [markdown]
# On two moons the weak termination condition (each sample's own class output is the largest) is met, yet the
# share of samples sitting on a verified extremum of the right kind (printed above) is small: the network
# separates the classes by the side of the decision boundary a sample falls on far more than by mapping samples
# onto extrema, which is what claim C1 would lead one to expect.

# %% [markdown]
# ## Hidden layers at a fixed width
#
# With ten hidden units and no increments, the output layer alone cannot separate the moons. The default
# `hidden_steps=10` then moves the hidden layer by linear programs in the kernel of its R5 system (with the
# sensitivities of the layers above frozen) and solves the output layer again, which makes the representatives
# exactly stationary for the new hidden layer; `hidden_steps=0` keeps the hidden layer at its random initial
# values.

# %%
fixed = {"widths": (10,), "init_scale": 4.0, "max_increments": 0, "seed": 0}
frozen = fit(moons.x_train, moons.y_train, hidden_steps=0, **fixed)
solved = fit(moons.x_train, moons.y_train, **fixed)
for label, m in (("hidden layer frozen", frozen), ("hidden layer solved (R5)", solved)):
    print(
        f"{label:<26} train {m.train_accuracy:.3f}  test {m.score(moons.x_test, moons.y_test):.3f}  "
        f"sweeps {m.increments[-1].hidden_steps}"
    )
assert solved.increments[-1].hidden_steps > 0
assert not np.array_equal(solved.weights[0], frozen.weights[0])
assert all(s.stationary for s in solved.mapped)
assert solved.train_accuracy >= frozen.train_accuracy
fig, axes = plt.subplots(1, 2, figsize=(10, 4.5))
plot_decision(frozen, moons, axes[0], "10 units, hidden layer frozen")
plot_decision(solved, moons, axes[1], "10 units, hidden layer solved (R5)")
