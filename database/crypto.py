"""Authenticated encryption of credentials, and the master key.

Cipher: AES-256-GCM (``cryptography``), a fresh 96-bit random nonce per encryption. Each
ciphertext is authenticated together with *associated data* naming where it belongs —
``(account uid, venue, field)`` — so a ciphertext copied into another row, account or field
fails to decrypt instead of silently handing one account's key to another.

Stored blob: ``b"\\x01" | key id (8 bytes) | nonce (12) | ciphertext+tag``.

Master key: 32 random bytes, written as URL-safe base64 (44 characters). Looked up in this
order, never generated implicitly:

1. ``PERPDEX_MASTER_KEY`` (the key itself, e.g. injected by a secret manager);
2. the key file: ``PERPDEX_MASTER_KEY_FILE`` or ``<data dir>/master.key``, which must not be
   readable by group or others (created 0600 by ``perpdex accounts init``).

The *key id* is the first 8 bytes of HMAC-SHA256(key, "perpdex key id"): a one-way
fingerprint that may be printed and stored, used to say "this database is encrypted with key
3f2a…, you supplied 91c0…". A wrong key is detected with a check value (a known plaintext
encrypted under the key) stored in ``crypto_meta`` before anything is read or written.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import hmac
import os
import secrets
import stat
import sys
from collections.abc import Mapping
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from database.errors import (
    DecryptionError,
    MasterKeyError,
    MasterKeyInvalidError,
    MasterKeyMissingError,
)
from database.paths import MASTER_KEY_ENV, MASTER_KEY_FILE_ENV, key_file_path
from helpers.unified_logger import register_secret

__all__ = ["MasterKey", "load_master_key", "create_key_file", "write_key_file", "encrypt", "decrypt",
           "credential_aad", "make_check_value", "check_value_matches", "blob_key_id",
           "INIT_HINT"]

_VERSION = b"\x01"
_KEY_BYTES = 32
_NONCE_BYTES = 12
_KEY_ID_BYTES = 8
_CHECK_PLAINTEXT = b"perpdex master key check v1"
_CHECK_AAD = b"perpdex:key-check:v1"

INIT_HINT = ("run `perpdex accounts init` to create a key file, or set PERPDEX_MASTER_KEY to an "
             "existing key (see docs/SECURITY.md)")


class MasterKey:
    """A 256-bit key; ``repr`` and ``str`` show only its id and where it came from."""

    __slots__ = ("_raw", "key_id", "source")

    def __init__(self, raw: bytes, source: str) -> None:
        if len(raw) != _KEY_BYTES:
            raise MasterKeyInvalidError(f"the master key from {source} must be {_KEY_BYTES} bytes")
        self._raw = raw
        self.source = source
        self.key_id = hmac.new(raw, b"perpdex key id", hashlib.sha256).digest()[:_KEY_ID_BYTES].hex()
        register_secret(self.encoded())

    @classmethod
    def generate(cls, source: str) -> MasterKey:
        return cls(secrets.token_bytes(_KEY_BYTES), source)

    @classmethod
    def decode(cls, text: str, source: str) -> MasterKey:
        try:
            raw = base64.urlsafe_b64decode(text.strip().encode("ascii"))
        except (binascii.Error, ValueError, UnicodeEncodeError):
            raw = b""
        if len(raw) != _KEY_BYTES:
            raise MasterKeyInvalidError(
                f"the master key from {source} is malformed: expected {_KEY_BYTES} bytes in URL-safe "
                f"base64 (44 characters); {INIT_HINT}")
        return cls(raw, source)

    def encoded(self) -> str:
        return base64.urlsafe_b64encode(self._raw).decode("ascii")

    def aead(self) -> AESGCM:
        return AESGCM(self._raw)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, MasterKey) and hmac.compare_digest(self._raw, other._raw)

    def __hash__(self) -> int:
        return hash(self.key_id)

    def __repr__(self) -> str:
        return f"MasterKey(id={self.key_id}, source={self.source!r})"

    __str__ = __repr__


# ---- loading and creating -----------------------------------------------------------------

def load_master_key(env: Mapping[str, str] | None = None) -> MasterKey:
    """The configured master key; :class:`MasterKeyMissingError` (with instructions) if none."""
    env = os.environ if env is None else env
    from_env = env.get(MASTER_KEY_ENV)
    if from_env:
        return MasterKey.decode(from_env, MASTER_KEY_ENV)
    path = key_file_path(env)
    if not path.exists():
        where = f"{MASTER_KEY_FILE_ENV}={path}" if env.get(MASTER_KEY_FILE_ENV) else str(path)
        raise MasterKeyMissingError(f"no master key: {MASTER_KEY_ENV} is not set and there is no "
                                    f"key file at {where}; {INIT_HINT}")
    return read_key_file(path)


def read_key_file(path: Path) -> MasterKey:
    _check_private(path)
    try:
        text = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise MasterKeyInvalidError(f"cannot read the key file {path}: {exc.__class__.__name__}") from None
    return MasterKey.decode(text, f"key file {path}")


def _check_private(path: Path) -> None:
    """Refuse a key file others can read (as ssh refuses an open private key)."""
    if sys.platform == "win32":  # POSIX modes do not describe Windows ACLs
        return
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise MasterKeyInvalidError(f"the key file {path} is accessible by group or others (mode "
                                    f"{stat.S_IMODE(mode):04o}); run: chmod 600 {path}")


def create_key_file(path: Path) -> MasterKey:
    """Create ``path`` (0600, parents 0700) holding a new key; never overwrites."""
    key = MasterKey.generate(f"key file {path}")
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise MasterKeyError(f"a key file already exists at {path}; it was left untouched") from None
    _write_fd(fd, key)
    return key


def write_key_file(path: Path, key: MasterKey) -> None:
    """Write ``key`` to ``path`` (0600, must not exist yet) and fsync it."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    _write_fd(fd, key)


