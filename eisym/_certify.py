"""Certified enumeration of the critical points of a network unit or an expression in a box.

The box is bisected into a guillotine partition whose every cell is one of

* excluded: the interval gradient over the cell (naive enclosure intersected with the
  centred form g(c) + H(X)(X - c)) has a component that excludes zero, or else the
  Krawczyk operator below is disjoint from the cell (every zero in X lies in K(X));
* isolating: the Krawczyk operator K(X) = c - Y g(c) + (I - Y H(X))(X - c) lies in the
  interior of X, so X holds exactly one critical point; a tiny enclosure of it is proven
  the same way, and the point's type is proven on that enclosure by Gershgorin discs of
  Q^T H Q (Q the eigenvectors of the midpoint Hessian; Sylvester's law of inertia);
* unresolved: narrower than ``min_width`` (or beyond ``max_boxes``) and still undecided.

Bulk work runs on numpy interval arrays (``_interval.py``); every isolating cell is then
re-proven with python-flint ``arb`` balls at ``prec`` bits, and only arb-proven cells are
reported. :func:`check_certificate` re-verifies a certificate from the function and the
cells alone.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
import sympy as sp

from ._errors import MissingDependency, SpecError
from ._network import Network, network_from_json
from ._proofs import (
    Box,
    arb_excludes,
    arb_krawczyk,
    arb_type,
    excludes_np,
    gradient_excludes_zero,
    krawczyk_np,
    make_subject,
    newton,
    tiles,
)

__all__ = [
    "Certificate",
    "CertifiedPoint",
    "CertificateCheck",
    "certify_critical_points",
    "check_certificate",
    "certificate_to_json",
    "certificate_from_json",
    "certified_summary",
]

_SPLIT = 0.5 - 0.618 / 64  # off-centre, so symmetric critical points rarely land on a cut
_ARB_RESCUES = 512  # cells per batch whose gradient underflows float64, tried in arb


@dataclass(frozen=True, slots=True, kw_only=True)
class CertifiedPoint:
    """One critical point proven to be the only one in its cell.

    Attributes
    ----------
    x : tuple of float
        A float approximation inside ``enclosure``.
    type : str
        ``"minimum"``, ``"maximum"``, ``"saddle"`` when proven, else ``"unproven"``.
    type_proven : bool
    signature : tuple of int or None
        (n_plus, n_minus, n_zero) of the Hessian, when proven (n_zero is then 0).
    value : float
        The unit's value at ``x`` (float64, for display).
    gradient_norm : float
        |grad f(x)| in float64 (for display; the proof is the Krawczyk test).
    cell : tuple of (lo, hi)
        The partition cell holding exactly this critical point.
    enclosure : tuple of (lo, hi)
        A sub-box of ``cell`` proven to contain it.
    """

    x: tuple[float, ...]
    type: str
    type_proven: bool
    signature: tuple[int, int, int] | None
    value: float
    gradient_norm: float
    cell: Box
    enclosure: Box


@dataclass(frozen=True, slots=True, kw_only=True)
class Certificate:
    """The outcome of :func:`certify_critical_points`; ``complete`` when nothing is unresolved.

    ``subject`` is JSON naming what was certified: a network (its exact weights and the
    output unit) or an expression (text that :func:`eisym.parse_expression` reads back).

    ``points``, ``excluded`` and ``unresolved`` cells together tile ``box``. When
    ``complete`` is False the number of points is a lower bound.
    """

    subject: str
    variables: tuple[str, ...]
    box: Box
    prec: int
    points: tuple[CertifiedPoint, ...]
    excluded: tuple[Box, ...]
    unresolved: tuple[Box, ...]
    boxes_processed: int

    @property
    def complete(self) -> bool:
        """True when every cell was excluded or isolates exactly one critical point."""
        return not self.unresolved

    @property
    def unresolved_volume(self) -> float:
        """Total volume of the unresolved cells (0.0 when complete)."""
        return float(sum(math.prod(b - a for a, b in cell) for cell in self.unresolved))

    @property
    def counts(self) -> dict[str, int]:
        """Number of proven points per type (``"unproven"`` for the others)."""
        out = {"minimum": 0, "maximum": 0, "saddle": 0, "unproven": 0}
        for p in self.points:
            out[p.type] += 1
        return out


@dataclass(frozen=True, slots=True, kw_only=True)
class CertificateCheck:
    """Result of :func:`check_certificate`: ``valid`` is True when every proof was replayed."""

    valid: bool
    problems: tuple[str, ...]
    cells: int
    points_verified: int
    excluded_verified: int


# ---------------------------------------------------------------- input handling


def _parse_box(box: object, m: int) -> Box:
    """Float bounds per axis, rounded outward from the exact bounds of :func:`parse_box`."""
    from ._critical import parse_box

    out = []
    for lo, hi in parse_box(box, m):
        a, b = float(lo), float(hi)
        a = math.nextafter(a, -math.inf) if Fraction(a) > lo else a
        b = math.nextafter(b, math.inf) if Fraction(b) < hi else b
        if not (math.isfinite(a) and math.isfinite(b)):
            raise SpecError(f"box: bounds must be finite floats, got ({lo}, {hi})")
        out.append((a, b))
    return tuple(out)


def _flint():  # type: ignore[no-untyped-def]
    try:
        import flint
    except ImportError:
        raise MissingDependency(
            "certification needs python-flint (arb ball arithmetic); pip install 'eisym[fast]'"
        ) from None
    return flint


def _prove_cell(subject, ab, lo: np.ndarray, hi: np.ndarray):  # type: ignore[no-untyped-def]
    """A CertifiedPoint for the cell, or None when arb cannot confirm the Krawczyk test."""
    lo_t, hi_t = tuple(map(float, lo)), tuple(map(float, hi))
    if not arb_krawczyk(ab, lo_t, hi_t):
        return None
    x = newton(subject, 0.5 * lo + 0.5 * hi, lo, hi)
    enclosure = (lo_t, hi_t)
    scale = hi - lo
    for eps in (1e-12, 1e-9, 1e-6, 1e-3):
        elo = np.maximum(lo, x - eps * scale)
        ehi = np.minimum(hi, x + eps * scale)
        if np.all(elo < ehi) and arb_krawczyk(ab, tuple(map(float, elo)), tuple(map(float, ehi))):
            enclosure = (tuple(map(float, elo)), tuple(map(float, ehi)))
            break
    x = np.clip(x, enclosure[0], enclosure[1])
    inertia = arb_type(ab, *enclosure)
    m = len(lo_t)
    if inertia is None:
        kind, signature = "unproven", None
    else:
        plus, minus = inertia
        kind = "minimum" if plus == m else "maximum" if minus == m else "saddle"
        signature = (plus, minus, 0)
    value, grad, _ = subject.evaluate(x[None])
    return CertifiedPoint(
        x=tuple(map(float, x)),
        type=kind,
        type_proven=inertia is not None,
        signature=signature,
        value=float(value[0]),
        gradient_norm=float(np.linalg.norm(grad[0])),
        cell=tuple(zip(lo_t, hi_t, strict=True)),
        enclosure=tuple(zip(*enclosure, strict=True)),
    )


# ---------------------------------------------------------------- the search


def certify_critical_points(
    f: object,
    box: object,
    *,
    prec: int = 128,
    min_width: float | None = None,
    max_boxes: int = 200_000,
    output: int = 1,
    variables: Sequence[object] | None = None,
    batch: int = 4096,
) -> Certificate:
    """Prove where every critical point of ``f`` in ``box`` is, and its type.

    Parameters
    ----------
    f : Network, str, sympy expression or ParsedExpression
        A network with numeric (integer, rational or float) weights and elementwise
        activations, or a smooth expression built from numbers, pi, +, -, *, /, powers, exp,
        log, tanh, sin and cos (text is read with :func:`eisym.parse_expression`).
    box : (lo, hi) or sequence of (lo, hi)
        One interval for every axis, or one per axis.
    prec : int
        Working precision (bits) of the arb proofs.
    min_width : float, optional
        Cells narrower than this (largest side) are left unresolved; default 1e-9 times the
        largest side of ``box``.
    max_boxes : int
        Budget of cells examined; what is left when it runs out is reported unresolved.
    output : int
        The output unit of a network (1-based).
    variables : sequence, optional
        Variable order of an expression.
    batch : int
        Cells evaluated per numpy call.

    Returns
    -------
    Certificate

    Raises
    ------
    SpecError
        Bad box, precision or width; symbolic weights; a softmax layer.
    ExpressionError
        An expression outside the supported functions.
    MissingDependency
        python-flint is not installed.

    Notes
    -----
    The arb precision is set through python-flint's process-wide context (restored on
    exit), so concurrent calls from several threads must be serialised.

    Examples
    --------
    >>> from eisym import build_network
    >>> net = build_network("1,2,1", "tanh", bias=True, weights=[[[1], [1]], [[1, -1]]],
    ...                     biases=[[1, -1], [0]])
    >>> cert = certify_critical_points(net, (-4, 4))
    >>> cert.complete, [p.type for p in cert.points]
    (True, ['maximum'])
    >>> certify_critical_points("x**3 - 3*x + y**2", (-3, 3)).counts
    {'minimum': 1, 'maximum': 0, 'saddle': 1, 'unproven': 0}
    """
    flint = _flint()
    if not isinstance(prec, int) or isinstance(prec, bool) or not 53 <= prec <= 65536:
        raise SpecError(f"prec must be an integer number of bits in [53, 65536], got {prec!r}")
    subject = make_subject(f, output, variables)
    the_box = _parse_box(box, subject.m)
    span = np.array([b - a for a, b in the_box])
    if min_width is None:
        min_width = 1e-9 * float(span.max())
    if not min_width > 0:
        raise SpecError(f"min_width must be positive, got {min_width!r}")

    pending_lo = np.array([[a for a, _ in the_box]])
    pending_hi = np.array([[b for _, b in the_box]])
    excluded: list[np.ndarray] = []
    unresolved: list[np.ndarray] = []
    points: list[CertifiedPoint] = []
    processed = 0
    from tqdm import tqdm  # type: ignore[import-untyped]

    with flint.ctx.workprec(prec), tqdm(desc="certify", unit="box", disable=None, leave=False) as bar:
        ab = subject.arb()
        while len(pending_lo):
            if processed >= max_boxes:
                unresolved.append(np.stack([pending_lo, pending_hi], axis=2))
                break
            take = min(batch, max_boxes - processed, len(pending_lo))
            lo, hi = pending_lo[:take], pending_hi[:take]
            pending_lo, pending_hi = pending_lo[take:], pending_hi[take:]
            processed += take
            bar.update(take)
            out, h, gc, c, tiny = gradient_excludes_zero(subject, lo, hi)
            rest = ~out
            split = np.zeros(len(lo), dtype=bool)
            split[rest] = True
            if np.any(rest):
                idx = np.flatnonzero(rest)
                ok, empty = krawczyk_np(lo[idx], hi[idx], h[idx], gc[idx], c[idx])
                out[idx[empty]] = True
                split[idx[empty]] = False
                for i in idx[ok]:
                    point = _prove_cell(subject, ab, lo[i], hi[i])
                    if point is not None:
                        points.append(point)
                        split[i] = False
            for i in np.flatnonzero(split & tiny)[:_ARB_RESCUES]:
                if arb_excludes(ab, list(lo[i]), list(hi[i]), depth=0):
                    out[i], split[i] = True, False
            excluded.append(np.stack([lo[out], hi[out]], axis=2))
            # Cut the axis that contributes most to the gradient's spread ("maximal smear").
            mag = np.maximum(np.abs(h.lo), np.abs(h.hi))
            smear = np.where(np.isfinite(mag), mag, 1e300).sum(axis=1) * (hi - lo)
            too_small = split & ((hi - lo).max(axis=1) < min_width)
            unresolved.append(np.stack([lo[too_small], hi[too_small]], axis=2))
            split &= ~too_small
            if np.any(split):
                slo, shi = lo[split], hi[split]
                axis = np.argmax(smear[split], axis=1)
                rows = np.arange(len(slo))
                cut = slo[rows, axis] + _SPLIT * (shi[rows, axis] - slo[rows, axis])
                left_hi, right_lo = shi.copy(), slo.copy()
                left_hi[rows, axis] = cut
                right_lo[rows, axis] = cut
                degenerate = (cut <= slo[rows, axis]) | (cut >= shi[rows, axis])
                unresolved.append(np.stack([slo[degenerate], shi[degenerate]], axis=2))
                keep = ~degenerate
                pending_lo = np.concatenate([pending_lo, slo[keep], right_lo[keep]])
                pending_hi = np.concatenate([pending_hi, left_hi[keep], shi[keep]])

    def boxes(parts: list[np.ndarray]) -> tuple[Box, ...]:
        if not parts:
            return ()
        arr = np.concatenate(parts)
        return tuple(tuple((float(a), float(b)) for a, b in cell) for cell in arr)

    points.sort(key=lambda p: p.x)
    return Certificate(
        subject=json.dumps(subject.describe()),
        variables=subject.variables,
        box=the_box,
        prec=prec,
        points=tuple(points),
        excluded=boxes(excluded),
        unresolved=boxes(unresolved),
        boxes_processed=processed,
    )


# ---------------------------------------------------------------- JSON


def _flat(cell: Box) -> list[float]:
    return [v for pair in cell for v in pair]


def _unflat(values: Sequence[object], m: int, what: str) -> Box:
    if not isinstance(values, list) or len(values) != 2 * m:
        raise SpecError(f"certificate: {what} should be a list of {2 * m} numbers (lo, hi per axis)")
    vals = [float(v) for v in values]  # type: ignore[arg-type]
    if not all(math.isfinite(v) for v in vals):
        raise SpecError(f"certificate: {what} has a non-finite bound")
    return tuple((vals[2 * i], vals[2 * i + 1]) for i in range(m))


def certificate_to_json(cert: Certificate) -> str:
    """Serialise a certificate; floats are written exactly (shortest round-trip repr).

    Examples
    --------
    >>> from eisym import build_network
    >>> cert = certify_critical_points(build_network("1,1", "identity", weights=[[[1]]]), (0, 1))
    >>> certificate_from_json(certificate_to_json(cert)) == cert
    True
    """
    doc: dict[str, Any] = {
        "format": "eisym.certificate/1",
        "subject": json.loads(cert.subject),
        "variables": list(cert.variables),
        "box": _flat(cert.box),
        "prec": cert.prec,
        "complete": cert.complete,
        "boxes_processed": cert.boxes_processed,
        "points": [
            {
                "x": list(p.x),
                "type": p.type,
                "type_proven": p.type_proven,
                "signature": list(p.signature) if p.signature else None,
                "value": p.value,
                "gradient_norm": p.gradient_norm,
                "cell": _flat(p.cell),
                "enclosure": _flat(p.enclosure),
            }
            for p in cert.points
        ],
        "excluded": [_flat(c) for c in cert.excluded],
        "unresolved": [_flat(c) for c in cert.unresolved],
    }
    return json.dumps(doc, separators=(",", ":"))


def _signature(value: object) -> tuple[int, int, int] | None:
    if value is None:
        return None
    if not isinstance(value, list) or len(value) != 3:
        raise SpecError(f"certificate: a signature is [n_plus, n_minus, n_zero], got {value!r}")
    return (int(value[0]), int(value[1]), int(value[2]))


def _prec(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 53 <= value <= 65536:
        raise SpecError(f"certificate: prec must be an integer number of bits in [53, 65536], got {value!r}")
    return value


def certificate_from_json(text: str) -> Certificate:
    """Inverse of :func:`certificate_to_json`."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SpecError(f"certificate is not valid JSON: {exc}") from None
    if not isinstance(doc, dict) or doc.get("format") != "eisym.certificate/1":
        raise SpecError("not an eisym certificate (missing 'format': 'eisym.certificate/1')")
    try:
        variables = tuple(str(v) for v in doc["variables"])
        m = len(variables)
        kind = doc["subject"].get("kind") if isinstance(doc["subject"], dict) else None
        if kind not in ("network", "expression"):
            raise ValueError("subject must be a network or an expression")
        points = tuple(
            CertifiedPoint(
                x=tuple(float(v) for v in p["x"]),
                type=str(p["type"]),
                type_proven=bool(p["type_proven"]),
                signature=_signature(p["signature"]),
                value=float(p["value"]),
                gradient_norm=float(p["gradient_norm"]),
                cell=_unflat(p["cell"], m, "a point's cell"),
                enclosure=_unflat(p["enclosure"], m, "a point's enclosure"),
            )
            for p in doc["points"]
        )
        return Certificate(
            subject=json.dumps(doc["subject"]),
            variables=variables,
            box=_unflat(doc["box"], m, "box"),
            prec=_prec(doc["prec"]),
            points=points,
            excluded=tuple(_unflat(c, m, "an excluded cell") for c in doc["excluded"]),
            unresolved=tuple(_unflat(c, m, "an unresolved cell") for c in doc["unresolved"]),
            boxes_processed=int(doc["boxes_processed"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise SpecError(f"certificate is malformed ({exc!r}); write it with certificate_to_json") from None


def certified_summary(cert: Certificate, seconds: float | None = None) -> dict[str, Any]:
    """The JSON-ready table of ``eisym critical --certify``: the keys of the numeric search plus
    ``complete``, ``unresolved_volume`` and, per point, ``type_proven``, ``box`` and ``enclosure``.

    ``starts``, ``converged`` and ``polished`` are 0 (no multistart search runs); a point's
    ``hessian`` and ``gradient_norm`` are float64 values at ``x``, for display only.

    Examples
    --------
    >>> from eisym import build_network
    >>> cert = certify_critical_points(build_network("1,1", "identity", weights=[[[1]]]), (0, 1))
    >>> summary = certified_summary(cert)
    >>> summary["complete"], summary["points"], summary["unresolved_volume"]
    (True, [], 0.0)
    """
    subject = _stored_subject(cert)
    hessians = [subject.evaluate(np.array([p.x]))[2][0].tolist() for p in cert.points]
    return {
        "variables": list(cert.variables),
        "box": [list(b) for b in cert.box],
        "method": "certified",
        "starts": 0,
        "converged": 0,
        "polished": 0,
        "dps": None,
        "prec": cert.prec,
        "counts": cert.counts,
        "complete": cert.complete,
        "unresolved_volume": cert.unresolved_volume,
        "cells": {
            "excluded": len(cert.excluded),
            "isolating": len(cert.points),
            "unresolved": len(cert.unresolved),
            "processed": cert.boxes_processed,
        },
        "seconds": seconds,
        "points": [
            {
                "x": list(p.x),
                "type": p.type,
                "type_proven": p.type_proven,
                "value": p.value,
                "gradient_norm": p.gradient_norm,
                "signature": list(p.signature) if p.signature else None,
                "hessian": hess,
                "box": [list(b) for b in p.cell],
                "enclosure": [list(b) for b in p.enclosure],
            }
            for p, hess in zip(cert.points, hessians, strict=True)
        ],
    }


# ---------------------------------------------------------------- re-verification


def _stored_subject(certificate: Certificate):  # type: ignore[no-untyped-def]
    doc = json.loads(certificate.subject)
    if doc["kind"] == "network":
        return make_subject(network_from_json(json.dumps(doc["network"])), int(doc.get("output", 1)))
    return make_subject(str(doc["text"]), variables=[str(v) for v in doc["variables"]])


def check_certificate(f: object, certificate: Certificate, *, exclusion: str = "numpy") -> CertificateCheck:
    """Re-verify a certificate from the function and its cells, without searching.

    Checks that the cells tile the box exactly (a guillotine partition), that every excluded
    cell's interval gradient excludes zero, and, in arb at the certificate's precision, that
    every point's cell and enclosure pass the Krawczyk test, the enclosure lies in the cell
    and the stated type follows from the Hessian over the enclosure.

    Parameters
    ----------
    f : Network, expression or None
        The function; None uses the one stored in the certificate (an expression is re-read
        with :func:`eisym.parse_expression`, never evaluated). A function that differs from
        the stored one fails the check.
    certificate : Certificate
    exclusion : {"numpy", "arb"}
        Replay the exclusions with the outward-rounded numpy intervals (fast; cells they cannot
        decide are retried in arb) or with arb only.

    Examples
    --------
    >>> from eisym import build_network
    >>> net = build_network("1,2,1", "tanh", bias=True, weights=[[[1], [1]], [[1, -1]]],
    ...                     biases=[[1, -1], [0]])
    >>> check_certificate(net, certify_critical_points(net, (-4, 4))).valid
    True
    """
    flint = _flint()
    if exclusion not in ("numpy", "arb"):
        raise SpecError(f"exclusion must be 'numpy' or 'arb', got {exclusion!r}")
    subject = _stored_subject(certificate)
    problems: list[str] = []
    if f is not None:
        given = make_subject(
            f, getattr(subject, "output", 1), None if isinstance(f, Network) else certificate.variables
        )
        same = (
            _same_network(given.network, subject.network)
            if given.kind == subject.kind == "network" and given.output == subject.output
            else given.kind == subject.kind == "expression" and given.describe() == subject.describe()
        )
        if not same:
            problems.append("the function differs from the one the certificate was made for")
    m = subject.m
    cells = list(certificate.excluded) + [p.cell for p in certificate.points] + list(certificate.unresolved)
    arr = np.array(cells, dtype=float).reshape(-1, m, 2)
    reason = tiles(certificate.box, arr[:, :, 0], arr[:, :, 1])
    if reason:
        problems.append(f"coverage: {reason}")
    excluded_ok = 0
    with flint.ctx.workprec(certificate.prec):
        ab = subject.arb()
        if certificate.excluded:
            ex = np.array(certificate.excluded, dtype=float).reshape(-1, m, 2)
            if exclusion == "numpy":
                ok = np.zeros(len(ex), dtype=bool)
                for start in range(0, len(ex), 4096):
                    sl = slice(start, start + 4096)
                    ok[sl] = excludes_np(subject, ex[sl, :, 0], ex[sl, :, 1])
                for i in np.flatnonzero(~ok):  # cells the search excluded in arb (float underflow)
                    ok[i] = arb_excludes(ab, list(ex[i, :, 0]), list(ex[i, :, 1]))
            else:
                ok = np.array([arb_excludes(ab, list(x[:, 0]), list(x[:, 1])) for x in ex], dtype=bool)
            excluded_ok = int(ok.sum())
            for i in np.flatnonzero(~ok)[:5]:
                problems.append(f"excluded cell {ex[i].tolist()}: the gradient does not exclude zero")
        points_ok = 0
        for p in certificate.points:
            issue = _check_point(ab, p, m)
            if issue:
                problems.append(f"point near {list(p.x)}: {issue}")
            else:
                points_ok += 1
    return CertificateCheck(
        valid=not problems,
        problems=tuple(problems),
        cells=len(cells),
        points_verified=points_ok,
        excluded_verified=excluded_ok,
    )


def _same_network(a: Network, b: Network) -> bool:
    pairs = zip(a.weights + a.biases, b.weights + b.biases, strict=True)
    return a.spec == b.spec and all(
        x.shape == y.shape and all(sp.Rational(p) == sp.Rational(q) for p, q in zip(x, y, strict=True))
        for x, y in pairs
    )


def _check_point(ab, p: CertifiedPoint, m: int) -> str | None:  # type: ignore[no-untyped-def]
    clo, chi = [a for a, _ in p.cell], [b for _, b in p.cell]
    elo, ehi = [a for a, _ in p.enclosure], [b for _, b in p.enclosure]
    if any(a < ca or b > cb or a >= b for a, b, ca, cb in zip(elo, ehi, clo, chi, strict=True)):
        return "the enclosure is not a non-empty sub-box of the cell"
    if not arb_krawczyk(ab, clo, chi):
        return "the Krawczyk test fails on the cell"
    if (elo, ehi) != (clo, chi) and not arb_krawczyk(ab, elo, ehi):
        return "the Krawczyk test fails on the enclosure"
    if p.type_proven:
        inertia = arb_type(ab, elo, ehi)
        if inertia is None:
            return f"the type {p.type!r} cannot be proven on the enclosure"
        plus, minus = inertia
        kind = "minimum" if plus == m else "maximum" if minus == m else "saddle"
        if kind != p.type or p.signature != (plus, minus, 0):
            return f"the stated type {p.type!r} contradicts the proven type {kind!r}"
    elif p.type != "unproven":
        return f"type {p.type!r} is stated but type_proven is False"
    return None
