from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import BaseModel, SecretStr, ValidationError

from helpers.config import ConfigError, load_config, read_env_file, substitute_env
from helpers.decimal import decimal_str, to_decimal
from helpers.time import ensure_utc, from_ms, from_us, to_ms, to_us
from helpers.venue_config import (
    AsterConfig,
    BackpackConfig,
    Environment,
    HyperliquidConfig,
    LighterConfig,
    LighterPublicConfig,
    ParadexConfig,
    config_class_for,
)


class Strategy(BaseModel):
    venue: str
    max_notional: Decimal
    api_key: SecretStr


def test_env_substitution_with_defaults_and_missing_names() -> None:
    env = {"A": "1"}
    assert substitute_env({"x": ["${A}", "${B:-two}"]}, env) == {"x": ["1", "two"]}
    with pytest.raises(ConfigError, match="MISSING"):
        substitute_env("${MISSING}", env)


def test_load_config_validates_and_never_echoes_values(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("venue: lighter\nmax_notional: ${CAP}\napi_key: ${KEY}\n")
    cfg = load_config(path, Strategy, env={"CAP": "1000.50", "KEY": "s3cr3t-value"})
    assert cfg.max_notional == Decimal("1000.50")
    assert "s3cr3t-value" not in repr(cfg)
    path.write_text("venue: lighter\nmax_notional: lots\napi_key: s3cr3t-value\n")
    with pytest.raises(ConfigError) as info:
        load_config(path, Strategy)
    assert "max_notional" in str(info.value) and "s3cr3t-value" not in str(info.value)


def test_malformed_yaml_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("a: 1\nb: [unclosed\n")
    with pytest.raises(ConfigError, match="line"):
        load_config(path, Strategy)
    path.write_text("- a list\n")
    with pytest.raises(ConfigError, match="mapping"):
        load_config(path, Strategy)


def test_env_file_parsing(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_text('# c\nexport A=1\nB="two words"\nC=3 # comment\n\n')
    assert read_env_file(path) == {"A": "1", "B": "two words", "C": "3"}
    path.write_text("not a pair\n")
    with pytest.raises(ConfigError, match=":1"):
        read_env_file(path)


def test_time_conversions_are_aware_and_exact() -> None:
    dt = from_ms(1_700_000_000_123)
    assert dt.tzinfo is UTC and to_ms(dt) == 1_700_000_000_123
    assert to_us(from_us(1_700_000_000_123_456)) == 1_700_000_000_123_456
    with pytest.raises(ValueError, match="naive"):
        ensure_utc(datetime(2025, 1, 1))  # noqa: DTZ001
    assert ensure_utc(datetime(2025, 1, 1, 2, tzinfo=timezone(timedelta(hours=2)))).hour == 0


def test_decimal_parsing_rejects_non_finite() -> None:
    assert to_decimal("1.10") == Decimal("1.10")
    assert to_decimal(0.1) == Decimal("0.1")
    for bad in ("nan", "inf", True, None, "x"):
        with pytest.raises(ValueError):
            to_decimal(bad)
    assert decimal_str(Decimal("1E+3")) == "1000" and decimal_str(Decimal("1.500")) == "1.5"


class TestVenueConfigs:
    def test_lighter_key_format_is_checked_and_field_named(self) -> None:
        with pytest.raises(ValidationError) as info:
            LighterConfig(account_index=1, api_key_index=3, api_private_key=SecretStr("abcd"))
        assert "api_private_key" in str(info.value)
        assert "abcd" not in str(info.value)

    def test_lighter_chain_id_and_urls(self) -> None:
        cfg = LighterConfig(account_index=1, api_key_index=3, api_private_key=SecretStr("ab" * 40),
                            environment=Environment.TESTNET)
        assert cfg.resolved_chain_id() == 300
        assert cfg.resolved_rest_url().startswith("https://testnet")
        local = LighterPublicConfig(rest_url="http://127.0.0.1:8000/", ws_url="ws://127.0.0.1:8000/stream")
        assert local.resolved_rest_url() == "http://127.0.0.1:8000" and local.is_local

    def test_bad_url_rejected(self) -> None:
        with pytest.raises(ValidationError):
            LighterPublicConfig(rest_url="ftp://x")

    def test_paradex_needs_a_key(self) -> None:
        with pytest.raises(ValidationError, match="l1_private_key or l2_private_key"):
            ParadexConfig(l1_address="0x" + "11" * 20)

    def test_aster_v3_and_v1_requirements(self) -> None:
        with pytest.raises(ValidationError, match="signer_private_key"):
            AsterConfig(user="0x" + "11" * 20, signer="0x" + "22" * 20)
        AsterConfig(auth="v1", api_key=SecretStr("k" * 64), secret_key=SecretStr("s" * 64))

    def test_backpack_keys_are_32_byte_base64(self) -> None:
        import base64

        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        key = Ed25519PrivateKey.generate()
        secret = base64.b64encode(key.private_bytes_raw()).decode()
        public = base64.b64encode(key.public_key().public_bytes_raw()).decode()
        BackpackConfig(public_key=public, secret_key=SecretStr(secret))
        with pytest.raises(ValidationError, match="32 bytes"):
            BackpackConfig(public_key=base64.b64encode(b"x" * 16).decode(), secret_key=SecretStr(secret))

    def test_hyperliquid_address_format(self) -> None:
        with pytest.raises(ValidationError, match="address"):
            HyperliquidConfig(address="0x123", agent_private_key=SecretStr("ab" * 32))

    def test_config_class_lookup(self) -> None:
        assert config_class_for("Lighter") is LighterConfig
        with pytest.raises(ValueError, match="unknown venue"):
            config_class_for("ftx")

    def test_configs_are_frozen_and_strict(self) -> None:
        cfg = LighterPublicConfig()
        with pytest.raises(ValidationError):
            cfg.rest_url = "http://x"  # type: ignore[misc]
        with pytest.raises(ValidationError):
            LighterPublicConfig(unknown_field=1)  # type: ignore[call-arg]
