"""``python -m bench`` (``make bench``): run every benchmark, each in its own process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    failures = []
    scripts = sorted(HERE.glob("bench_*.py"))
    only = set(sys.argv[1:])
    for script in scripts:
        name = script.stem.removeprefix("bench_")
        if only and name not in only:
            continue
        print(f"== {name}", flush=True)
        result = subprocess.run([sys.executable, "-m", f"bench.{script.stem}"], cwd=HERE.parent)
        if result.returncode != 0:
            failures.append(name)
    if failures:
        print(f"failed: {', '.join(failures)}", file=sys.stderr)
        return 1
    print(f"results in {HERE / 'results'}; figures recorded in docs/PERFORMANCE.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
