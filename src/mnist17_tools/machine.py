"""The machine a run used: what decides the last bits of TensorFlow's arithmetic.

The reference record (`reference.py`) and the benchmark note it beside their numbers, and
`make test` compares exactly only on the machine that made the committed outputs.
"""

import os
import platform
from pathlib import Path

from mnist17.environment import THREADS_VARIABLE, thread_count

# Settings that limit the CPU features TensorFlow uses (oneDNN and XLA), to imitate another CPU.
EMULATION_VARIABLES = ("ONEDNN_MAX_CPU_ISA", "XLA_FLAGS", THREADS_VARIABLE)


def cpu_features() -> dict[str, object]:
    """The CPU model and the vector extensions that decide TensorFlow's kernels (from Linux's
    /proc/cpuinfo; elsewhere only what `platform` knows)."""
    fields: dict[str, str] = {}
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            key, _, value = line.partition(":")
            fields.setdefault(key.strip(), value.strip())
    flags = (fields.get("flags") or fields.get("Features") or "").split()
    return {
        "cpu": fields.get("model name") or platform.processor() or platform.machine(),
        "machine": platform.machine(),
        "vector_extensions": sorted(
            f for f in flags if f.startswith(("avx", "amx", "sse4", "fma", "asimd", "sve"))
        ),
    }


def machine() -> dict[str, object]:
    """What decides the last bits of training: CPU features, threads, and CPU-limiting settings."""
    return {
        **cpu_features(),
        "threads": thread_count(),
        "settings": {name: os.environ[name] for name in EMULATION_VARIABLES if name in os.environ},
    }
