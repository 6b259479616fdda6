"""The ``eisym`` command line: parses options and calls the library, nothing more.

Every command takes ``--json`` and then prints exactly one JSON object.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from functools import wraps
from typing import Any

import click

from ._errors import EisymError

__all__ = ["main"]


def emit(payload: dict[str, Any], as_json: bool, text: Callable[[], str]) -> None:
    """Print ``payload`` as one JSON object, or the human-readable ``text()``."""
    if as_json:
        click.echo(json.dumps(payload, indent=1, sort_keys=False))
    else:
        click.echo(text())


def handles_errors(command: Callable[..., None]) -> Callable[..., None]:
    """Turn an :class:`EisymError` into a one-line message and exit status 2."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        try:
            command(*args, **kwargs)
        except EisymError as exc:
            click.echo(f"eisym: error: {exc}", err=True)
            sys.exit(2)

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="eisym")
def main() -> None:
    """eisym: small neural networks opened up with exact mathematics."""


# Commands are registered below, one per capability.


def _network_options(
    default_weights: str, weights_help: str
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """--widths/--weights/--activation/--bias/--scale, read by :func:`_network_from_options`."""
    options = (
        click.option(
            "--widths", help="Layer widths m,l_1,...,l_n, e.g. 2,3,1 (optional with --weights FILE)."
        ),
        click.option("--weights", default=default_weights, show_default=True, help=weights_help),
        click.option(
            "--activation", help="One for all layers (default sigmoid) or one per layer: tanh/identity."
        ),
        click.option("--bias", is_flag=True, help="Give every neuron a bias."),
        click.option("--scale", type=float, help="Std. dev. of random weights (default 1)."),
    )

    def decorate(command: Callable[..., None]) -> Callable[..., None]:
        for option in reversed(options):
            command = option(command)
        return command

    return decorate


@main.command()
@_network_options("random:0", "random:SEED[:rational[:DEN]] or a JSON file from eisym.save_network.")
@click.option("--output", type=int, default=1, show_default=True, help="Output unit (1-based).")
@click.option("--expr", help='A smooth expression instead of a network, e.g. "x**2 - y**2".')
@click.option("--box", required=True, help="lo,hi for every axis, or one per axis: --box=-3,3:-2,2.")
@click.option("--starts", type=int, default=900, show_default=True, help="Number of Newton starts.")
@click.option("--sampling", type=click.Choice(["grid", "sobol"]), default="grid", show_default=True)
@click.option("--dps", type=int, default=50, show_default=True, help="Digits for polishing.")
@click.option("--exact", is_flag=True, help="Solve grad f = 0 exactly (small polynomials).")
@click.option("--certify", is_flag=True, help="Prove that every critical point was found, and each type.")
@click.option("--prec", type=int, default=128, show_default=True, help="Bits of the arb proofs (--certify).")
@click.option(
    "--certificate",
    "certificate_path",
    type=click.Path(dir_okay=False),
    help="Write the certificate JSON to this file (--certify).",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@handles_errors
def critical(
    widths: str | None,
    weights: str,
    activation: str | None,
    bias: bool,
    scale: float | None,
    output: int,
    expr: str | None,
    box: str,
    starts: int,
    sampling: str,
    dps: int,
    exact: bool,
    certify: bool,
    prec: int,
    certificate_path: str | None,
    as_json: bool,
) -> None:
    """Find and classify the critical points of a network output or an expression in a box."""
    from ._critical import critical_points
    from ._errors import SpecError

    network_file = _names_network_file(weights)
    if expr is not None and (widths is not None or network_file):
        given = "--widths" if widths is not None else f"--weights {weights}"
        raise SpecError(
            f"--expr and {given} both name a function: give either a network (--widths, or --weights "
            "FILE) or an expression (--expr), not both"
        )
    if expr is None and widths is None and not network_file:
        raise SpecError("give a network (--widths, or --weights FILE) or an expression (--expr)")
    target: object = expr
    if expr is None:
        target = _network_from_options(widths, activation, bias, weights, scale)
    if certify:
        _certified(target, box, output, prec, certificate_path, as_json)
        return
    result = critical_points(
        target,
        box,
        starts=starts,
        sampling=sampling,
        dps=dps,
        output=output,  # type: ignore[arg-type]
        method="exact" if exact else "numeric",
    )

    def table() -> str:
        names = ", ".join(result.variables)
        lines = [f"{'#':>3}  {'(' + names + ')':<36} {'value':>14} {'|grad|':>9}  type"]
        for i, p in enumerate(result.points, start=1):
            coords = "(" + ", ".join(f"{v:.8g}" for v in p.x) + ")"
            lines.append(f"{i:>3}  {coords:<36} {p.value:>14.8g} {p.gradient_norm:>9.1e}  {p.type}")
        counts = ", ".join(f"{n} {t}" for t, n in result.counts.items() if n)
        lines.append(
            f"{len(result.points)} critical points ({counts or 'none'}); {result.method} search, "
            f"{result.starts} starts, {result.converged} converged, {result.seconds:.2f} s"
        )
        return "\n".join(lines)

    emit(result.to_dict(), as_json, table)


def _certified(target: object, box: str, output: int, prec: int, path: str | None, as_json: bool) -> None:
    """``eisym critical --certify``: the certified table (see :func:`eisym.certify_critical_points`)."""
    import time

    from ._certify import certificate_to_json, certified_summary, certify_critical_points

    begin = time.perf_counter()
    cert = certify_critical_points(target, box, prec=prec, output=output)  # type: ignore[arg-type]
    seconds = time.perf_counter() - begin
    if path is not None:
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(certificate_to_json(cert) + "\n")
    payload = certified_summary(cert, seconds)

    def table() -> str:
        lines = [f"{'#':>3}  {'x':<36} {'value':>14} {'|grad|':>9}  {'type':<9} proven"]
        for i, p in enumerate(payload["points"], start=1):
            coords = "(" + ", ".join(f"{v:.8g}" for v in p["x"]) + ")"
            lines.append(
                f"{i:>3}  {coords:<36} {p['value']:>14.8g} {p['gradient_norm']:>9.1e}  {p['type']:<9} "
                f"{'yes' if p['type_proven'] else 'no'}"
            )
        counts = ", ".join(f"{n} {t}" for t, n in payload["counts"].items() if n)
        state = "complete" if payload["complete"] else "INCOMPLETE (the count is a lower bound)"
        lines.append(
            f"{len(payload['points'])} critical points ({counts or 'none'}); certified {state}; "
            f"unresolved volume {payload['unresolved_volume']:.3g}; {payload['cells']['excluded']} excluded, "
            f"{payload['cells']['unresolved']} unresolved cells; {seconds:.2f} s"
        )
        return "\n".join(lines)

    emit(payload, as_json, table)


@main.command("check-certificate")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--arb", "use_arb", is_flag=True, help="Replay the exclusions in arb too (slower).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@handles_errors
def check_certificate_command(file: str, use_arb: bool, as_json: bool) -> None:
    """Re-verify a certificate written by ``eisym critical --certify --certificate FILE``."""
    from ._certify import certificate_from_json, check_certificate

    with open(file, encoding="utf-8") as fh:
        cert = certificate_from_json(fh.read())
    result = check_certificate(None, cert, exclusion="arb" if use_arb else "numpy")
    payload = {
        "valid": result.valid,
        "problems": list(result.problems),
        "cells": result.cells,
        "points_verified": result.points_verified,
        "excluded_verified": result.excluded_verified,
        "complete": cert.complete,
        "unresolved_volume": cert.unresolved_volume,
    }

    def text() -> str:
        if not result.valid:
            return "certificate INVALID:\n" + "\n".join(f"  - {p}" for p in result.problems)
        state = "complete" if cert.complete else f"incomplete, unresolved volume {cert.unresolved_volume:.3g}"
        return (
            f"certificate valid: {result.points_verified} points and {result.excluded_verified} excluded "
            f"cells re-verified, {result.cells} cells tile the box ({state})"
        )

    emit(payload, as_json, text)
    if not result.valid:
        sys.exit(1)


@main.command("ei")
@click.option(
    "--dataset", required=True, help="xor, bands (1-D), moons, circles, iris, wine, breast_cancer or digits."
)
@click.option("--widths", default="10", show_default=True, help="Hidden layer widths l_1,...,l_{n-1}.")
@click.option(
    "--polarization",
    type=click.Choice(["enumerate", "lp", "extremum", "lstsq"]),
    default="lp",
    show_default=True,
    help="How a particular solution is chosen in the kernel.",
)
@click.option("--termination", type=click.Choice(["strict", "weak"]), default="weak", show_default=True)
@click.option(
    "--representatives",
    default="auto",
    show_default=True,
    help="auto, all, or the number of k-means representatives per class.",
)
@click.option("--init-scale", type=float, default=1.0, show_default=True, help="Initial weight scale.")
@click.option("--max-increments", type=int, default=5, show_default=True, help="Times neurons may be added.")
@click.option("--grow", type=int, default=None, help="Units added per increment (default: half the width).")
@click.option(
    "--hidden-steps",
    type=int,
    default=10,
    show_default=True,
    help="Sweeps of R5 linear programs over the hidden layers (last to first) after a failed "
    "last-layer solve; 0 keeps the hidden layers at their initial values.",
)
@click.option("--samples", type=int, default=300, show_default=True, help="Points of bands/moons/circles.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seeds the split and the weights.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@handles_errors
def ei_command(
    dataset: str,
    widths: str,
    polarization: str,
    termination: str,
    representatives: str,
    init_scale: float,
    max_increments: int,
    grow: int | None,
    hidden_steps: int,
    samples: int,
    seed: int,
    as_json: bool,
) -> None:
    """Train a network by the extremum-increment algorithm on a bundled data set."""
    from ._errors import SpecError
    from .ei import fit, load_dataset

    try:
        hidden = tuple(int(w) for w in widths.split(",") if w.strip())
    except ValueError:
        raise SpecError(f"--widths: expected integers such as 10 or 16,8, got {widths!r}") from None
    reps: object = int(representatives) if representatives.isdigit() else representatives
    data = load_dataset(dataset, seed=seed, samples=samples)
    model = fit(
        data.x_train,
        data.y_train,
        widths=hidden,
        polarization=polarization,
        termination=termination,
        representatives=reps,
        init_scale=init_scale,
        max_increments=max_increments,
        grow=grow,
        hidden_steps=hidden_steps,
        seed=seed,
    )
    test_accuracy = model.score(data.x_test, data.y_test)
    payload = {"dataset": dataset, "test_accuracy": test_accuracy, **model.to_dict()}
    extrema = ""
    if data.x_train.shape[1] == 1:
        # 1-D inputs: the certified number of extrema of every output unit sits next to the accuracy.
        counts = model.extremum_counts()
        payload["extrema"] = [
            {"unit": c.unit, "minima": c.minima, "maxima": c.maxima, "complete": c.complete} for c in counts
        ]
        extrema = "\nextrema on the training range (certified): " + ", ".join(
            f"F_{c.unit}: {c.minima} minima, {c.maxima} maxima" + ("" if c.complete else " (lower bound)")
            for c in counts
        )

    def text() -> str:
        return (
            f"{data.description}: EI ({polarization}, {termination}) widths {model.widths}, "
            f"{model.n_increments} increments, converged {model.converged}\n"
            f"train accuracy {model.train_accuracy:.4f}, test accuracy {test_accuracy:.4f}, "
            f"{model.extremum_fraction:.1%} of training samples on verified extrema of the right kind\n"
            f"{model.seconds:.2f} s in all, {model.solve_seconds:.3f} s in the linear solves{extrema}"
        )

    emit(payload, as_json, text)


def _split_activations(text: str) -> list[str]:
    """``tanh/identity`` -> one per layer; a '/' before a digit continues a fraction (polynomial:0,1,1/2)."""
    parts: list[str] = []
    for piece in text.split("/"):
        if parts and piece and piece[0] in "0123456789-+.":
            parts[-1] += "/" + piece
        else:
            parts.append(piece)
    return parts


def _read_samples(path: str) -> list[object]:
    """Points from a JSON list of points or a CSV file (one point per line); decimals are read exactly."""
    import csv
    import io

    from ._errors import SpecError

    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except OSError as exc:
        raise SpecError(f"cannot read samples file {path}: {exc.strerror}") from None
    if text.strip().startswith("["):
        try:
            data = json.loads(text, parse_float=str)
        except json.JSONDecodeError as exc:
            raise SpecError(f"samples file {path} is not valid JSON: {exc}") from None
        return list(data)
    lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return [[cell.strip() for cell in row] for row in csv.reader(io.StringIO("\n".join(lines)))]


def _names_network_file(weights: str) -> bool:
    """Whether ``--weights`` names a saved network (eisym.save_network) rather than random:/symbolic."""
    from pathlib import Path

    return weights.endswith(".json") or Path(weights).is_file()


def _network_from_options(
    widths: str | None, activation: str | None, bias: bool, weights: str, scale: float | None
) -> Any:
    """The network of the shared options --widths/--activation/--bias/--weights/--scale (derive, critical).

    Unset --activation and --scale mean sigmoid and 1; with a network file they must stay unset.
    """
    from ._errors import SpecError
    from ._network import build_network, load_network
    from ._spec import parse_widths

    if _names_network_file(weights):
        net = load_network(weights)
        if activation is not None or bias or scale is not None:
            raise SpecError(
                f"the network file {weights} carries its own activations, biases and weights; "
                "drop --activation/--bias/--scale or drop the file"
            )
        if widths is not None and parse_widths(widths) != net.widths:
            raise SpecError(f"--widths {widths} does not match the widths {net.widths} of {weights}")
        return net
    if widths is None:
        raise SpecError("--widths is required (e.g. --widths 2,3,1) unless --weights names a network file")
    acts = _split_activations(activation or "sigmoid")
    return build_network(
        widths,
        acts[0] if len(acts) == 1 else acts,
        bias=bias,
        weights=weights,
        scale=1.0 if scale is None else scale,
    )


@main.command("derive")
@_network_options(
    "symbolic", "symbolic, random:SEED[:rational[:DEN]] or a JSON file from eisym.save_network."
)
@click.option(
    "--samples",
    "samples_path",
    type=click.Path(dir_okay=False),
    help="Input points to stack: a JSON list of points or CSV, one point per line.",
)
@click.option("--output", type=int, default=1, show_default=True, help="Output unit v of L(n,v) (1-based).")
@click.option("--layer", type=int, help="Layer whose weights are the unknowns (default n: L(n,v)).")
@click.option("--dps", type=int, default=50, show_default=True, help="Digits of the numeric rank fallback.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the numeric generic point.")
@click.option(
    "--latex",
    "latex_path",
    type=click.Path(dir_okay=False),
    help="Also write the whole derivation as a LaTeX document to this file.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@handles_errors
def derive_command(
    widths: str | None,
    activation: str | None,
    bias: bool,
    weights: str,
    scale: float | None,
    samples_path: str | None,
    output: int,
    layer: int | None,
    dps: int,
    seed: int,
    latex_path: str | None,
    as_json: bool,
) -> None:
    """Print a network's function, its stationarity system L(n,v) and the system's rank analysis."""
    from dataclasses import asdict

    import sympy as sp

    from ._network import hidden_symbol, network_outputs, neuron_expression
    from ._rank import paper_check, rank_analysis
    from ._stationarity import stationarity_system

    net = _network_from_options(widths, activation, bias, weights, scale)
    points = _read_samples(samples_path) if samples_path else None
    system = stationarity_system(net, output, layer=layer, samples=points)
    analysis = rank_analysis(system, dps=dps, seed=seed)
    check = paper_check(system, analysis)
    neurons = [
        f"{hidden_symbol(u, v)} = {neuron_expression(net, u, v, form='layered')}"
        for u in range(1, net.depth + 1)
        for v in range(1, net.widths[u] + 1)
    ]
    function = None
    if net.depth <= 3 and net.parameter_count <= 40:
        composed = [str(e) for e in network_outputs(net)]
        function = composed if sum(map(len, composed)) <= 400 else None
    n = net.depth
    payload: dict[str, Any] = {
        "widths": list(net.widths),
        "activations": [a.label for a in net.spec.activations],
        "bias": net.spec.bias,
        "weights": net.source.label,
        "parameters": net.parameter_count,
        "m": net.m,
        "layer": system.layer,
        "output": system.output,
        "function": function,
        "neurons": neurons,
        "unknowns": [str(w) for w in system.unknowns],
        "samples": [[str(c) for c in x] for x in system.samples],
        "frozen": system.frozen,
        "equations": [str(e) for e in system.equations],
        "rank": analysis.rank,
        "nullity": analysis.nullity,
        "rank_method": analysis.method,
        "domain": analysis.domain,
        "kernel_basis": [[str(e) for e in v] for v in analysis.kernel_basis],
        "decisive": analysis.decisive,
        "singular_values": list(analysis.singular_values),
        "gap": analysis.gap,
        "dps": analysis.dps,
        "generic_point": {str(s): str(v) for s, v in analysis.generic_point},
        "paper_check": asdict(check),
    }
    if latex_path is not None:
        payload["latex"] = _write_derivation_latex(net, system, analysis, points, dps, latex_path)

    def short(expr: sp.Expr) -> str:
        """Long exact numbers (nested exp values at samples) are shown to 8 digits, marked '~'."""
        text = str(expr)
        numeric = expr.free_symbols <= set(system.unknowns)
        return text if len(text) <= 160 or not numeric else f"~ {sp.N(expr, 8)}"

    definitions: list[str] = []
    if not system.samples and not system.frozen and function is not None:
        composed = system.composed()
        definitions = [
            f"  {system.matrix[i, j]} = {composed[i, j]}"
            for j in range(composed.cols)
            for i in range(composed.rows)
            if system.matrix[i, j].is_Symbol
        ]
        if sum(map(len, definitions)) > 1200:
            definitions = []
    payload["definitions"] = [line.strip() for line in definitions]

    def text() -> str:
        acts = "/".join(a.label for a in net.spec.activations)
        lines = [
            f"network {net.widths}, activation {acts}, bias {'on' if net.spec.bias else 'off'}, "
            f"weights {net.source.label}, {net.parameter_count} parameters"
        ]
        if function is not None:
            lines += [f"  h^[{n}]_{v}(x) = {f}" for v, f in enumerate(function, start=1)]
        else:
            lines += ["  (layered form; the composed function is too long to print)"]
            lines += [f"  {eq}" for eq in neurons]
        where = f"at {len(system.samples)} stacked sample(s)" if system.samples else "for symbolic x"
        paper = system.layer == n and not system.frozen
        name = f"L({n},{output})" if paper else f"layer-{system.layer} system"
        lines.append(f"{name} {where}: {system.shape[0]} equations in {system.shape[1]} unknowns")
        if not system.samples:
            lines.append(f"  J^[{system.layer - 1}]_(k,t) = d h_k^[{system.layer - 1}] / d x_t")
            lines += definitions
        if system.frozen:
            lines.append(f"  frozen: {system.frozen}")
        lines += [f"  {short(eq)} = 0" for eq in system.equations]
        if analysis.method == "exact":
            lines.append(f"rank (exact, over {analysis.domain}): {analysis.rank}, nullity {analysis.nullity}")
        else:
            values = ", ".join(str(sp.Float(s, 4)) for s in analysis.singular_values)
            lines.append(f"rank (numeric SVD at {analysis.dps} digits): singular values {values}")
            if analysis.generic_point:
                point = ", ".join(f"{s} = {v}" for s, v in analysis.generic_point)
                lines.append(f"  at the generic point {point}")
            if analysis.decisive:
                gap = analysis.gap or "none: full rank"
                lines.append(f"  rank {analysis.rank}, nullity {analysis.nullity} (gap {gap})")
            else:
                lines.append(f"  undecided: no decisive gap (largest ratio {analysis.gap}); raise --dps")
        for i, v in enumerate(analysis.kernel_basis, start=1):
            entries = [short(e) if analysis.method == "exact" else str(sp.Float(e, 10)) for e in v]
            lines.append(f"  b_{i} = ({', '.join(entries)})")
        if analysis.kernel_basis:
            terms = " + ".join(f"alpha_{i} b_{i}" for i in range(1, len(analysis.kernel_basis) + 1))
            lines.append(f"  general solution: w = {terms}")
        lines.append(f"paper check: {check.verdict}")
        return "\n".join(lines)

    emit(payload, as_json, text)


def _write_derivation_latex(
    net: Any, system: Any, analysis: Any, points: list[object] | None, dps: int, path: str
) -> str:
    from pathlib import Path

    from ._errors import SpecError
    from .latex import derivation

    if system.layer != net.depth:
        raise SpecError("--latex writes the paper's L(n,v) (the output layer); drop --layer to use it")
    tex = derivation(net, system.output, samples=points, analysis=analysis if points else None, dps=dps)
    Path(path).write_text(tex, encoding="utf-8")
    return path


@main.command("proofs")
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False),
    help="Directory for the regenerated .tex files and PDFs.",
)
@click.option(
    "--source",
    type=click.Path(file_okay=False, exists=True),
    help="The proofs/ directory (default: the one of this source tree).",
)
@click.option("--no-pdf", is_flag=True, help="Only write the .tex files.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@handles_errors
def proofs_command(out_dir: str, source: str | None, no_pdf: bool, as_json: bool) -> None:
    """Run the machine checks of every proof, regenerate the proofs with them and build the PDFs."""
    from .latex import write_proofs

    docs = write_proofs(out_dir, source=source, build=not no_pdf)
    payload = {
        "out": out_dir,
        "passed": all(d.passed for d in docs),
        "documents": [
            {
                "name": d.name,
                "tex": str(d.tex),
                "pdf": str(d.pdf) if d.pdf else None,
                "passed": d.passed,
                "checks": [{"statement": st, "scope": sc, "passed": ok} for st, sc, ok in d.checks],
                "tex_errors": list(d.build.errors) if d.build else [],
                "overfull": list(d.build.overfull) if d.build else [],
            }
            for d in docs
        ],
    }

    def text() -> str:
        lines = []
        for d in docs:
            held = sum(ok for _, _, ok in d.checks)
            pdf = f", {d.pdf}" if d.pdf else ""
            status = "ok" if d.passed else "FAILED"
            lines.append(f"{status:6} {d.name}: {held}/{len(d.checks)} checks hold{pdf}")
        return "\n".join(lines)

    emit(payload, as_json, text)
    if not payload["passed"]:
        sys.exit(1)


@main.command("verify")
@click.option(
    "--out",
    "out_dir",
    default="eisym-verify",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Directory for report.md, report.tex/.pdf, figures/, results.sqlite (resumed if there).",
)
@click.option("--quick", "size", flag_value="quick", help="A smaller run (about a third of the default).")
@click.option("--full", "size", flag_value="full", help="At least 10x the default (use --scheduler).")
@click.option("--tiny", "size", flag_value="tiny", hidden=True, help="Seconds-long run for tests.")
@click.option("--seed", type=int, default=0, show_default=True, help="Root seed; same seed, same tables.")
@click.option(
    "--scheduler",
    default=None,
    help="'local' (in-process dask cluster) or a dask scheduler address tcp://HOST:PORT.",
)
@click.option("--workers", type=int, default=None, help="Local worker processes (default: all cores).")
@click.option("--no-pdf", is_flag=True, help="Do not compile report.tex.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@handles_errors
def verify_command(
    out_dir: str,
    size: str | None,
    seed: int,
    scheduler: str | None,
    workers: int | None,
    no_pdf: bool,
    as_json: bool,
) -> None:
    """Test the paper's claims at scale and write a report with a verdict per claim."""
    from .claims.verify import run_verification

    payload = run_verification(
        out_dir,
        size=size or "default",
        seed=seed,
        scheduler=scheduler,
        workers=workers,
        progress=None if not as_json else False,
        pdf=not no_pdf,
    )

    def text() -> str:
        lines = [
            f"{payload['networks_analysed']} networks, {payload['architectures']} architectures, "
            f"{payload['tasks_computed']} tasks computed ({payload['tasks_reused']} reused) "
            f"in {payload['total_seconds']:.0f} s",
        ]
        lines += [f"  {c['verdict']:<28} {c['claim']}" for c in payload["claims"]]
        lines.append(f"report: {payload['out']}/report.md" + (" (+ report.pdf)" if payload["pdf"] else ""))
        return "\n".join(lines)

    emit(payload, as_json, text)


@main.command("experiment")
@click.argument(
    "name", type=click.Choice(["capacity", "extrema", "constructive", "onedim", "kacrice", "depth"])
)
@click.option("--quick", "size", flag_value="quick", help="The --quick budget of eisym verify.")
@click.option("--full", "size", flag_value="full", help="The --full budget of eisym verify.")
@click.option("--tiny", "size", flag_value="tiny", hidden=True, help="Seconds-long run for tests.")
@click.option("--seed", type=int, default=0, show_default=True, help="Root seed (as in eisym verify).")
@click.option(
    "--results",
    type=click.Path(dir_okay=False),
    default=None,
    help="An sqlite results file to resume from and add to (e.g. DIR/results.sqlite of verify).",
)
@click.option("--workers", type=int, default=None, help="Local worker processes (default: all cores).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@handles_errors
def experiment_command(
    name: str, size: str | None, seed: int, results: str | None, workers: int | None, as_json: bool
) -> None:
    """Run one experiment of eisym verify (same tasks and seeds) and print its result."""
    from .claims.verify import experiment_payload, run_experiment

    result = run_experiment(
        name, size or "default", seed, store=results, workers=workers, progress=None if not as_json else False
    )
    payload = {
        "experiment": name,
        "size": size or "default",
        "seed": seed,
        "result": experiment_payload(result),
    }

    def text() -> str:
        verdicts = {k: v for k, v in payload["result"].items() if k.startswith("verdict")}
        lines = [f"{name}: " + ", ".join(f"{k} = {v}" for k, v in verdicts.items())]
        for key in ("rows", "correlations", "tests", "saddles"):
            for row in payload["result"].get(key, []):
                shown = (f"{k}={v}" for k, v in row.items() if not k.startswith("witness"))
                lines.append("  " + ", ".join(shown))
        return "\n".join(lines)

    emit(payload, as_json, text)
