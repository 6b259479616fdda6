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
# # 2. From a network to $L(n,v)$
#
# The output weights $w^{[2]}_{1,k}$ are the unknowns. A point $x$ is stationary for
# $h^{[2]}_1 = S(\sum_k w^{[2]}_{1,k} h^{[1]}_k)$ exactly when $\sum_k w^{[2]}_{1,k}\, \partial h^{[1]}_k /
# \partial x_t = 0$ for $t = 1, \dots, m$: the paper's homogeneous linear system $L(n,v)$. This notebook derives
# it, analyses its rank at chosen samples, picks a kernel vector and checks that the samples are then stationary.

# %%
import sympy as sp
from IPython.display import Math, display

from eisym import build_network, derive, paper_check, rank_analysis, stationarity_system, with_layer
from eisym.latex import derivation

hidden = [[1, 0], [0, 1], [1, 1], [1, -1], ["1/2", 2]]
net = build_network("2,5,1", ["sigmoid", "identity"], weights=[hidden, "symbolic"])

# %% [markdown]
# ## The derivation, layer by layer (named intermediates)

# %%
system = stationarity_system(net)
for symbol, rhs in system.derivation.definitions:
    display(Math(f"{sp.latex(symbol)} = {sp.latex(rhs)}"))
for eq in system.equations:
    display(Math(f"{sp.latex(eq)} = 0"))
assert system.shape == (2, 5)

# %% [markdown]
# The same derivation as a complete LaTeX document (``eisym derive ... --latex out.tex`` writes it):

# %%
samples = [["1/2", -1], [1, 1]]
tex = derivation(net, samples=samples)
print(tex[:600])
assert tex.startswith("\\documentclass") and "\\section{The general solution}" in tex

# %% [markdown]
# ## Rank at two samples
#
# Two samples give $N m = 4$ equations in $l_1 = 5$ unknowns, so at least a line of solutions.

# %%
sampled = stationarity_system(net, samples=samples)
analysis = rank_analysis(sampled)
check = paper_check(sampled, analysis)
print(analysis.method, "rank", analysis.rank, "nullity", analysis.nullity)
print(check.verdict)
assert analysis.rank == 4 and analysis.nullity == 1 and check.bound_holds

# %% [markdown]
# ## A kernel vector makes both samples stationary
#
# The kernel vector comes from a 50-digit SVD, so the gradient at the samples is zero up to about
# $10^{-45}$, not exactly.

# %%
(b,) = analysis.kernel_basis
solved = with_layer(net, 2, [list(b)])
for x in samples:
    grad = derive(solved, point=x, order=1).gradient()
    size = max(abs(sp.N(g, 60)) for g in grad)
    print(x, "max |dh/dx_t| =", sp.N(size, 3))
    assert size < 1e-40

# %% [markdown]
# A point that is not a sample is generally not stationary:

# %%
grad = derive(solved, point=[0, "1/3"], order=1).gradient()
assert max(abs(sp.N(g, 30)) for g in grad) > 1e-3

# %% [markdown]
# ## The exact version: a polynomial activation
#
# With $S(z) = z + z^2/2$ and rational weights and samples everything is rational: the kernel is exact and the
# samples are exactly stationary.

# %%
poly = build_network("2,5,1", ["polynomial:0,1,1/2", "identity"], weights=[hidden, "symbolic"])
exact = rank_analysis(stationarity_system(poly, samples=samples))
print(exact.method, exact.rank, exact.kernel_basis)
assert exact.method == "exact" and exact.nullity == 1
solved_poly = with_layer(poly, 2, [list(exact.kernel_basis[0])])
for x in samples:
    assert all(g == 0 for g in derive(solved_poly, point=x, order=1).gradient())
