"""Stark signing: the starknet-crypto-py drop-in per operation, and a whole paradex-py order
signature with and without ``starknet_crypto_py_compat.accelerate_starknet_py()``.

When a Python with the Rust original is available (``--reference-python``, default
$STARK_REF_PYTHON or /tmp/sc310/bin/python: CPython 3.10 + starknet-crypto-py 0.2.0, and
paradex-py for the order figure) this same file runs there as a worker (``--worker``) so both
sides are measured by one code path. The worker mode uses only the standard library and the
packages under test, so it runs on 3.10.

    python -m bench.bench_stark_signing [--quick] [--reference-python PATH | --no-reference]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve()
VECTORS = HERE.parents[1] / "compat" / "starknet-crypto-py" / "tests" / "vectors.json"
DEFAULT_REFERENCE = os.environ.get("STARK_REF_PYTHON", "/tmp/sc310/bin/python")
N = 0x0800000000000010FFFFFFFFFFFFFFFFB781126DCAE7B2321E66A241ADC64D2F


def per_call_us(fn: Callable[[], Any], number: int, repeat: int) -> dict[str, float]:
    """Best and median over `repeat` runs of `number` calls, in µs per call."""
    fn()
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        runs.append((time.perf_counter() - start) / number * 1e6)
    return {"best_us": round(min(runs), 2), "median_us": round(statistics.median(runs), 2)}


def measure_ops(quick: bool) -> dict[str, Any]:
    import starknet_crypto_py as scp

    scale = 5 if quick else 1
    rng = random.Random(42)
    key, msg = rng.randrange(1, N), rng.randrange(2**251)
    a, b = rng.randrange(2**251), rng.randrange(2**251)
    pub = scp.get_public_key(key)
    r, s = scp.sign(key, msg, 32)
    ops: dict[str, Any] = {
        "sign": per_call_us(lambda: scp.sign(key, msg, 32), 2000 // scale, 5),
        "get_public_key": per_call_us(lambda: scp.get_public_key(key), 2000 // scale, 5),
        "verify": per_call_us(lambda: scp.verify(pub, msg, r, s), 300 // scale, 5),
        "pedersen_hash": per_call_us(lambda: scp.pedersen_hash(a, b), 5000 // scale, 5),
    }
    try:
        from starknet_crypto_py_compat import backend, curve, ecdsa
    except ImportError:
        return {"implementation": "reference (Rust)", "ops": ops}
    int_arith = curve.Arith(use_gmpy=False)
    ops["sign_python_ints"] = per_call_us(lambda: ecdsa.sign(int_arith, key, msg, 32), 1000 // scale, 5)
    ops["pedersen_pure_python"] = per_call_us(lambda: backend.PURE_PEDERSEN(a, b), 500 // scale, 5)
    if importlib.util.find_spec("crypto_cpp_py") is not None:  # starknet-py's own Pedersen
        from crypto_cpp_py.cpp_bindings import cpp_hash

        ops["pedersen_crypto_cpp_py"] = per_call_us(lambda: cpp_hash(a, b), 2000 // scale, 5)
    return {"implementation": "drop-in", "backends": backend.describe(), "ops": ops}


class OrderSigner:
    """A paradex-py ParadexAccount built offline from the vectors' made-up config, signing a
    stream of distinct orders (nothing repeats, so no memoised hash chain flatters a run)."""

    def __init__(self) -> None:
        from paradex_py.account.account import ParadexAccount
        from paradex_py.api.models import SystemConfig
        from paradex_py.common.order import Order, OrderSide, OrderType

        data = json.loads(VECTORS.read_text())["paradex"]
        self.account = ParadexAccount(config=SystemConfig(**data["config"]), l1_address=data["l1_address"],
                                      l2_private_key=data["l2_private_key"])
        self._order, self._side, self._type = Order, OrderSide, OrderType
        self._counter = 0

    def orders(self, count: int) -> list[Any]:
        out = []
        for _ in range(count):
            self._counter += 1
            out.append(self._order(
                market="ETH-USD-PERP", order_type=self._type.Limit,
                order_side=self._side.Buy if self._counter % 2 else self._side.Sell,
                size=Decimal("0.5") + Decimal(self._counter % 97) / 100,
                limit_price=Decimal("3000.1") + self._counter,
                signature_timestamp=1_700_000_000_000 + self._counter))
        return out

    def ms_per_order(self, count: int, repeat: int) -> dict[str, float]:
        sign = self.account.sign_order
        runs = []
        for _ in range(repeat):
            batch = self.orders(count)
            start = time.perf_counter()
            for order in batch:
                sign(order)
            runs.append((time.perf_counter() - start) / count * 1e3)
        return {"best_ms": round(min(runs), 3), "median_ms": round(statistics.median(runs), 3)}


def measure_orders(quick: bool) -> dict[str, Any]:
    try:
        signer = OrderSigner()
    except ImportError as exc:
        return {"skipped": f"paradex-py not importable: {exc}"}
    count, repeat = (50, 3) if quick else (200, 5)
    signer.ms_per_order(10, 1)  # warm-up: imports, tables
    result: dict[str, Any] = {"orders_per_run": count, "plain": signer.ms_per_order(count, repeat)}
    try:
        import starknet_crypto_py_compat as compat
    except ImportError:
        return result
    if compat.accelerate_starknet_py():
        try:
            signer.ms_per_order(10, 1)
            result["accelerated"] = signer.ms_per_order(count, repeat)
        finally:
            compat.restore_starknet_py()
    return result


def measure(quick: bool) -> dict[str, Any]:
    return {"python": sys.version.split()[0], **measure_ops(quick), "paradex_order": measure_orders(quick)}


def measure_reference(python: str, quick: bool) -> dict[str, Any]:
    if not Path(python).exists():
        return {"skipped": f"{python} not found (see docs/PERFORMANCE.md for the figures measured by hand)"}
    args = [python, str(HERE), "--worker"] + (["--quick"] if quick else [])
    proc = subprocess.run(args, capture_output=True, text=True, timeout=900, check=False)
    if proc.returncode != 0:
        return {"skipped": f"reference worker failed: {proc.stderr.strip().splitlines()[-1:]}"}
    figures: dict[str, Any] = json.loads(proc.stdout)
    if figures.get("implementation") != "reference (Rust)":
        return {"skipped": f"{python} does not have the Rust starknet-crypto-py"}
    return figures


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer iterations")
    parser.add_argument("--worker", action="store_true", help="measure this interpreter, print JSON")
    parser.add_argument("--reference-python", default=DEFAULT_REFERENCE)
    parser.add_argument("--no-reference", action="store_true")
    opts = parser.parse_args(argv)
    if opts.worker:
        figures = measure(opts.quick)
        print(json.dumps(figures))
        return figures
    from bench._common import write_result

    figures = {"drop_in": measure(opts.quick)}
    if not opts.no_reference:
        figures["reference"] = measure_reference(opts.reference_python, opts.quick)
    write_result("stark_signing", figures)
    return figures


if __name__ == "__main__":
    main(sys.argv[1:])
