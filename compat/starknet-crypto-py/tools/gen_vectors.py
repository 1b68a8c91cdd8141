"""Generate reference vectors from the REAL starknet-crypto-py 0.2 (Rust) on CPython 3.10.

    /root/.pyenv/versions/3.10.13/bin/python -m venv /tmp/sc310
    /tmp/sc310/bin/pip install 'starknet-crypto-py==0.2.*' paradex-py==0.8.2  # paradex-py: optional
    /tmp/sc310/bin/python compat/starknet-crypto-py/tools/gen_vectors.py \
        > compat/starknet-crypto-py/tests/vectors.json

Deterministic (fixed RNG seed), so a rerun reproduces the committed file byte for byte.
Inputs on which the Rust library aborts the process are probed in child processes and
recorded under "aborts"; inputs it answers but the drop-in refuses on purpose (private keys
outside [1, N)) are recorded with the reference's answer under "refused".
Numbers are written as hex strings.
"""

from __future__ import annotations

import json
import platform
import random
import subprocess
import sys
from importlib import metadata
from typing import Any

try:
    import starknet_crypto_py as ref
except ImportError:
    sys.exit("install the reference first: pip install 'starknet-crypto-py==0.2.*' (CPython 3.10)")

P = 2**251 + 17 * 2**192 + 1
N = 0x0800000000000010FFFFFFFFFFFFFFFFB781126DCAE7B2321E66A241ADC64D2F
BETA = 0x06F21413EFBE40DE150E596D72F7A8C5609AD26C15C915C1F4CDFCB99CEE9E89
UPPER = 2**251
RNG_SEED = 20240611


def h(x: int) -> str:
    return hex(x)


def rand_bits(rng: random.Random, bits: int) -> int:
    """A value with exactly `bits` significant bits (0 for bits == 0)."""
    if bits == 0:
        return 0
    return (1 << (bits - 1)) | rng.getrandbits(bits - 1)


def rand_key(rng: random.Random) -> int:
    return rng.randrange(1, N)


