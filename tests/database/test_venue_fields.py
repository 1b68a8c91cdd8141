"""Credential fields per venue: env variables, prompts, format and key-derivation checks.

Every rejection must name the field (and its variable) and must not echo the value.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Callable

import pytest
from pydantic import SecretStr

from database.errors import CredentialValidationError
from database.venue_fields import (
    SETTING_FIELDS,
    all_env_vars,
    build_config,
    credential_fields,
    prompt_fields,
    secret_fields,
    split_config,
    values_from_env,
)
from helpers.venue_config import VENUE_CONFIGS, Environment, VenueConfig

VENUES = sorted(VENUE_CONFIGS)
SampleValues = Callable[[str], dict[str, str]]


def _rejects(venue: str, values: dict[str, str], field: str, env_var: str | None = None
             ) -> CredentialValidationError:
    with pytest.raises(CredentialValidationError) as info:
        build_config(venue, values)
    err = info.value
    message = str(err)
    assert field in {p.field for p in err.problems} or field in message, message
    if env_var:
        assert env_var in message
    for value in values.values():
        if len(value) >= 8:
            assert value not in message, f"value echoed in: {message}"
            assert value.removeprefix("0x") not in message
    return err


@pytest.mark.parametrize("venue", VENUES)
def test_valid_values_build_the_venue_config(venue: str, sample_values: SampleValues) -> None:
    config = build_config(venue, sample_values(venue))
    assert isinstance(config, VENUE_CONFIGS[venue])
    for name in secret_fields(venue):
        value = getattr(config, name)
        assert value is None or isinstance(value, SecretStr)
        assert value is None or value.get_secret_value() not in repr(config)


@pytest.mark.parametrize("venue", VENUES)
def test_fields_table_agrees_with_the_config_models(venue: str) -> None:
    model = VENUE_CONFIGS[venue]
    names = {f.name for f in credential_fields(venue)}
    assert names == set(model.model_fields) - set(VenueConfig.model_fields)
    for spec in prompt_fields(venue):
        assert spec.name in names
        assert spec.secret == (spec.name in secret_fields(venue))
    # every required field is asked for
    assert {f.name for f in credential_fields(venue) if f.required} <= {
        f.name for f in prompt_fields(venue)}


def test_env_variable_names_are_the_documented_ones() -> None:
    expected = {
        "LIGHTER_ACCOUNT_INDEX", "LIGHTER_API_KEY_INDEX", "LIGHTER_API_PRIVATE_KEY",
        "PARADEX_L1_ADDRESS", "PARADEX_L1_PRIVATE_KEY", "PARADEX_L2_PRIVATE_KEY", "PARADEX_ENV",
        "ASTER_USER", "ASTER_SIGNER", "ASTER_SIGNER_PRIVATE_KEY", "ASTER_API_KEY", "ASTER_SECRET_KEY",
        "BACKPACK_PUBLIC_KEY", "BACKPACK_SECRET_KEY", "HYPERLIQUID_ADDRESS",
        "HYPERLIQUID_AGENT_PRIVATE_KEY",
    }
    every = {v for venue in VENUES for v in all_env_vars(venue)}
    assert expected <= every


@pytest.mark.parametrize("venue", VENUES)
def test_env_example_lists_every_variable(venue: str) -> None:
    from pathlib import Path

    example = (Path(__file__).resolve().parents[2] / ".env.example").read_text()
    for name in all_env_vars(venue):
        assert f"{name}=" in example, name
    for name in ("DATABASE_URL", "PERPDEX_DATA_DIR", "PERPDEX_MASTER_KEY", "PERPDEX_MASTER_KEY_FILE"):
        assert f"{name}=" in example, name


def test_values_from_env_reads_settings_and_aliases(sample_values: SampleValues) -> None:
    values = sample_values("paradex")
    env = {f"PARADEX_{k.upper()}": v for k, v in values.items()} | {"PARADEX_ENV": "prod",
                                                                     "OTHER": "x"}
    got = values_from_env("paradex", env)
    assert got == {**values, "environment": "prod"}
    config = build_config("paradex", got)
    assert config.environment is Environment.MAINNET


def test_aster_auth_is_inferred_from_the_variables_present(sample_values: SampleValues) -> None:
    token = secrets.token_hex(32)
    assert values_from_env("aster", {"ASTER_API_KEY": token, "ASTER_SECRET_KEY": token})["auth"] == "v1"
    v3 = {f"ASTER_{k.upper()}": v for k, v in sample_values("aster").items()}
    assert values_from_env("aster", v3)["auth"] == "v3"
    config = build_config("aster", {"auth": "v1", "api_key": token, "secret_key": token})
    assert config.auth == "v1"  # type: ignore[attr-defined]


def test_malformed_hex_key_is_rejected_with_field_and_variable(sample_values: SampleValues) -> None:
    values = sample_values("lighter") | {"api_private_key": "ab" * 12}
    err = _rejects("lighter", values, "api_private_key", "LIGHTER_API_PRIVATE_KEY")
    assert "40 bytes" in str(err)
    _rejects("lighter", sample_values("lighter") | {"api_private_key": "zz" * 40}, "api_private_key")


def test_missing_field_is_named_with_its_variable(sample_values: SampleValues) -> None:
    values = sample_values("lighter")
    del values["api_key_index"]
    err = _rejects("lighter", values, "api_key_index", "LIGHTER_API_KEY_INDEX")
    assert "required" in str(err)


def test_non_integer_index_is_rejected(sample_values: SampleValues) -> None:
    _rejects("lighter", sample_values("lighter") | {"account_index": "seven"}, "account_index")


def test_bad_address_is_rejected(sample_values: SampleValues) -> None:
    _rejects("hyperliquid", sample_values("hyperliquid") | {"address": "0x1234"}, "address",
             "HYPERLIQUID_ADDRESS")


def test_out_of_range_secp256k1_key_is_rejected(sample_values: SampleValues) -> None:
    _rejects("hyperliquid", sample_values("hyperliquid") | {"agent_private_key": "0x" + "ff" * 32},
             "agent_private_key")
    _rejects("hyperliquid", sample_values("hyperliquid") | {"agent_private_key": "0x" + "00" * 32},
             "agent_private_key")


def test_paradex_l1_key_must_derive_the_l1_address(sample_values: SampleValues) -> None:
    values = sample_values("paradex")
    values["l1_address"] = sample_values("paradex")["l1_address"]  # another wallet's address
    err = _rejects("paradex", values, "l1_private_key")
    assert "does not derive l1_address" in str(err)


def test_paradex_needs_one_private_key(sample_values: SampleValues) -> None:
    values = sample_values("paradex")
    del values["l1_private_key"]
    assert "l1_private_key or l2_private_key" in str(_rejects("paradex", values, "l2_private_key"))
    ok = build_config("paradex", values | {"l2_private_key": "0x" + secrets.token_hex(31)})
    assert ok.l2_private_key is not None  # type: ignore[attr-defined]
    _rejects("paradex", values | {"l2_private_key": "0x" + "f" * 64}, "l2_private_key")


def test_aster_signer_key_must_derive_the_signer(sample_values: SampleValues) -> None:
    values = sample_values("aster")
    values["signer"] = values["user"]
    assert "does not derive signer" in str(_rejects("aster", values, "signer_private_key"))


def test_aster_v1_tokens_are_checked() -> None:
    _rejects("aster", {"auth": "v1", "api_key": "short", "secret_key": secrets.token_hex(32)},
             "api_key", "ASTER_API_KEY")
    _rejects("aster", {"auth": "v1", "api_key": secrets.token_hex(32)}, "secret_key")


def test_backpack_secret_must_derive_the_public_key(sample_values: SampleValues) -> None:
    values = sample_values("backpack")
    values["public_key"] = sample_values("backpack")["public_key"]
    assert "does not derive public_key" in str(_rejects("backpack", values, "secret_key"))
    bad_length = base64.b64encode(b"x" * 31).decode()
    _rejects("backpack", sample_values("backpack") | {"secret_key": bad_length}, "secret_key",
             "BACKPACK_SECRET_KEY")


def test_unknown_field_and_bad_environment_are_named(sample_values: SampleValues) -> None:
    _rejects("backpack", sample_values("backpack") | {"passphrase": "x" * 20}, "passphrase")
    _rejects("lighter", sample_values("lighter") | {"environment": "staging"}, "environment",
             "LIGHTER_ENV")
    err = _rejects("backpack", sample_values("backpack") | {"environment": "testnet"}, "environment")
    assert "rest_url" in str(err)  # Backpack has no testnet: a URL must be given
    ok = build_config("backpack", sample_values("backpack") | {
        "environment": "testnet", "rest_url": "http://127.0.0.1:9/", "ws_url": "ws://127.0.0.1:9"})
    assert ok.rest_url == "http://127.0.0.1:9"


def test_split_config_keeps_secrets_apart(sample_values: SampleValues) -> None:
    values = sample_values("hyperliquid")
    config = build_config("hyperliquid", values | {"rest_url": "http://127.0.0.1:8080"})
    settings, secret_values = split_config(config)
    assert secret_values == {"agent_private_key": values["agent_private_key"]}
    assert settings == {"address": values["address"], "rest_url": "http://127.0.0.1:8080",
                        "environment": "mainnet"}
    assert set(SETTING_FIELDS) >= {"environment", "rest_url", "ws_url"}
