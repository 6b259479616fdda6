"""Compiling LaTeX with pdflatex, and regenerating the machine-checked proofs of ``proofs/``."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from .._errors import EisymError, MissingDependency, SpecError

__all__ = ["LatexBuild", "ProofDocument", "compile_latex", "write_proofs"]


@dataclass(frozen=True, slots=True, kw_only=True)
class LatexBuild:
    """The outcome of compiling one document with pdflatex.

    Attributes
    ----------
    pdf : Path or None
        The PDF, or None when compilation failed.
    log : str
        The full pdflatex log.
    errors : tuple of str
        Log lines starting with ``!`` (TeX errors).
    overfull : tuple of str
        ``Overfull \\hbox``/``\\vbox`` warnings.
    """

    pdf: Path | None
    log: str
    errors: tuple[str, ...]
    overfull: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """Compiled without errors and without overfull boxes."""
        return self.pdf is not None and not self.errors and not self.overfull


def compile_latex(
    tex: str, directory: str | Path, name: str = "document", *, timeout: float = 120
) -> LatexBuild:
    """Write ``tex`` to ``directory/name.tex`` and compile it with latexmk (or pdflatex).

    Raises :class:`MissingDependency` when no TeX installation is found.

    Examples
    --------
    >>> import tempfile
    >>> tex = r"\\documentclass{article}\\begin{document}$x^2$\\end{document}"
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     build = compile_latex(tex, tmp, "square")
    ...     build.ok, build.pdf.name
    (True, 'square.pdf')
    """
    latexmk, pdflatex = shutil.which("latexmk"), shutil.which("pdflatex")
    if pdflatex is None:
        raise MissingDependency(
            "pdflatex was not found; install TeX Live (Debian: apt-get install texlive-latex-base "
            "texlive-latex-recommended latexmk)"
        )
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", name):
        raise SpecError(f"document name {name!r} must consist of letters, digits, '.', '_' or '-'")
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{name}.tex").write_text(tex, encoding="utf-8")
    flags = ["-interaction=nonstopmode", "-halt-on-error"]
    if latexmk is not None:
        cmd = [latexmk, "-pdf", "-quiet", *[f"-pdflatex=pdflatex {' '.join(flags)} %O %S"], f"{name}.tex"]
        runs = [cmd]
    else:
        runs = [[pdflatex, *flags, f"{name}.tex"]] * 2
    for cmd in runs:
        try:
            subprocess.run(cmd, cwd=out, capture_output=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            raise EisymError(f"compiling {out / name}.tex took longer than {timeout} s") from None
    log_path = out / f"{name}.log"
    log = log_path.read_text(encoding="utf-8", errors="replace") if log_path.exists() else ""
    lines = log.splitlines()
    errors = tuple(line for line in lines if line.startswith("!"))
    overfull = tuple(line for line in lines if line.startswith("Overfull"))
    pdf = out / f"{name}.pdf"
    return LatexBuild(
        pdf=pdf if pdf.exists() and not errors else None, log=log, errors=errors, overfull=overfull
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class ProofDocument:
    """One regenerated proof: its file, its machine checks and its build.

    ``checks`` holds ``(statement, scope, passed)`` triples in the order the check script returns them.
    """

    name: str
    tex: Path
    pdf: Path | None
    checks: tuple[tuple[str, str, bool], ...]
    build: LatexBuild | None

    @property
    def passed(self) -> bool:
        """Every check held (and the PDF built cleanly, when it was built)."""
        return all(ok for _, _, ok in self.checks) and (self.build is None or self.build.ok)


_CHECKS_MARKER = re.compile(r"^%% CHECKS: (\w+)$", re.MULTILINE)


def _default_proofs_dir() -> Path:
    return Path(__file__).resolve().parents[2] / "proofs"


def _load_checks(source: Path) -> dict[str, object]:
    import importlib.util
    import sys

    path = source / "checks.py"
    spec = importlib.util.spec_from_file_location("eisym_proof_checks", path)
    if spec is None or spec.loader is None or not path.exists():
        raise SpecError(f"no proof checks at {path}; pass the proofs/ directory of an eisym source tree")
    module = importlib.util.module_from_spec(spec)
    # dataclasses look their module up in sys.modules while the module executes.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return dict(module.CHECKS)


def _checks_tex(checks: Sequence[tuple[str, str, bool]]) -> str:
    items = [
        f"\\item[{'passed' if ok else 'FAILED'}] {statement}\\\\\n  \\emph{{Checked for:}} {scope}."
        for statement, scope, ok in checks
    ]
    return "\\begin{description}\n" + "\n".join(items) + "\n\\end{description}"


def write_proofs(
    out: str | Path,
    *,
    source: str | Path | None = None,
    build: bool = True,
    results: dict[str, Sequence[object]] | None = None,
) -> tuple[ProofDocument, ...]:
    """Regenerate the proofs of ``proofs/`` with the outcome of their machine checks, and build PDFs.

    Parameters
    ----------
    out : path
        Output directory (created).
    source : path, optional
        The ``proofs/`` directory (default: the one next to the installed ``eisym`` package).
    build : bool
        Compile each document with pdflatex.
    results : dict, optional
        Precomputed check results keyed by proof name (``checks.run_all()``); run here if omitted.
    """
    src = Path(source) if source is not None else _default_proofs_dir()
    if not src.is_dir():
        raise SpecError(f"proof sources not found at {src}; pass source= (the CLI's --source)")
    preamble = (src / "preamble.tex").read_text(encoding="utf-8")
    registry = _load_checks(src) if results is None else {}
    target = Path(out)
    target.mkdir(parents=True, exist_ok=True)
    docs = []
    sources = [p for p in sorted(src.glob("*.tex")) if p.name != "preamble.tex"]
    for path in tqdm(sources, desc="proofs", unit="proof", disable=None):
        text = path.read_text(encoding="utf-8").replace("\\input{preamble}\n", preamble)
        found: list[tuple[str, str, bool]] = []
        pieces, last = [], 0
        for match in _CHECKS_MARKER.finditer(text):
            key = match.group(1)
            if results is not None and key in results:
                checks = results[key]
            elif results is None and key in registry:
                checks = registry[key]()  # type: ignore[operator]
            else:
                raise SpecError(f"{path.name} names the check {key!r}, which has no results")
            these = [(c.statement, c.scope, bool(c.passed)) for c in checks]  # type: ignore[attr-defined]
            pieces += [text[last : match.start()], _checks_tex(these)]
            found += these
            last = match.end()
        text = "".join(pieces) + text[last:]
        if not found:
            raise SpecError(f"{path.name} has no machine checks; add a '%% CHECKS: name' line")
        tex_path = target / path.name
        tex_path.write_text(text, encoding="utf-8")
        result = compile_latex(text, target, path.stem) if build else None
        docs.append(
            ProofDocument(
                name=path.stem,
                tex=tex_path,
                pdf=result.pdf if result else None,
                checks=tuple(found),
                build=result,
            )
        )
    return tuple(docs)
