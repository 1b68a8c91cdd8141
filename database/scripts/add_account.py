"""Add an account's venue credentials to the encrypted store (same as ``perpdex accounts add``).

Non-interactive::

    python database/scripts/add_account.py --account main --venue lighter --from-env \\
        [--env-file .env] [--verify] [--rest-url URL --ws-url URL] [--replace]

Interactive (prompts for exactly that venue's fields, secrets hidden)::

    python database/scripts/add_account.py --account main --venue backpack

``--verify`` logs in to the venue (or the ``--rest-url`` given, e.g. the simulator) before
saving. This script sits in ``database`` and may not import venue clients, so it finds the
verifier through the ``perpdex.credential_verifiers`` entry-point group (perpdex declares
``default = perpdex.verify:verify_credentials``).

Exit status: 0 saved, 1 refused (message on stderr), 2 bad usage.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from database.account_setup import (
    AddAccountRequest,
    AddAccountResult,
    Verifier,
    add_account,
    check_account_name,
    discover_verifier,
    prompt_values,
    read_env_values,
)
from database.engine import Database
from database.errors import DatabaseError
from database.venue_fields import FieldSpec
from helpers.unified_logger import setup_logging
from helpers.venue_config import VENUE_CONFIGS


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="add_account.py", description="Store a venue's credentials for an account, encrypted.")
    parser.add_argument("--account", help="account name (prompted if omitted)")
    parser.add_argument("--venue", choices=sorted(VENUE_CONFIGS), help="venue (prompted if omitted)")
    parser.add_argument("--from-env", action="store_true",
                        help="read <VENUE>_* variables instead of prompting (see .env.example)")
    parser.add_argument("--env-file", type=Path, help="with --from-env: read this .env file too")
    parser.add_argument("--verify", action="store_true",
                        help="log in to the venue before saving; nothing is saved if it fails")
    parser.add_argument("--environment", choices=["mainnet", "testnet"])
    parser.add_argument("--rest-url", help="REST base URL override (e.g. the simulator)")
    parser.add_argument("--ws-url", help="WebSocket URL override (e.g. the simulator)")
    parser.add_argument("--replace", action="store_true",
                        help="overwrite existing credentials of this account on this venue")
    parser.add_argument("--log-level", default=os.environ.get("PERPDEX_LOG_LEVEL", "WARNING"))
    return parser


def _prompt(spec: FieldSpec, default: str | None) -> str:
    label = f"{spec.venue} {spec.name} ({spec.help})"
    if default:
        label += f" [{default}]"
    while True:
        value = (getpass.getpass(f"{label}: ") if spec.secret else input(f"{label}: ")).strip()
        if value or default is not None:
            return value or default or ""
        print(f"{spec.name} is required", file=sys.stderr)


def _ask(label: str) -> str:
    value = input(f"{label}: ").strip()
    if not value:
        raise SystemExit(f"{label} is required")
    return value


async def _run(request: AddAccountRequest, verifier: Verifier | None) -> AddAccountResult:
    async with Database() as db:
        return await add_account(db, request, verifier=verifier)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    setup_logging(args.log_level.upper())
    if args.from_env and not (args.account and args.venue):
        print("--from-env needs --account and --venue", file=sys.stderr)
        return 2
    if args.env_file and not args.from_env:
        print("--env-file needs --from-env", file=sys.stderr)
        return 2
    try:
        verifier = discover_verifier() if args.verify else None
        account = check_account_name(args.account or _ask("account name"))
        venue = args.venue or _ask(f"venue ({', '.join(sorted(VENUE_CONFIGS))})")
        values = (read_env_values(venue, os.environ, args.env_file) if args.from_env
                  else prompt_values(venue, _prompt))
        for name in ("environment", "rest_url", "ws_url"):
            if getattr(args, name) is not None:
                values[name] = getattr(args, name)
        result = asyncio.run(_run(AddAccountRequest(account, venue, values, replace=args.replace,
                                                    verify=args.verify), verifier))
    except DatabaseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except (EOFError, KeyboardInterrupt):
        print("\naborted, nothing saved", file=sys.stderr)
        return 1
    print(f"saved {result.venue} credentials for account {result.account!r} "
          f"(encrypted: {', '.join(result.secret_fields)})")
    if result.verified:
        print(f"verified: {result.verification or 'ok'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
