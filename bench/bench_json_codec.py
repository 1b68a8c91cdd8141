"""Does a fast JSON codec pay? Decode/encode of venue-shaped messages: stdlib json vs orjson.

Messages: a Lighter-style order-book delta (a few levels as strings), an Aster depth diff, and a
200-level REST snapshot. Reported: messages/s per codec and the speed-up.
"""

from __future__ import annotations

import json
import random
import sys
import time
from typing import Any

import orjson

from bench._common import write_result


def _messages(seed: int) -> dict[str, bytes]:
    rng = random.Random(seed)

    def level() -> dict[str, str]:
        return {"price": f"{65000 + rng.randint(-500, 500) / 10:.1f}", "size": f"{rng.random():.5f}"}

    delta = {"channel": "order_book:1", "type": "update/order_book", "offset": 123456,
             "order_book": {"asks": [level() for _ in range(3)], "bids": [level() for _ in range(2)],
                            "nonce": 99887766, "begin_nonce": 99887765}, "timestamp": 1767225600123}
    diff = {"stream": "btcusdt@depth", "data": {"e": "depthUpdate", "E": 1767225600123, "T": 1767225600120,
            "s": "BTCUSDT", "U": 100, "u": 105, "pu": 99,
            "b": [[f"{65000 - i / 10:.1f}", f"{rng.random():.3f}"] for i in range(4)],
            "a": [[f"{65001 + i / 10:.1f}", f"{rng.random():.3f}"] for i in range(4)]}}
    snapshot = {"lastUpdateId": 100, "bids": [[f"{65000 - i / 10:.1f}", "1.000"] for i in range(200)],
                "asks": [[f"{65001 + i / 10:.1f}", "1.000"] for i in range(200)]}
    return {name: json.dumps(obj).encode() for name, obj in
            (("book_delta", delta), ("depth_diff", diff), ("snapshot_200", snapshot))}


def _rate(fn: Any, payload: Any, seconds: float) -> float:
    n, start = 0, time.perf_counter()
    while True:
        for _ in range(200):
            fn(payload)
        n += 200
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return n / elapsed


def main(argv: list[str] | None = None) -> dict[str, Any]:
    seconds = float(argv[0]) if argv else 0.5
    figures: dict[str, Any] = {}
    for name, raw in _messages(7).items():
        obj = json.loads(raw)
        dec_std, dec_or = _rate(json.loads, raw, seconds), _rate(orjson.loads, raw, seconds)
        enc_std, enc_or = _rate(json.dumps, obj, seconds), _rate(orjson.dumps, obj, seconds)
        figures[name] = {"bytes": len(raw),
                         "decode_per_s": {"json": round(dec_std), "orjson": round(dec_or)},
                         "decode_speedup": round(dec_or / dec_std, 2),
                         "encode_per_s": {"json": round(enc_std), "orjson": round(enc_or)},
                         "encode_speedup": round(enc_or / enc_std, 2)}
    write_result("json_codec", figures)
    return figures


if __name__ == "__main__":
    main(sys.argv[1:])
