"""What the benchmarks share: how they name the machine they ran on (bench/ is on sys.path when one runs)."""

from __future__ import annotations

import os
import platform
from pathlib import Path


def machine() -> str:
    """`x86_64 AMD EPYC 7B13, 2 cores, 24 GiB, Python 3.11.7`: what a figure was measured on."""
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        model = next((line.split(":", 1)[1].strip() for line in cpuinfo.read_text().splitlines()
                      if line.startswith("model name")), "")
    memory = ""
    if hasattr(os, "sysconf") and "SC_PHYS_PAGES" in os.sysconf_names:
        memory = f", {os.sysconf('SC_PHYS_PAGES') * os.sysconf('SC_PAGE_SIZE') / 2**30:.0f} GiB"
    return (f"{platform.machine()} {model or platform.processor()}".strip()
            + f", {os.cpu_count()} cores{memory}, Python {platform.python_version()}")
