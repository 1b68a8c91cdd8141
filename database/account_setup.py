"""Adding an account's venue credentials: collect, validate, (verify), store encrypted.

Shared by ``perpdex accounts add`` and ``database/scripts/add_account.py``. The order is
chosen so that nothing is saved unless everything before it succeeded, and the slow step
comes last before saving:

1. collect values — from the environment / an env file, or by prompting;
2. validate them into the venue's config model (formats and key derivation);
3. prove the master key is this database's key, and that (account, venue) is free;
4. optionally *verify* by logging in to the venue (or the simulator URL given);
5. save, encrypted.

Verification needs a venue client, which lives in ``exchange_clients`` — a layer
``database`` may not import. It is therefore injected: a :data:`Verifier` is any
``async (venue, config) -> summary`` callable. The CLI passes ``perpdex.verify``'s; the
standalone script finds one through the ``perpdex.credential_verifiers`` entry-point group
(declared in pyproject.toml), see :func:`discover_verifier`.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from dotenv import dotenv_values

from database.engine import Database
from database.errors import (
    AlreadyExistsError,
    CredentialValidationError,
    CredentialVerificationError,
    FieldProblem,
)
from database.venue_fields import FieldSpec, build_config, prompt_fields, values_from_env
from helpers.unified_logger import get_logger, redact
from helpers.venue_config import VenueConfig

__all__ = ["Verifier", "Prompter", "AddAccountRequest", "AddAccountResult", "add_account",
           "read_env_values", "prompt_values", "discover_verifier", "run_verifier",
           "check_account_name", "VERIFIER_GROUP"]

#: ``async (venue, config) -> short summary`` (e.g. the available balance); raises on failure
Verifier = Callable[[str, VenueConfig], Awaitable[str | None]]
#: ``(field, default) -> value``; returns "" to leave an optional field empty
Prompter = Callable[[FieldSpec, str | None], str]

VERIFIER_GROUP = "perpdex.credential_verifiers"
_ACCOUNT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$")
_log = get_logger("database.account_setup")


@dataclass(frozen=True, slots=True)
class AddAccountRequest:
    account: str
    venue: str
    #: raw values by config field name (credentials and settings such as ``rest_url``)
    values: Mapping[str, Any]
    replace: bool = False
    verify: bool = False
    description: str | None = None


@dataclass(frozen=True, slots=True)
class AddAccountResult:
    account: str
    venue: str
    secret_fields: tuple[str, ...]
    verified: bool
    verification: str | None


def check_account_name(name: str) -> str:
    if not _ACCOUNT_NAME.match(name):
        raise CredentialValidationError("account", [FieldProblem(
            "account", "1-64 characters: letters, digits, '_', '.', '@', '-' (starting with a "
            "letter or digit)")])
    return name


def read_env_values(venue: str, environ: Mapping[str, str], env_file: Path | None = None
                    ) -> dict[str, str]:
    """The venue's variables from ``environ``, overridden by ``env_file`` when given (the
    file the user named is what they mean)."""
    merged = dict(environ)
    if env_file is not None:
        if not env_file.is_file():
            raise CredentialValidationError(venue, [FieldProblem("env_file", f"{env_file} not found")])
        merged.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    values = values_from_env(venue, merged)
    if not any(k not in ("environment", "rest_url", "ws_url", "auth") for k in values):
        raise CredentialValidationError(venue, [FieldProblem(
            "credentials", f"no {venue.upper()}_* variables found in the environment"
            + (f" or {env_file}" if env_file else ""))])
    return values


def prompt_values(venue: str, prompt: Prompter) -> dict[str, str]:
    """Ask for exactly the fields of ``venue`` (Aster: its auth scheme first)."""
    values: dict[str, str] = {}
    auth = "v3"
    if venue == "aster":
        auth = prompt(FieldSpec(venue, "auth", secret=False, required=True), "v3").strip().lower()
        if auth not in ("v3", "v1"):
            raise CredentialValidationError(venue, [FieldProblem("auth", "must be v3 or v1")])
        values["auth"] = auth
    for spec in prompt_fields(venue, aster_auth=auth):
        value = prompt(spec, None if spec.required else "").strip()
        if value:
            values[spec.name] = value
    return values


def discover_verifier(name: str | None = None) -> Verifier:
    """The verifier registered under ``perpdex.credential_verifiers`` (``name``, or the only /
    ``default`` one). perpdex registers ``default = perpdex.verify:verify_credentials``."""
    found = {ep.name: ep for ep in entry_points(group=VERIFIER_GROUP)}
    if not found:
        raise CredentialVerificationError(
            f"no credential verifier is installed (entry-point group {VERIFIER_GROUP}); install "
            "perpdex with its command-line package, or add without --verify")
    if name is None:
        name = "default" if "default" in found or len(found) != 1 else next(iter(found))
    if name not in found:
        raise CredentialVerificationError(f"no credential verifier named {name!r}; installed: "
                                          f"{', '.join(sorted(found))}")
    verifier = found[name].load()
    if not callable(verifier):
        raise CredentialVerificationError(f"entry point {name!r} of {VERIFIER_GROUP} is not callable")
    return verifier  # type: ignore[no-any-return]


async def run_verifier(verifier: Verifier, venue: str, config: VenueConfig, *,
                       timeout: float = 60.0) -> str | None:
    """Run ``verifier``; every failure becomes :class:`CredentialVerificationError` with a
    redacted reason (the verifier is a plug-in: whatever it raises means "not verified")."""
    try:
        async with asyncio.timeout(timeout):
            return await verifier(venue, config)
    except CredentialVerificationError:
        raise
    except TimeoutError:
        raise CredentialVerificationError(f"{venue}: no answer within {timeout:g} s; credentials "
                                          "not verified, nothing saved") from None
    except Exception as exc:  # converted, never swallowed: the caller reports it and saves nothing
        raise CredentialVerificationError(
            f"{venue}: credentials not verified, nothing saved: {type(exc).__name__}: "
            f"{redact(str(exc))}") from exc


async def add_account(db: Database, request: AddAccountRequest, *, verifier: Verifier | None = None,
                      env: Mapping[str, str] | None = None, verify_timeout: float = 60.0
                      ) -> AddAccountResult:
    """Validate, optionally verify, and store one account's credentials for one venue."""
    check_account_name(request.account)
    config = build_config(request.venue, request.values)
    store = db.credentials(env)
    await store.verify_key()
    if not request.replace and await db.accounts.has_venue(request.account, request.venue):
        raise AlreadyExistsError(f"account {request.account!r} already has {request.venue} "
                                 "credentials; use --replace to overwrite them")
    summary = None
    if request.verify:
        if verifier is None:
            raise CredentialVerificationError("--verify was asked but no verifier is available")
        _log.info("verifying %s credentials for account %r against %s", request.venue,
                  request.account, config.resolved_rest_url())
        summary = await run_verifier(verifier, request.venue, config, timeout=verify_timeout)
    await store.save(request.account, config, replace=request.replace, verified=request.verify,
                     description=request.description)
    secret_names = tuple(sorted(n for n, v in config.__dict__.items()
                                if v is not None and hasattr(v, "get_secret_value")))
    return AddAccountResult(request.account, request.venue, secret_names, request.verify, summary)
