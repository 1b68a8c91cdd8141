"""Which fields each venue's credentials have, where they come from, and how they validate.

The config models (``helpers.venue_config``) are the single source of truth for types,
formats and which fields are secret (``SecretStr``). This module adds only what a person
typing credentials needs: the order of prompts, the environment variable of each field
(``<VENUE>_<FIELD>``, plus ``<VENUE>_ENV``, ``<VENUE>_REST_URL``, ``<VENUE>_WS_URL``), and
validation errors that name the field and variable but never echo the value.
"""

from __future__ import annotations

import typing
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import SecretStr, ValidationError

from database.errors import CredentialValidationError, FieldProblem
from helpers.unified_logger import redact
from helpers.venue_config import VENUE_CONFIGS, Environment, VenueConfig

__all__ = ["FieldSpec", "SETTING_FIELDS", "credential_fields", "prompt_fields", "env_var",
           "secret_fields", "values_from_env", "build_config", "split_config", "all_env_vars",
           "check_venue", "parse_environment"]

#: non-secret settings stored with every credential (where the venue is)
SETTING_FIELDS = ("environment", "rest_url", "ws_url")

_ENV_ALIASES = {"mainnet": Environment.MAINNET, "prod": Environment.MAINNET,
                "production": Environment.MAINNET, "main": Environment.MAINNET,
                "testnet": Environment.TESTNET, "test": Environment.TESTNET}

# The fields a person is asked for, in order; optional ones may be left blank. Aster asks
# for its auth scheme first and then only that scheme's fields.
_PROMPTS: dict[str, tuple[str, ...]] = {
    "lighter": ("account_index", "api_key_index", "api_private_key"),
    "paradex": ("l1_address", "l1_private_key", "l2_private_key"),
    "backpack": ("public_key", "secret_key"),
    "hyperliquid": ("address", "agent_private_key", "vault_address"),
}
_ASTER_BY_AUTH = {"v3": ("user", "signer", "signer_private_key"), "v1": ("api_key", "secret_key")}
_HELP: dict[str, str] = {
    "account_index": "account index (integer)",
    "api_key_index": "API key index (0-254)",
    "api_private_key": "API private key (40 bytes hex)",
    "l1_address": "L1 (Ethereum) address, 0x…",
    "l1_private_key": "L1 private key (32 bytes hex); blank to use an L2 key",
    "l2_private_key": "L2 Stark private key (hex); blank if the L1 key is given",
    "user": "main account address, 0x…",
    "signer": "API wallet (signer) address, 0x…",
    "signer_private_key": "API wallet private key (32 bytes hex)",
    "api_key": "legacy V1 API key",
    "secret_key": "secret key",
    "public_key": "ED25519 public key (base64)",
    "address": "account address, 0x…",
    "agent_private_key": "API/agent wallet private key (32 bytes hex)",
    "vault_address": "vault or sub-account address (blank for none)",
    "auth": "auth scheme: v3 (API wallet) or v1 (legacy API key)",
}


@dataclass(frozen=True, slots=True)
class FieldSpec:
    venue: str
    name: str
    secret: bool
    required: bool

    @property
    def env_var(self) -> str:
        return env_var(self.venue, self.name)

    @property
    def help(self) -> str:
        if self.venue == "backpack" and self.name == "secret_key":
            return "ED25519 secret key / seed (base64)"
        return _HELP.get(self.name, self.name.replace("_", " "))


def check_venue(venue: str) -> type[VenueConfig]:
    try:
        return VENUE_CONFIGS[venue]
    except KeyError:
        raise CredentialValidationError(venue, [FieldProblem(
            "venue", f"unknown venue {venue!r}; known: {', '.join(sorted(VENUE_CONFIGS))}")]) from None


def env_var(venue: str, field: str) -> str:
    if field == "environment":
        return f"{venue.upper()}_ENV"
    return f"{venue.upper()}_{field.upper()}"


def _is_secret(annotation: Any) -> bool:
    return annotation is SecretStr or SecretStr in typing.get_args(annotation)


def secret_fields(venue: str) -> tuple[str, ...]:
    model = check_venue(venue)
    return tuple(n for n, f in model.model_fields.items() if _is_secret(f.annotation))