def on_curve_x(x: int) -> bool:
    rhs = (x * x * x + x + BETA) % P
    return rhs == 0 or pow(rhs, (P - 1) // 2, P) == 1


def sign_vectors(rng: random.Random) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []

    def add(priv: int, msg: int, seed: int) -> None:
        r, s = ref.sign(private_key=priv, msg_hash=msg, seed=seed)
        out.append({"private_key": h(priv), "msg_hash": h(msg), "seed": h(seed), "r": h(r), "s": h(s)})

    # Edge grid: extreme keys x hash bit lengths 244..251 x seeds (0 adds no entropy, 32 is
    # paradex-py's default, P - 1 is the largest accepted).
    for priv in (1, 2, N - 1, N - 2, rand_key(rng)):
        for bits in range(244, 252):
            for seed in (0, 1, 32, 123, P - 1, rng.getrandbits(64)):
                add(priv, rand_bits(rng, bits), seed)
    # Every hash bit length 0..251 once, with random keys and paradex's seed.
    for bits in range(252):
        add(rand_key(rng), rand_bits(rng, bits), 32)
    # Special hashes.
    for msg in (0, 1, UPPER - 1, 2**250, N % UPPER):
        add(rand_key(rng), msg, 32)
    # Random cases; some seeds with leading zero bytes, some wide.
    for _ in range(400):
        seed = rng.choice((32, rng.getrandbits(8), rng.getrandbits(128), rng.randrange(P)))
        add(rand_key(rng), rng.randrange(UPPER), seed)
    return out


def public_key_vectors(rng: random.Random) -> list[dict[str, str]]:
    keys = [1, 2, 3, 4, 5, 12, 18, N - 1, N - 2, N - 3, (N - 1) // 2, (N + 1) // 2, UPPER - 1, UPPER]
    keys += [1 << i for i in range(0, 251, 5)]
    keys += [rand_key(rng) for _ in range(250)]
    return [{"private_key": h(k), "public_key": h(ref.get_public_key(k))} for k in keys]


def pedersen_vectors(rng: random.Random) -> list[dict[str, str]]:
    specials = [0, 1, 2, 2**248 - 1, 2**248, 2**248 + 1, 2**250, 2**251, P - 1, P - 2, UPPER - 1,
                7 << 248, (P - 1) & (2**248 - 1)]
    pairs = [(a, b) for a in specials for b in specials[::2]]
    pairs += [(rng.randrange(P), rng.randrange(P)) for _ in range(300)]
    pairs += [(rand_bits(rng, rng.randrange(253)) % P, rand_bits(rng, rng.randrange(253)) % P)
              for _ in range(100)]
    return [{"a": h(a), "b": h(b), "hash": h(ref.pedersen_hash(a, b))} for a, b in pairs]


def verify_vectors(rng: random.Random) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []

    def add(pub: int, msg: int, r: int, s: int, note: str) -> None:
        # Only inputs the reference answers (it aborts on the rest, probed separately).
        if not (0 <= msg < UPPER and 0 < r < UPPER and 0 < s < UPPER and pub < P and on_curve_x(pub)):
            return
        if pow(s, -1, N) >= UPPER:
            return
        ok = ref.verify(public_key=pub, msg_hash=msg, r=r, s=s)
        out.append({"public_key": h(pub), "msg_hash": h(msg), "r": h(r), "s": h(s), "valid": ok,
                    "note": note})

    for i in range(60):
        priv = rand_key(rng) if i else 1
        pub = ref.get_public_key(priv)
        msg = rand_bits(rng, rng.choice((1, 8, 64, 244, 248, 250, 251)))
        r, s = ref.sign(private_key=priv, msg_hash=msg, seed=rng.getrandbits(32))
        add(pub, msg, r, s, "valid")
        add(pub, (msg + 1) % UPPER, r, s, "other hash")
        add(pub, msg, r, (s + 1) % UPPER or 1, "s + 1")
        add(pub, msg, s, r, "r and s swapped")
        add(ref.get_public_key(priv % (N - 1) + 1), msg, r, s, "other key")
        add(pub, msg, r, N - s if N - s < UPPER else s, "s negated mod N")
    # A hash of 0: the reference adds its (0, 0) stand-in for 0·G like a real point.
    for _ in range(8):
        priv = rand_key(rng)
        r, s = ref.sign(private_key=priv, msg_hash=0, seed=32)
        add(ref.get_public_key(priv), 0, r, s, "hash 0 (reference quirk)")
    # Random public keys on the curve with random r, s.
    while sum(1 for v in out if v["note"] == "random") < 20:
        add(rng.randrange(P), rng.randrange(UPPER), rng.randrange(1, UPPER), rng.randrange(1, UPPER),
            "random")
    return out


def string_vectors(rng: random.Random) -> list[dict[str, Any]]:
    """The rs_* string API: hex parsing of from_hex_be, decimal results."""
    priv = rand_key(rng)
    texts = [hex(priv), hex(priv)[2:], hex(priv).upper().replace("0X", "0x"), "0x0x" + hex(priv)[2:],
             "0x" + hex(priv)[2:].rjust(64, "0"), "7", "", "0x"]
    out: list[dict[str, Any]] = []
    for t in texts:
        if t in ("", "0x"):  # key 0: refused on purpose by the drop-in, probed below
            continue
        out.append({"fn": "rs_get_public_key", "args": [t], "result": ref.rs_get_public_key(t)})
    out.append({"fn": "rs_pedersen_hash", "args": ["", "0x1"], "result": ref.rs_pedersen_hash("", "0x1")})
    out.append({"fn": "rs_pedersen_hash", "args": ["0xABC", "def"],
                "result": ref.rs_pedersen_hash("0xABC", "def")})
    sig = ref.rs_sign(hex(priv), "0x1234", "0x20")
    out.append({"fn": "rs_sign", "args": [hex(priv), "0x1234", "0x20"], "result": list(sig)})
    pub = ref.rs_get_public_key(hex(priv))
    out.append({"fn": "rs_verify", "args": [hex(int(pub)), "0x1234", hex(int(sig[0])), hex(int(sig[1]))],
                "result": ref.rs_verify(hex(int(pub)), "0x1234", hex(int(sig[0])), hex(int(sig[1])))})
    return out


# A made-up Paradex system config: enough for ParadexAccount to derive its address and sign
# offline (nothing here is contacted). The chain id must be one paradex-py knows.
PARADEX_CONFIG = {
    "starknet_fullnode_rpc_url": "http://127.0.0.1:9/rpc/v0_7",
    "starknet_fullnode_rpc_base_url": "http://127.0.0.1:9",
    "starknet_chain_id": "PRIVATE_SN_PARACLEAR_MAINNET",
    "block_explorer_url": "http://127.0.0.1:9",
    "paraclear_address": "0x1",
    "paraclear_decimals": 8,
    "paraclear_account_proxy_hash": "0x3131",
    "paraclear_account_hash": "0x4242",
    "oracle_address": "0x2",
    "bridged_tokens": [],
    "l1_core_contract_address": "0x3",
    "l1_operator_address": "0x4",
    "l1_chain_id": "1",
    "liquidation_fee": "0.2",
}


def paradex_vectors(rng: random.Random) -> dict[str, Any] | None:
    """Whole Paradex signatures through paradex-py's own path (typed data → starknet-py
    hashing → starknet_crypto_py.sign), when paradex-py is installed beside the reference."""
    try:
        from decimal import Decimal

        from paradex_py.account.account import ParadexAccount
        from paradex_py.api.models import SystemConfig
        from paradex_py.common.order import Order, OrderSide, OrderType
    except ImportError:
        return None
    l2_key = rand_key(rng)
    account = ParadexAccount(config=SystemConfig(**PARADEX_CONFIG), l1_address="0x" + "11" * 20,
                             l2_private_key=hex(l2_key))
    orders = []
    for i in range(12):
        order: dict[str, Any] = {
            "market": rng.choice(["BTC-USD-PERP", "ETH-USD-PERP", "SOL-USD-PERP"]),
            "side": rng.choice(["BUY", "SELL"]),
            "type": rng.choice(["LIMIT", "MARKET"]),
            "size": str(Decimal(rng.randrange(1, 10**6)) / 1000),
            "price": str(Decimal(rng.randrange(1, 10**8)) / 100),
            "timestamp": 1_700_000_000_000 + rng.randrange(10**10),
            "order_id": str(rng.randrange(10**12)) if i % 4 == 3 else None,
        }
        obj = Order(market=order["market"], order_type=OrderType(order["type"]),
                    order_side=OrderSide(order["side"]), size=Decimal(order["size"]),
                    limit_price=Decimal(order["price"]) if order["type"] == "LIMIT" else Decimal(0),
                    signature_timestamp=order["timestamp"], order_id=order["order_id"])
        order["signature"] = account.sign_order(obj)
        orders.append(order)
    auth = [{"timestamp": ts, "expiry": ts + 86400, "signature": account.auth_signature(ts, ts + 86400)}
            for ts in (1_700_000_000, 1_800_000_000)]
    return {
        "config": PARADEX_CONFIG,
        "l1_address": "0x" + "11" * 20,
        "l2_private_key": hex(l2_key),
        "l2_public_key": hex(account.l2_public_key),
        "l2_address": hex(account.l2_address),
        "onboarding_signature": account.onboarding_signature(),
        "auth": auth,
        "orders": orders,
    }


# Calls probed in a child process: the Rust library aborts on these (SIGABRT).
ABORT_PROBES: list[tuple[str, list[Any]]] = [
    ("get_public_key", [P]), ("get_public_key", [-1]), ("get_public_key", [2**256]),
    ("sign", [1, UPPER, 32]), ("sign", [1, P - 1, 32]), ("sign", [1, -1, 32]), ("sign", [1, 5, P]),
    ("sign", [1, 5, -1]), ("sign", [P, 5, 32]), ("sign", [0, 0, 32]),
    ("pedersen_hash", [P, 0]), ("pedersen_hash", [0, P]), ("pedersen_hash", [-1, 0]),
    ("pedersen_hash", [2**256, 0]),
    ("verify", ["PUB7", UPPER, 1, 1]), ("verify", ["PUB7", 5, 0, 1]), ("verify", ["PUB7", 5, 1, 0]),
    ("verify", ["PUB7", 5, UPPER, 1]), ("verify", ["PUB7", 5, 1, UPPER]), ("verify", [0, 5, 1, 1]),
    ("verify", [P, 5, 1, 1]), ("verify", ["PUB7", -1, 1, 1]),
    ("rs_get_public_key", ["0X7"]), ("rs_get_public_key", ["0x" + "0" * 64 + "7"]),
    ("rs_get_public_key", ["0x7g"]), ("rs_pedersen_hash", [" 1", "1"]),
]
# Calls the reference answers but the drop-in refuses (ValueError) on purpose.
REFUSED_PROBES: list[tuple[str, list[Any]]] = [
    ("get_public_key", [0]), ("get_public_key", [N]), ("get_public_key", [N + 1]),
    ("get_public_key", [P - 1]), ("sign", [0, 5, 32]), ("sign", [N, 5, 32]), ("sign", [N + 1, 5, 32]),
    ("rs_get_public_key", [""]), ("rs_get_public_key", ["0x0"]),
]


def _resolve(args: list[Any]) -> list[Any]:
    return [ref.get_public_key(7) if a == "PUB7" else a for a in args]


def probe(fn: str, args: list[Any]) -> dict[str, Any]:
    code = f"import starknet_crypto_py as m\nprint(repr(m.{fn}(*{args!r})))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    shown = [hex(a) if isinstance(a, int) else a for a in args]
    if proc.returncode == 0:
        return {"fn": fn, "args": shown, "aborts": False, "reference_result": proc.stdout.strip()}
    return {"fn": fn, "args": shown, "aborts": proc.returncode < 0, "returncode": proc.returncode}


def main() -> None:
    rng = random.Random(RNG_SEED)
    doc: dict[str, Any] = {
        "generator": "compat/starknet-crypto-py/tools/gen_vectors.py",
        "reference": f"starknet-crypto-py {metadata.version('starknet-crypto-py')}",
        "python": platform.python_version(),
        "rng_seed": RNG_SEED,
        "sign": sign_vectors(rng),
        "public_key": public_key_vectors(rng),
        "pedersen": pedersen_vectors(rng),
        "verify": verify_vectors(rng),
        "strings": string_vectors(rng),
        "paradex": paradex_vectors(rng),
        "aborts": [probe(fn, _resolve(args)) for fn, args in ABORT_PROBES],
        "refused": [probe(fn, _resolve(args)) for fn, args in REFUSED_PROBES],
    }
    bad = [p for p in doc["aborts"] if not p["aborts"]] + [p for p in doc["refused"] if p["aborts"]]
    if bad:
        sys.exit(f"probe expectations not met: {bad}")
    write_compact(doc)


def write_compact(doc: dict[str, Any]) -> None:
    """JSON with one vector per line: reviewable diffs, a third of the indented size."""
    out = sys.stdout
    out.write("{\n")
    items = list(doc.items())
    for i, (key, value) in enumerate(items):
        tail = ",\n" if i < len(items) - 1 else "\n"
        if isinstance(value, list):
            out.write(f" {json.dumps(key)}: [\n")
            out.write(",\n".join("  " + json.dumps(v, separators=(",", ":")) for v in value))
            out.write("\n ]" + tail)
        else:
            out.write(f" {json.dumps(key)}: {json.dumps(value)}{tail}")
    out.write("}\n")


if __name__ == "__main__":
    main()
