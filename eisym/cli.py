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
