"""Typed errors of the storage layer.

Callers branch on the class. Every message is safe to print: it names accounts, venues,
fields, paths and key *ids* (a one-way fingerprint), never a secret or a key.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from helpers.unified_logger import redact

__all__ = [
    "DatabaseError", "SchemaError", "MasterKeyError", "MasterKeyMissingError",
    "MasterKeyInvalidError", "MasterKeyMismatchError", "DecryptionError", "NotFoundError",
    "AccountNotFoundError", "CredentialsNotFoundError", "AlreadyExistsError",
    "CredentialValidationError", "FieldProblem", "CredentialVerificationError", "LockHeldError",
    "LockLostError", "LockHolder", "InvalidTransitionError",
]


class DatabaseError(Exception):
    """Base of every error raised by ``database``; the message is redacted."""

    def __init__(self, message: str) -> None:
        self.message = redact(message)
        super().__init__(self.message)


class SchemaError(DatabaseError):
    """The schema is missing, behind (run ``perpdex db upgrade``) or newer than this code."""


class MasterKeyError(DatabaseError):
    """Base of the master-key problems."""


class MasterKeyMissingError(MasterKeyError):
    """No master key anywhere; the message says how to create or supply one."""


class MasterKeyInvalidError(MasterKeyError):
    """A key was found but is malformed, or its file is readable by others."""


class MasterKeyMismatchError(MasterKeyError):
    """The key is well formed but is not the key this database's credentials are encrypted
    with. Nothing was read or written."""


class DecryptionError(MasterKeyError):
    """One ciphertext failed authentication although the key is right: the row was modified
    or copied from another (account, venue, field)."""


class NotFoundError(DatabaseError):
    """A looked-up row does not exist."""


class AccountNotFoundError(NotFoundError):
    pass


class CredentialsNotFoundError(NotFoundError):
    pass


class AlreadyExistsError(DatabaseError):
    """A unique name or (account, venue) pair is taken."""


@dataclass(frozen=True, slots=True)
class FieldProblem:
    """One rejected field: the config field, the variable it came from, and why."""

    field: str
    reason: str
    env_var: str | None = None

    def __str__(self) -> str:
        where = f"{self.field} ({self.env_var})" if self.env_var else self.field
        return f"{where}: {self.reason}"


class CredentialValidationError(DatabaseError):
    """Credentials failed format or key-derivation checks. ``problems`` name each field and
    the reason; the offending values are never included."""

    def __init__(self, venue: str, problems: Sequence[FieldProblem]) -> None:
        self.venue = venue
        self.problems = tuple(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"invalid {venue} credentials:\n{lines}")


class CredentialVerificationError(DatabaseError):
    """``--verify`` could not confirm the credentials (venue unreachable, rejected, or no
    verifier installed). Nothing was saved."""


@dataclass(frozen=True, slots=True)
class LockHolder:
    """Who holds a runner lock, as recorded when it was taken."""

    name: str
    holder_id: str
    pid: int
    host: str
    purpose: str
    acquired_at: datetime
    heartbeat_at: datetime

    def describe(self) -> str:
        return (f"pid {self.pid} on host {self.host!r} ({self.purpose or 'no purpose given'}), "
                f"since {self.acquired_at.isoformat(timespec='seconds')}, last heartbeat "
                f"{self.heartbeat_at.isoformat(timespec='seconds')}")


class LockHeldError(DatabaseError):
    """Another live process holds the runner lock of this account."""

    def __init__(self, name: str, holder: LockHolder | None) -> None:
        self.name = name
        self.holder = holder
        who = holder.describe() if holder else "a process that has not recorded itself yet"
        super().__init__(f"{name!r} is in use by another runner: {who}")


class LockLostError(DatabaseError):
    """A runner lock this process held is no longer held (database connection lost)."""


class InvalidTransitionError(DatabaseError):
    """A status change that the state machine does not allow (e.g. filled -> open)."""
