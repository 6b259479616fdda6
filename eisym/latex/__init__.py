"""LaTeX documents: a network's derivation written out step by step, and building PDFs.

:func:`derivation` assembles a complete document from a network (it calls :func:`eisym.derive`,
:func:`eisym.stationarity_system` and the rank analysis; everything else it is given). Long
expressions are broken at term boundaries, and the named intermediates of the layered derivation
keep every line short, so the documents compile at 12 pt on A4 without overfull boxes. Numbers are
printed exactly when they are rational and otherwise rounded with a stated error bound. The output
depends only on the inputs (byte-for-byte).
"""

from ._build import LatexBuild as LatexBuild
from ._build import ProofDocument as ProofDocument
from ._build import compile_latex as compile_latex
from ._build import write_proofs as write_proofs
from ._derivation import derivation as derivation
from ._format import break_sum as break_sum
from ._format import latex_number as latex_number
from ._format import latex_width as latex_width

__all__ = [
    "LatexBuild",
    "ProofDocument",
    "break_sum",
    "compile_latex",
    "derivation",
    "latex_number",
    "latex_width",
    "write_proofs",
]
