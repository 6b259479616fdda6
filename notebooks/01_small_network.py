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
# # 1. Exploring a small network
#
# A network is a function $x \mapsto h^{[n]}_1(x)$. This notebook plots a 1-D network and its derivative,
# finds and classifies its extrema, changes one weight to watch the extrema move (the "dynamic" in dynamic
# extremum mapper), and draws a 2-D network as a contour plot with its minima, maxima and saddles.

# %%
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import sympy as sp

from eisym import build_network, critical_points, derive, network_outputs, with_layer

# %% [markdown]
# ## A 1-D network: $h(x) = \sum_k w^{[2]}_{1,k} \tanh(w^{[1]}_{k,1} x)$

# %%
net = build_network("1,3,1", ["tanh", "identity"], weights=[[[1], [3], ["1/2"]], [[1, -1, "3/2"]]])
(h,) = network_outputs(net)
x = net.inputs[0]
dh = sp.diff(h, x)
f, df = sp.lambdify(x, h, "numpy"), sp.lambdify(x, dh, "numpy")
print("h(x) =", h)

# %%
found = critical_points(net, [(-4, 4)], starts=80)
for p in found.points:
    print(f"x = {p.x[0]: .6f}  {p.type:8}  h = {p.value: .6f}  |h'| = {p.gradient_norm:.1e}")

# %% [markdown]
# Each point is a zero of $h'$, and its type agrees with the sign of $h''$ computed exactly by the
# layer-wise derivation at a rational point next to it.

# %%
assert found.points, "the network should have extrema in the box"
for p in found.points:
    assert abs(df(p.x[0])) < 1e-9
    point = sp.Rational(p.x_high[0][:18])
    second = derive(net, point=[point]).hessian()[0, 0]
    expected = "minimum" if sp.N(second) > 0 else "maximum"
    assert p.type == expected, (p.type, sp.N(second))

# %%
grid = np.linspace(-4, 4, 801)
fig, (ax1, ax2) = plt.subplots(2, 1, sharex=True, figsize=(7, 5))
ax1.plot(grid, f(grid), label="h(x)")
ax2.plot(grid, df(grid), color="tab:orange", label="h'(x)")
ax2.axhline(0, color="grey", lw=0.5)
for p in found.points:
    marker = "v" if p.type == "maximum" else "^"
    ax1.plot(p.x[0], p.value, marker, color="k", ms=9)
    ax2.plot(p.x[0], 0, "o", color="k")
ax1.legend()
ax2.legend()
ax2.set_xlabel("x")

# %% [markdown]
# ## Change one weight, watch the extrema move
#
# Vary the output weight $w^{[2]}_{1,3}$ and follow the extrema.

# %%
tracks = {}
for c in [sp.Rational(k, 4) for k in range(2, 9)]:
    moved = with_layer(net, 2, [[1, -1, c]])
    pts = critical_points(moved, [(-4, 4)], starts=80).points
    tracks[c] = [(p.x[0], p.type) for p in pts]
    print(f"w = {str(c):>4}: " + ", ".join(f"{t} at {v:+.3f}" for v, t in tracks[c]))

positions = [tuple(round(v, 6) for v, _ in pts) for pts in tracks.values()]
assert len(set(positions)) > 1, "changing the weight should move the extrema"

# %%
fig, ax = plt.subplots(figsize=(7, 3))
for c, pts in tracks.items():
    for v, t in pts:
        ax.plot(float(c), v, "v" if t == "maximum" else "^", color="k")
ax.set_xlabel("$w^{[2]}_{1,3}$")
ax.set_ylabel("position of the extremum")

# %% [markdown]
# ## A 2-D network: minima, maxima and saddles

# %%
# h(x) = sin(x_1) + sin(x_2) + sin(x_1 + x_2) / 2, a [2,3,1] network with the sine activation.
net2 = build_network("2,3,1", ["sine", "identity"], weights=[[[1, 0], [0, 1], [1, 1]], [[1, 1, "1/2"]]])
found2 = critical_points(net2, [(-3.5, 3.5), (-3.5, 3.5)], starts=400)
print(found2.counts)
(h2,) = network_outputs(net2)
f2 = sp.lambdify(net2.inputs, h2, "numpy")
grad2 = sp.lambdify(net2.inputs, [sp.diff(h2, v) for v in net2.inputs], "numpy")
for p in found2.points:
    assert np.hypot(*grad2(*p.x)) < 1e-9
    # The Hessian signature decides the type: (n_plus, n_minus, n_zero).
    expected = {(2, 0, 0): "minimum", (0, 2, 0): "maximum", (1, 1, 0): "saddle"}[tuple(p.signature)]
    assert p.type == expected
assert found2.counts["saddle"] > 0 and found2.counts["minimum"] > 0 and found2.counts["maximum"] > 0

# %%
xs = np.linspace(-3.5, 3.5, 241)
X, Y = np.meshgrid(xs, xs)
fig, ax = plt.subplots(figsize=(6, 5))
cs = ax.contourf(X, Y, f2(X, Y), levels=30, cmap="viridis")
fig.colorbar(cs)
style = {"minimum": ("^", "white"), "maximum": ("v", "red"), "saddle": ("x", "k"), "degenerate": ("o", "k")}
for p in found2.points:
    m, c = style[p.type]
    ax.plot(*p.x, m, color=c, ms=10)
ax.set_xlabel("$x_1$")
ax.set_ylabel("$x_2$")
