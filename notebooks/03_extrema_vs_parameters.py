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
# # 3. Extrema against parameters
#
# Claim C2 says the number of extrema a network can have grows with its number of parameters. Two small
# sweeps over 1-D networks $[1, l, 1]$ ($\tanh$ hidden layer, identity output):
#
# 1. **random weights**: how many extrema a network happens to have;
# 2. **placed extrema**: solve $L(2,1)$ so that $K = l - 1$ chosen samples are stationary (the most the last
#    layer can place, R4 with $m = 1$), then count the extrema the resulting network has.

# %%
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import sympy as sp
from scipy.stats import spearmanr

from eisym import build_network, critical_points, rank_analysis, stationarity_system, with_layer

WIDTHS = range(1, 9)
SEEDS = range(8)
BOX = [(-4, 4)]

# %% [markdown]
# ## Sweep 1: random weights

# %%
random_counts = {}
for l in WIDTHS:
    counts = []
    for seed in SEEDS:
        net = build_network((1, l, 1), ["tanh", "identity"], weights=f"random:{seed}:rational:8", scale=2.0)
        found = critical_points(net, BOX, starts=80)
        counts.append(found.counts["minimum"] + found.counts["maximum"])
    random_counts[l] = counts
    print(f"l = {l}  P = {2 * l:2d}  extrema: {counts}")

params = [2 * l for l in WIDTHS for _ in SEEDS]
flat = [c for l in WIDTHS for c in random_counts[l]]
rho = spearmanr(params, flat).statistic
print(f"Spearman correlation of parameters and extrema (random weights): {rho:.2f}")
# Without biases a one-unit tanh network is monotone: no extrema at all.
assert random_counts[1] == [0] * len(SEEDS)
assert np.mean(random_counts[max(WIDTHS)]) > np.mean(random_counts[1])

# %% [markdown]
# ## Sweep 2: placing $K = l - 1$ extrema by solving $L(2,1)$
#
# Hidden weights $w_k = (k+3)/4$ and biases $b_k = (2k - l + 1)/2$ (distinct, nonzero); samples evenly spaced
# in $(-3, 3)$. The kernel vector becomes the output weights.

# %%
placed = {}
for l in range(2, max(WIDTHS) + 1):
    hidden = [[sp.Rational(k + 3, 4)] for k in range(l)]
    biases = [[sp.Rational(2 * k - l + 1, 2)] for k in range(l)]
    net = build_network(
        (1, l, 1), ["tanh", "identity"], bias=True, weights=[hidden, "symbolic"], biases=[biases, [0]]
    )
    xs = [sp.Rational(-3) + sp.Rational(6 * (i + 1), l) for i in range(l - 1)]
    analysis = rank_analysis(stationarity_system(net, samples=[[x] for x in xs]))
    assert analysis.nullity >= 1
    solved = with_layer(net, 2, [list(analysis.kernel_basis[0])])
    found = critical_points(solved, BOX, starts=200)
    positions = [p.x[0] for p in found.points]
    # Every sample is among the critical points found.
    assert all(min(abs(float(x) - y) for y in positions) < 1e-6 for x in xs)
    placed[l] = found.counts["minimum"] + found.counts["maximum"]
    print(f"l = {l}  P = {3 * l + 1:2d}  K = {l - 1}  extrema: {placed[l]}  {found.counts}")
    assert placed[l] >= l - 1

# %%
fig, ax = plt.subplots(figsize=(7, 4))
for l in WIDTHS:
    ax.scatter([2 * l] * len(SEEDS), random_counts[l], color="tab:blue", alpha=0.3)
ax.plot(
    [2 * l for l in WIDTHS], [np.mean(random_counts[l]) for l in WIDTHS], "o-", label="random weights (mean)"
)
ax.plot([3 * l + 1 for l in placed], list(placed.values()), "s-", color="tab:red", label="placed by L(2,1)")
ax.plot([3 * l + 1 for l in placed], [l - 1 for l in placed], "k--", label="K = l - 1 (R4)")
ax.set_xlabel("parameters P")
ax.set_ylabel("extrema in [-4, 4]")
ax.legend()

# %% [markdown]
# Random weights give few extrema and a weak trend; solving the last layer places $l - 1$ of them on demand,
# a count that grows linearly with the parameters (the parameter-counting reading of C2, see
# `proofs/c2_parameter_count.tex`).
