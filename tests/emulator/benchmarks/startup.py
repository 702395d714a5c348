"""Benchmark: seconds from starting `ibmcloud-emulator --port 0` to its "listening on" line."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time


def once() -> float:
    began = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "ibmcloud_emulator.cli", "--port", "0", "--quiet"],
                               stdout=subprocess.PIPE, text=True)
    line = process.stdout.readline()
    elapsed = time.perf_counter() - began
    process.terminate()
    process.wait(5)
    if not line.startswith("listening on "):
        raise SystemExit(f"unexpected first line: {line!r}")
    return elapsed


def main(runs: int = 5) -> None:
    times = [once() for _ in range(runs)]
    print(f"startup over {runs} runs: median {statistics.median(times):.2f}s, max {max(times):.2f}s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
