"""Exceptions that the command line turns into one clear line and an exit code."""

from __future__ import annotations


class TlsbenchError(Exception):
    """Bad input or an unusable file: exit code 2, one line, no traceback."""

    exit_code = 2


class MeasurementError(Exception):
    """A benchmark could not be measured (its worker crashed, hung or was refused)."""

    def __init__(self, benchmark: str, message: str) -> None:
        super().__init__(f"{benchmark}: {message}")
        self.benchmark = benchmark
        self.message = message
