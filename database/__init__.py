"""Storage: accounts and encrypted credentials, market history, strategy state.

SQLAlchemy 2 async over SQLite (embedded default, in the user's data directory) or
PostgreSQL (``DATABASE_URL``). Imports only ``helpers`` and third-party libraries; it knows
venues by name and stored values only. See docs/DATABASE.md and docs/SECURITY.md.
"""

from database.credentials import CredentialStore, load_client_config
from database.engine import Database
from database.errors import (
    AccountNotFoundError,
    AlreadyExistsError,
    CredentialsNotFoundError,
    CredentialValidationError,
    CredentialVerificationError,
    DatabaseError,
    DecryptionError,
    LockHeldError,
    LockLostError,
    MasterKeyError,
    MasterKeyInvalidError,
    MasterKeyMismatchError,
    MasterKeyMissingError,
    NotFoundError,
    SchemaError,
)
from database.locks import RunnerLock

__all__ = [
    "Database", "CredentialStore", "load_client_config", "RunnerLock", "DatabaseError",
    "SchemaError", "MasterKeyError", "MasterKeyMissingError", "MasterKeyInvalidError",
    "MasterKeyMismatchError", "DecryptionError", "NotFoundError", "AccountNotFoundError",
    "CredentialsNotFoundError", "AlreadyExistsError", "CredentialValidationError",
    "CredentialVerificationError", "LockHeldError", "LockLostError",
]
