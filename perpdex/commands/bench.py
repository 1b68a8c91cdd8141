"""`perpdex bench`: list and run the benchmarks in ``bench/`` (same as ``make bench``)."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

import typer
from rich.console import Console

app = typer.Typer(help="List and run the benchmarks in bench/.", no_args_is_help=True)

BENCH_DIR = Path(__file__).resolve().parents[2] / "bench"


def _benchmarks() -> list[Path]:
    return sorted(BENCH_DIR.glob("bench_*.py")) if BENCH_DIR.is_dir() else []


@app.command("list")
def list_benchmarks() -> None:
    """List available benchmarks."""
    console = Console()
    found = _benchmarks()
    if not found:
        console.print("no benchmarks found (bench/ is part of the source tree, not the wheel)")
        raise typer.Exit(1)
    for path in found:
        console.print(path.stem.removeprefix("bench_"))


@app.command("run")
def run_benchmark(name: str, args: list[str] = typer.Argument(None)) -> None:
    """Run one benchmark by name (e.g. ``order_book``), passing extra arguments through."""
    path = BENCH_DIR / f"bench_{name}.py"
    if not path.is_file():
        known = ", ".join(p.stem.removeprefix("bench_") for p in _benchmarks())
        raise typer.BadParameter(f"unknown benchmark {name!r}; known: {known}")
    sys.argv = [str(path), *(args or [])]
    runpy.run_path(str(path), run_name="__main__")
