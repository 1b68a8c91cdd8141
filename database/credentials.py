"""Encrypted per-account, per-venue credentials.

``await load_client_config("main", "lighter")`` returns a validated ``LighterConfig`` whose
secrets are ``SecretStr``; callers write
``create_client(venue, await load_client_config(account, venue))`` and ``exchange_clients``
never imports ``database``.

Every operation that encrypts or decrypts first proves the master key is the database's key
(check value in ``crypto_meta``, locked for the transaction), so a wrong key fails with
:class:`MasterKeyMismatchError` before any row is read or written. Decrypted secrets are
registered with the log redactor the moment they exist.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from database.crypto import (
    MasterKey,
    check_value_matches,
    create_key_file,
    credential_aad,
    decrypt,
    encrypt,
    load_master_key,
    make_check_value,
    read_key_file,
    replace_key_file,
    write_key_file,
)
from database.errors import (
    AccountNotFoundError,
    AlreadyExistsError,
    CredentialsNotFoundError,
    DatabaseError,
    MasterKeyError,
    MasterKeyMismatchError,
    MasterKeyMissingError,
)
from database.models import Account, CredentialSecret, CryptoMeta, VenueCredential, new_uuid
from database.paths import MASTER_KEY_ENV, key_file_path
from database.session import SessionFactory
from database.venue_fields import build_config, split_config
from helpers.time import utc_now
from helpers.unified_logger import get_logger, register_secret
from helpers.venue_config import VenueConfig

__all__ = ["CredentialStore", "load_client_config", "KeyStatus", "RotationResult"]

_log = get_logger("database.credentials")
_META_ID = 1


@dataclass(frozen=True, slots=True)
class KeyStatus:
    """Outcome of ``perpdex accounts init``."""

    key_id: str
    source: str
    created: bool
    path: Path | None


@dataclass(frozen=True, slots=True)
class RotationResult:
    old_key_id: str
    new_key_id: str
    rows: int
    key_file: Path
    old_key_from_env: bool


class CredentialStore:
    """Save, load and rotate encrypted credentials. ``env`` (default ``os.environ``) is where
    the master key and data directory are looked up; ``key`` bypasses that lookup."""

    def __init__(self, sessions: SessionFactory, *, env: Mapping[str, str] | None = None,
                 key: MasterKey | None = None) -> None:
        self._sessions = sessions
        self._env = os.environ if env is None else env
        self._key = key

    def master_key(self) -> MasterKey:
        if self._key is None:
            self._key = load_master_key(self._env)
        return self._key

    # ---- key verification ---------------------------------------------------------------

    async def _verified(self, session: AsyncSession, *, record: bool) -> MasterKey:
        """The master key, proven against the check value (row locked for the transaction);
        when the database has none yet and ``record`` is set, this key becomes its key."""
        key = self.master_key()
        meta = await session.get(CryptoMeta, _META_ID, with_for_update=True)
        if meta is None:
            if record:
                session.add(CryptoMeta(id=_META_ID, key_id=key.key_id,
                                       check_value=make_check_value(key)))
            return key
        if check_value_matches(key, meta.check_value):
            return key
        recovered = self._finish_interrupted_rotation(meta)
        if recovered is not None:
            return recovered
        raise MasterKeyMismatchError(
            f"the master key from {key.source} (id {key.key_id}) is not the key this database's "
            f"credentials are encrypted with (id {meta.key_id}). Nothing was read or changed. "
            f"Supply that key via {MASTER_KEY_ENV} or the key file {key_file_path(self._env)}.")

    def _finish_interrupted_rotation(self, meta: CryptoMeta) -> MasterKey | None:
        """A rotation commits the database, then renames ``master.key.new`` over the key file.
        If the process died between the two, the staged file holds the database's key:
        finish the rename (the old key can no longer decrypt anything)."""
        if self._env.get(MASTER_KEY_ENV):
            return None
        target = key_file_path(self._env)
        staged = _staged_path(target)
        if not staged.exists():
            return None
        candidate = read_key_file(staged)
        if not check_value_matches(candidate, meta.check_value):
            return None
        replace_key_file(staged, target)
        _log.warning("completed an interrupted key rotation: %s now holds key %s", target,
                     candidate.key_id)
        self._key = MasterKey.decode(candidate.encoded(), f"key file {target}")
        return self._key

    async def verify_key(self) -> MasterKey:
        """Load the key and prove it against the database (no writes): fail fast before a
        slow step such as ``--verify``."""
        async with self._sessions.begin() as session:
            return await self._verified(session, record=False)

    # ---- save / load --------------------------------------------------------------------

    async def save(self, account: str, config: VenueConfig, *, replace: bool = False,
                   verified: bool = False, description: str | None = None) -> None:
        """Store ``config`` (secrets encrypted) for ``account`` on its venue, creating the
        account if needed. An existing (account, venue) is refused unless ``replace``."""
        venue = type(config).venue
        settings, secrets = split_config(config)
        for plain in secrets.values():
            register_secret(plain)
        try:
            async with self._sessions.begin() as session:
                key = await self._verified(session, record=True)
                acct = await _account(session, account)
                if acct is None:
                    acct = Account(name=account, uid=new_uuid(), description=description)
                    session.add(acct)
                    await session.flush()
                cred = await _credential(session, acct.id, venue)
                if cred is not None and not replace:
                    raise AlreadyExistsError(f"account {account!r} already has {venue} credentials; "
                                             "use --replace to overwrite them")
                if cred is None:
                    cred = VenueCredential(account_id=acct.id, venue=venue, secrets=[])
                    session.add(cred)
                else:
                    # delete the old rows before inserting: (credential_id, field) is unique
                    cred.secrets.clear()
                    await session.flush()
                cred.settings = settings
                cred.verified_at = utc_now() if verified else None
                cred.secrets.extend(
                    CredentialSecret(field=name, key_id=key.key_id, ciphertext=encrypt(
                        key, plain, credential_aad(acct.uid, venue, name)))
                    for name, plain in sorted(secrets.items()))
        except IntegrityError:
            # a concurrent writer created the same account or (account, venue) first
            raise AlreadyExistsError(f"account {account!r} / {venue} was created concurrently; "
                                     "retry") from None
        _log.info("stored %s credentials for account %r (encrypted fields: %s)", venue, account,
                  ", ".join(sorted(secrets)) or "none")

    async def load(self, account: str, venue: str, *,
                   overrides: Mapping[str, Any] | None = None) -> VenueConfig:
        """Decrypt ``account``'s ``venue`` credentials into the venue's config model;
        ``overrides`` replace stored non-secret settings (e.g. a simulator ``rest_url``)."""
        async with self._sessions.begin() as session:
            acct = await _account(session, account)
            if acct is None:
                raise AccountNotFoundError(f"no account named {account!r}; add one with "
                                           "`perpdex accounts add`")
            cred = await _credential(session, acct.id, venue)
            if cred is None:
                raise CredentialsNotFoundError(f"account {account!r} has no {venue} credentials")
            key = await self._verified(session, record=False)
            values: dict[str, Any] = dict(cred.settings)
            for secret in cred.secrets:
                plain = decrypt(key, secret.ciphertext, credential_aad(acct.uid, venue, secret.field),
                                what=f"{account}/{venue}/{secret.field}")
                register_secret(plain)
                values[secret.field] = plain
        values.update(overrides or {})
        _log.debug("loaded %s credentials for account %r", venue, account)
        return build_config(venue, values)

    # ---- key life cycle -----------------------------------------------------------------

    async def init_key(self) -> KeyStatus:
        """Make sure a master key exists and is this database's key: create the key file
        (0600) when there is no key at all; refuse when the database already holds
        credentials that a new key could not decrypt."""
        path = key_file_path(self._env)
        created = False
        async with self._sessions.begin() as session:
            try:
                key = self.master_key()
            except MasterKeyMissingError:
                meta = await session.get(CryptoMeta, _META_ID, with_for_update=True)
                stored = await session.scalar(select(func.count()).select_from(CredentialSecret))
                if meta is not None and stored:
                    raise MasterKeyMissingError(
                        f"this database holds {stored} encrypted secret(s) under key id "
                        f"{meta.key_id}, and that key is missing: restore its key file to {path} "
                        f"or set {MASTER_KEY_ENV}. A new key would not decrypt them.") from None
                if meta is not None:
                    await session.delete(meta)  # an unused key id: nothing is encrypted with it
                    await session.flush()
                key = self._key = create_key_file(path)
                created = True
            await self._verified(session, record=True)
        from_env = key.source == MASTER_KEY_ENV
        return KeyStatus(key.key_id, key.source, created, None if from_env else path)

    async def rotate_key(self) -> RotationResult:
        """Re-encrypt every secret and the check value under a new key in one transaction,
        then move the new key file into place (see docs/SECURITY.md, "Rotation")."""
        old = await self.verify_key()
        target = key_file_path(self._env)
        from_env = old.source == MASTER_KEY_ENV
        if from_env and target.exists() and read_key_file(target) != old:
            raise MasterKeyError(f"the key comes from {MASTER_KEY_ENV}, and {target} holds a "
                                 "different key: move that file away before rotating")
        staged = _staged_path(target)
        if staged.exists():  # the old key verified, so this is debris of a rotation that failed
            staged.unlink()
        new = MasterKey.generate(f"key file {target}")
        write_key_file(staged, new)
        try:
            rows = await self._reencrypt(old, new)
        except BaseException:
            if await self._database_uses(new):
                replace_key_file(staged, target)  # committed although the commit call failed
                raise
            staged.unlink(missing_ok=True)
            raise
        replace_key_file(staged, target)
        self._key = new
        _log.info("rotated the master key: %s -> %s (%d secrets re-encrypted)", old.key_id,
                  new.key_id, rows)
        return RotationResult(old.key_id, new.key_id, rows, target, from_env)

    async def _reencrypt(self, old: MasterKey, new: MasterKey) -> int:
        async with self._sessions.begin() as session:
            await self._verified(session, record=True)
            result = await session.execute(
                select(CredentialSecret, VenueCredential.venue, Account.uid)
                .join(VenueCredential, CredentialSecret.credential_id == VenueCredential.id)
                .join(Account, VenueCredential.account_id == Account.id)
                .with_for_update(of=CredentialSecret))
            count = 0
            for secret, venue, uid in result:
                aad = credential_aad(uid, venue, secret.field)
                plain = decrypt(old, secret.ciphertext, aad, what=f"{venue}/{secret.field}")
                secret.ciphertext = encrypt(new, plain, aad)
                secret.key_id = new.key_id
                count += 1
            meta = await session.get(CryptoMeta, _META_ID)
            if meta is None:  # recorded by _verified above
                raise DatabaseError("crypto_meta row vanished during rotation")
            meta.key_id = new.key_id
            meta.check_value = make_check_value(new)
            meta.rotated_at = utc_now()
        return count

    async def _database_uses(self, key: MasterKey) -> bool:
        try:
            async with self._sessions() as session:
                meta = await session.get(CryptoMeta, _META_ID)
        except Exception as exc:  # unknown outcome: keep the staged key and say why
            raise MasterKeyError(f"key rotation failed and the database cannot be read to tell "
                                 f"whether it committed ({type(exc).__name__}); keep "
                                 f"{_staged_path(key_file_path(self._env))}: it is the key if "
                                 "the old one stops working") from exc
        return meta is not None and check_value_matches(key, meta.check_value)


def _staged_path(target: Path) -> Path:
    return target.with_name(target.name + ".new")


async def _account(session: AsyncSession, name: str) -> Account | None:
    return await session.scalar(select(Account).where(Account.name == name))


async def _credential(session: AsyncSession, account_id: int, venue: str) -> VenueCredential | None:
    return await session.scalar(select(VenueCredential).where(
        VenueCredential.account_id == account_id, VenueCredential.venue == venue))


async def load_client_config(account: str, venue: str, *,
                             session_factory: SessionFactory | None = None,
                             overrides: Mapping[str, Any] | None = None,
                             env: Mapping[str, str] | None = None) -> VenueConfig:
    """``account``'s decrypted config for ``venue`` (``SecretStr`` secrets).

    Without ``session_factory`` this opens the configured database (``DATABASE_URL`` or the
    embedded default) for the call and disposes of it; a long-running process that loads
    several configs should pass ``db.sessions`` of its own :class:`~database.Database`.
    """
    if session_factory is not None:
        return await CredentialStore(session_factory, env=env).load(account, venue, overrides=overrides)
    from database.engine import Database

    async with Database(env=env) as db:
        return await CredentialStore(db.sessions, env=env).load(account, venue, overrides=overrides)

