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


@main.command()
@click.option("--widths", help="Layer widths m,l_1,...,l_n of a network, e.g. 2,8,1.")
@click.option("--weights", default="random:0", show_default=True, help="random:SEED[:rational[:DEN]].")
@click.option("--activation", default="sigmoid", show_default=True, help="Activation of every layer.")
@click.option("--bias", is_flag=True, help="Give every neuron a bias.")
@click.option("--scale", type=float, default=1.0, show_default=True, help="Std. dev. of random weights.")
@click.option("--output", type=int, default=1, show_default=True, help="Output unit (1-based).")
@click.option("--expr", help='A smooth expression instead of a network, e.g. "x**2 - y**2".')
@click.option("--box", required=True, help="lo,hi for every axis, or one per axis: --box=-3,3:-2,2.")
@click.option("--starts", type=int, default=900, show_default=True, help="Number of Newton starts.")
@click.option("--sampling", type=click.Choice(["grid", "sobol"]), default="grid", show_default=True)
@click.option("--dps", type=int, default=50, show_default=True, help="Digits for polishing.")
@click.option("--exact", is_flag=True, help="Solve grad f = 0 exactly (small polynomials).")
@click.option("--certify", is_flag=True, help="Prove that every critical point was found, and each type.")
@click.option("--prec", type=int, default=128, show_default=True, help="Bits of the arb proofs (--certify).")
@click.option("--certificate", "certificate_path", type=click.Path(dir_okay=False),
              help="Write the certificate JSON to this file (--certify).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@handles_errors
def critical(
    widths: str | None, weights: str, activation: str, bias: bool, scale: float, output: int,
    expr: str | None, box: str, starts: int, sampling: str, dps: int, exact: bool, certify: bool,
    prec: int, certificate_path: str | None, as_json: bool,
) -> None:
    """Find and classify the critical points of a network output or an expression in a box."""
    from ._critical import critical_points
    from ._errors import SpecError
    from ._network import build_network

    if (widths is None) == (expr is None):
        raise SpecError("give either --widths (a network) or --expr (an expression), not both")
    target: object = expr
    if widths is not None:
        target = build_network(widths, activation, bias=bias, weights=weights, scale=scale)
    if certify:
        _certified(target, box, output, prec, certificate_path, as_json)
        return
    result = critical_points(
        target, box, starts=starts, sampling=sampling, dps=dps, output=output,  # type: ignore[arg-type]
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
@click.option("--dataset", required=True, help="xor, moons, circles, iris, wine, breast_cancer or digits.")
@click.option("--widths", default="10", show_default=True, help="Hidden layer widths l_1,...,l_{n-1}.")
@click.option("--polarization", type=click.Choice(["enumerate", "lp", "extremum", "lstsq"]), default="lp",
              show_default=True, help="How a particular solution is chosen in the kernel.")
@click.option("--termination", type=click.Choice(["strict", "weak"]), default="weak", show_default=True)
@click.option("--representatives", default="auto", show_default=True,
              help="auto, all, or the number of k-means representatives per class.")
@click.option("--init-scale", type=float, default=1.0, show_default=True, help="Initial weight scale.")
@click.option("--max-increments", type=int, default=5, show_default=True, help="Times neurons may be added.")
@click.option("--grow", type=int, default=None, help="Units added per increment (default: half the width).")
@click.option("--samples", type=int, default=300, show_default=True, help="Points of moons/circles.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seeds the split and the weights.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@handles_errors
def ei_command(
    dataset: str, widths: str, polarization: str, termination: str, representatives: str, init_scale: float,
    max_increments: int, grow: int | None, samples: int, seed: int, as_json: bool,
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
        data.x_train, data.y_train, widths=hidden, polarization=polarization, termination=termination,
        representatives=reps, init_scale=init_scale, max_increments=max_increments, grow=grow,
        seed=seed,
    )
    test_accuracy = model.score(data.x_test, data.y_test)
    payload = {"dataset": dataset, "test_accuracy": test_accuracy, **model.to_dict()}

    def text() -> str:
        return (
            f"{data.description}: EI ({polarization}, {termination}) widths {model.widths}, "
            f"{model.n_increments} increments, converged {model.converged}\n"
            f"train accuracy {model.train_accuracy:.4f}, test accuracy {test_accuracy:.4f}, "
            f"{model.extremum_fraction:.1%} of training samples on verified extrema of the right kind\n"
            f"{model.seconds:.2f} s in all, {model.solve_seconds:.3f} s in the linear solves"
        )

    emit(payload, as_json, text)
