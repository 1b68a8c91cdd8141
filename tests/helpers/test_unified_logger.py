from __future__ import annotations

import io
import json
import logging
from pathlib import Path

import pytest

from helpers.unified_logger import REDACTED, get_logger, redact, register_secret, setup_logging

HEX_KEY = "0x" + "4f3edf983ac636a65a842ce7c78d9aa706d3b113bce9c46f30d7d21715b23b1d"
LIGHTER_KEY = "a1" * 40
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NSJ9.c2lnbmF0dXJlc2lnbmF0dXJl"
ED25519_B64 = "nFqv5GsVf0K3rYgC8Ue4Xh2m2kq0GvS5J1bLcXlKq1A="


@pytest.mark.parametrize("text", [
    f"private key {HEX_KEY}",
    f"signing with {LIGHTER_KEY}",
    f"Authorization: Bearer {JWT}",
    f"jwt={JWT}",
    f"secret_key={ED25519_B64}",
    '{"api_secret": "hunter2hunter2"}',
    "auth token 1767225600:42:3:" + "ab" * 40,
    f"X-Signature: {ED25519_B64}",
])
def test_secrets_are_redacted(text: str) -> None:
    out = redact(text)
    assert REDACTED in out
    for secret in (HEX_KEY, HEX_KEY[2:], LIGHTER_KEY, JWT, ED25519_B64, "hunter2hunter2"):
        assert secret not in out


def test_public_values_survive() -> None:
    text = "order 123 BTC 65000.5 address 0x" + "12" * 20 + " market_id=1"
    assert redact(text) == text


def test_registered_secret_of_any_shape_is_redacted() -> None:
    register_secret("weird-shaped_secret!value")
    assert "weird-shaped_secret!value" not in redact("oops weird-shaped_secret!value leaked")


def test_logger_redacts_arguments_extras_and_exceptions_for_any_handler(
        caplog: pytest.LogCaptureFixture) -> None:
    log = get_logger("test", venue="lighter")
    caplog.set_level(logging.DEBUG, logger="perpdex")
    log.info("key is %s", HEX_KEY, extra={"headers": {"X-API-Key": ED25519_B64}})
    try:
        raise ValueError(f"bad key {HEX_KEY}")
    except ValueError:
        log.exception("failed")
    text = caplog.text + repr([r.__dict__ for r in caplog.records])
    assert HEX_KEY[2:] not in text
    assert ED25519_B64 not in text
    assert caplog.records[0].venue == "lighter"


def test_setup_logging_console_and_json_lines(tmp_path: Path) -> None:
    stream = io.StringIO()
    path = tmp_path / "log.jsonl"
    setup_logging("DEBUG", json_path=path, stream=stream)
    try:
        log = get_logger("orders", venue="aster")
        log.warning("placing with secret_key=%s", "topsecretvalue123")
        logging.getLogger("perpdex.thirdparty").warning("raw %s", JWT)
    finally:
        for handler in list(logging.getLogger("perpdex").handlers):
            handler.flush()
    console = stream.getvalue()
    lines = [json.loads(x) for x in path.read_text().splitlines()]
    assert "[aster] orders: placing" in console
    assert "topsecretvalue123" not in console and JWT not in console
    assert lines[0]["venue"] == "aster" and lines[0]["level"] == "WARNING"
    assert all("topsecretvalue123" not in json.dumps(x) and JWT not in json.dumps(x) for x in lines)
    setup_logging("WARNING", console=False)  # handlers replaced, file closed
    assert len(logging.getLogger("perpdex").handlers) == 0