def credential_fields(venue: str) -> tuple[FieldSpec, ...]:
    """Every field of the venue's config beyond the common endpoint/tuning fields."""
    model = check_venue(venue)
    secrets = set(secret_fields(venue))
    return tuple(FieldSpec(venue, name, name in secrets, info.is_required())
                 for name, info in model.model_fields.items()
                 if name not in VenueConfig.model_fields)


def prompt_fields(venue: str, *, aster_auth: str = "v3") -> tuple[FieldSpec, ...]:
    """The fields to ask a person for (Aster: those of the chosen auth scheme)."""
    by_name = {f.name: f for f in credential_fields(venue)}
    names = _ASTER_BY_AUTH[aster_auth] if venue == "aster" else _PROMPTS[venue]
    if venue == "aster":
        # required by the chosen scheme although optional in the model as a whole
        return tuple(FieldSpec(venue, n, by_name[n].secret, True) for n in names)
    return tuple(by_name[n] for n in names)


def all_env_vars(venue: str) -> tuple[str, ...]:
    names = [f.name for f in credential_fields(venue)] + list(SETTING_FIELDS)
    return tuple(env_var(venue, n) for n in names)


def parse_environment(value: str) -> Environment:
    try:
        return _ENV_ALIASES[value.strip().lower()]
    except KeyError:
        raise ValueError("must be mainnet or testnet (prod/production/test accepted)") from None


def values_from_env(venue: str, env: Mapping[str, str]) -> dict[str, str]:
    """Raw values of ``venue``'s variables present (and non-empty) in ``env``."""
    check_venue(venue)
    values = {}
    for name in [f.name for f in credential_fields(venue)] + list(SETTING_FIELDS):
        raw = env.get(env_var(venue, name), "").strip()
        if raw:
            values[name] = raw
    if venue == "aster" and "auth" not in values:
        v1_only = ("api_key" in values or "secret_key" in values) and not any(
            n in values for n in _ASTER_BY_AUTH["v3"])
        values["auth"] = "v1" if v1_only else "v3"
    return values


def build_config(venue: str, values: Mapping[str, Any]) -> VenueConfig:
    """Validate ``values`` into ``venue``'s config model.

    Raises :class:`CredentialValidationError` listing each rejected field with its variable
    and reason; values are never part of the message.
    """
    model = check_venue(venue)
    data = {k: v for k, v in values.items() if v is not None and v != ""}
    problems: list[FieldProblem] = []
    if "environment" in data and not isinstance(data["environment"], Environment):
        try:
            data["environment"] = parse_environment(str(data["environment"]))
        except ValueError as exc:
            problems.append(FieldProblem("environment", str(exc), env_var(venue, "environment")))
    if problems:
        raise CredentialValidationError(venue, problems)
    try:
        config = model.model_validate(data)
    except ValidationError as exc:
        raise CredentialValidationError(venue, _problems(venue, exc)) from None
    if not config.rest_url and config.environment not in config.DEFAULT_URLS:
        raise CredentialValidationError(venue, [FieldProblem(
            "environment", f"{venue} has no {config.environment.value} endpoint; give rest_url/ws_url",
            env_var(venue, "environment"))])
    return config


def _problems(venue: str, exc: ValidationError) -> list[FieldProblem]:
    problems = []
    for err in exc.errors(include_input=False, include_url=False):
        loc = [str(p) for p in err.get("loc", ()) if not isinstance(p, int)]
        field = loc[0] if loc else "credentials"
        reason = str(err.get("msg", "invalid")).removeprefix("Value error, ")
        if err.get("type") == "missing":
            reason = "required"
        elif err.get("type") == "extra_forbidden":
            reason = f"not a {venue} field"
        problems.append(FieldProblem(field, redact(reason),
                                     env_var(venue, field) if loc else None))
    return problems


def split_config(config: VenueConfig) -> tuple[dict[str, Any], dict[str, str]]:
    """``(settings, secrets)``: non-secret values the user set (plus ``environment``, always),
    and the plaintext of every secret field present."""
    venue = type(config).venue
    secret_names = set(secret_fields(venue))
    settings = config.model_dump(mode="json", exclude_unset=True, exclude=secret_names)
    settings["environment"] = config.environment.value
    secrets: dict[str, str] = {}
    for name in secret_names:
        value = getattr(config, name)
        if value is not None:
            secrets[name] = value.get_secret_value()
    return settings, secrets
