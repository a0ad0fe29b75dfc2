"""What interpreter a benchmark ran on: version, build, GIL state, CPUs.

Importable with the standard library alone, because it runs inside the measured
interpreter (``python -m tlsbench.environment`` prints this interpreter's facts as JSON).
"""

from __future__ import annotations

import json
import os
import platform
import sys
import sysconfig
from dataclasses import asdict, dataclass


def usable_cpus() -> int:
    """CPUs this process may run on (its affinity mask), not merely those installed."""
    process_cpu_count = getattr(os, "process_cpu_count", None)  # Python 3.13+
    if process_cpu_count is not None:
        return int(process_cpu_count() or 1)
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def gil_enabled_now() -> bool:
    """Whether the GIL is enabled in this process right now (always True before 3.13)."""
    is_gil_enabled = getattr(sys, "_is_gil_enabled", None)
    return True if is_gil_enabled is None else bool(is_gil_enabled())


def is_free_threaded_build() -> bool:
    """Whether this interpreter was built with ``--disable-gil`` (Py_GIL_DISABLED)."""
    return bool(sysconfig.get_config_var("Py_GIL_DISABLED"))


@dataclass(frozen=True)
class BuildInfo:
    """The interpreter that ran a benchmark, as observed from inside it."""

    python_version: str
    implementation: str
    free_threaded: bool
    gil_enabled: bool
    executable: str
    cpu_count: int
    switch_interval: float
    platform: str
    #: Tells apart results of the same build from different files (the file's name).
    variant: str = ""

    @property
    def label(self) -> str:
        """A short, honest name: ``3.13.0``, ``3.13.0t free-threaded``, ``3.13.0t, GIL re-enabled``.
        """
        if not self.free_threaded:
            label = self.python_version
        elif self.gil_enabled:
            label = f"{self.python_version}t, GIL re-enabled"
        else:
            label = f"{self.python_version}t free-threaded"
        return f"{label} ({self.variant})" if self.variant else label

    @property
    def tag(self) -> str:
        """A label fit for a benchmark name: ``py3.13.0``, ``py3.13.0t``, ``py3.13.0t-gil``."""
        if not self.free_threaded:
            tag = f"py{self.python_version}"
        else:
            tag = f"py{self.python_version}t" + ("-gil" if self.gil_enabled else "")
        return f"{tag}+{self.variant}" if self.variant else tag

    @property
    def build_name(self) -> str:
        return "free-threaded" if self.free_threaded else "default (GIL)"

    def to_dict(self) -> dict[str, object]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> BuildInfo:
        return cls(
            python_version=str(data["python_version"]),
            implementation=str(data["implementation"]),
            free_threaded=bool(data["free_threaded"]),
            gil_enabled=bool(data["gil_enabled"]),
            executable=str(data["executable"]),
            cpu_count=int(str(data["cpu_count"])),
            switch_interval=float(str(data["switch_interval"])),
            platform=str(data["platform"]),
            variant=str(data.get("variant", "")),
        )


def collect() -> BuildInfo:
    """Facts about the running interpreter."""
    return BuildInfo(
        python_version=platform.python_version(),
        implementation=platform.python_implementation(),
        free_threaded=is_free_threaded_build(),
        gil_enabled=gil_enabled_now(),
        executable=sys.executable,
        cpu_count=usable_cpus(),
        switch_interval=sys.getswitchinterval(),
        platform=platform.platform(),
    )


if __name__ == "__main__":
    json.dump(collect().to_dict(), sys.stdout)
    sys.stdout.write("\n")