def _write_fd(fd: int, key: MasterKey) -> None:
    try:
        os.write(fd, (key.encoded() + "\n").encode("ascii"))
        os.fsync(fd)
    finally:
        os.close(fd)


def replace_key_file(staged: Path, target: Path) -> None:
    """Atomically move a staged key file over the live one and make the rename durable."""
    os.replace(staged, target)
    if sys.platform != "win32":
        dir_fd = os.open(target.parent, os.O_RDONLY)
        try:
            with contextlib.suppress(OSError):  # some filesystems cannot fsync a directory
                os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


# ---- encryption ---------------------------------------------------------------------------

def credential_aad(account_uid: str, venue: str, field: str) -> bytes:
    return b"\x00".join((b"perpdex:credential:v1", account_uid.encode(), venue.encode(),
                         field.encode()))


def encrypt(key: MasterKey, plaintext: str, aad: bytes) -> bytes:
    nonce = secrets.token_bytes(_NONCE_BYTES)
    sealed = key.aead().encrypt(nonce, plaintext.encode("utf-8"), aad)
    return _VERSION + bytes.fromhex(key.key_id) + nonce + sealed


def blob_key_id(blob: bytes) -> str | None:
    if len(blob) < 1 + _KEY_ID_BYTES or blob[:1] != _VERSION:
        return None
    return blob[1:1 + _KEY_ID_BYTES].hex()


def decrypt(key: MasterKey, blob: bytes, aad: bytes, *, what: str) -> str:
    """Plaintext of ``blob``; :class:`DecryptionError` naming ``what`` when authentication
    fails (wrong key, modified blob, or a blob that belongs to another row)."""
    header = 1 + _KEY_ID_BYTES + _NONCE_BYTES
    if len(blob) <= header or blob[:1] != _VERSION:
        raise DecryptionError(f"{what}: stored ciphertext is malformed")
    nonce = blob[1 + _KEY_ID_BYTES:header]
    try:
        plain = key.aead().decrypt(nonce, blob[header:], aad)
    except InvalidTag:
        raise DecryptionError(f"{what}: ciphertext failed authentication (modified, or moved from "
                              "another account, venue or field)") from None
    return plain.decode("utf-8")


def make_check_value(key: MasterKey) -> bytes:
    return encrypt(key, _CHECK_PLAINTEXT.decode(), _CHECK_AAD)


def check_value_matches(key: MasterKey, check_value: bytes) -> bool:
    try:
        return decrypt(key, check_value, _CHECK_AAD, what="key check") == _CHECK_PLAINTEXT.decode()
    except DecryptionError:
        return False
