"""Progress and messages on stderr: plain when stderr is not a terminal or NO_COLOR is set."""

from __future__ import annotations

import os
import sys
from typing import TextIO

import click


def use_color(stream: TextIO) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org)."""
    if os.environ.get("NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


class Console:
    """Writes progress to stderr; ``quiet`` silences progress but not errors."""

    def __init__(self, quiet: bool = False, verbose: bool = False,
                 stream: TextIO | None = None) -> None:
        self.quiet = quiet
        self.verbose = verbose
        self.stream = stream if stream is not None else sys.stderr
        self.color = use_color(self.stream)

    def _style(self, text: str, **styles: object) -> str:
        return click.style(text, **styles) if self.color else text  # type: ignore[arg-type]

    def progress(self, text: str, nl: bool = True) -> None:
        if not self.quiet:
            click.echo(text, file=self.stream, nl=nl, color=self.color)

    def detail(self, text: str) -> None:
        if self.verbose and not self.quiet:
            click.echo(text, file=self.stream, color=self.color)

    def ok(self, text: str) -> str:
        return self._style(text, fg="green")

    def bad(self, text: str) -> str:
        return self._style(text, fg="red", bold=True)

    def warn(self, text: str) -> None:
        click.echo(self._style(f"warning: {text}", fg="yellow"), file=self.stream,
                   color=self.color)

    def error(self, text: str) -> None:
        click.echo(self._style(f"error: {text}", fg="red", bold=True), file=self.stream,
                   color=self.color)
