"""The encrypted credential store on SQLite and PostgreSQL: round trip, what is on disk,
wrong keys, rotation (including its failure paths), ``init``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text, update

import database.credentials as credentials_module
from database import load_client_config
from database.crypto import MasterKey, load_master_key
from database.engine import Database
from database.errors import (
    AccountNotFoundError,
    AlreadyExistsError,
    CredentialsNotFoundError,
    DecryptionError,
    MasterKeyMismatchError,
    MasterKeyMissingError,
)
from database.models import Base, CredentialSecret, CryptoMeta
from database.paths import key_file_path
from database.venue_fields import build_config, secret_fields
from helpers.venue_config import VENUE_CONFIGS

VENUES = sorted(VENUE_CONFIGS)
SampleValues = Callable[[str], dict[str, str]]


async def _save(db: Database, account: str, venue: str, values: dict[str, str]) -> None:
    await db.credentials().save(account, build_config(venue, values))


async def _ciphertexts(db: Database) -> dict[tuple[int, str], bytes]:
    async with db.sessions() as session:
        rows = await session.scalars(select(CredentialSecret))
        return {(r.credential_id, r.field): r.ciphertext for r in rows}


@pytest.mark.parametrize("venue", VENUES)
async def test_round_trip_every_venue(db: Database, master_key_file: Path, venue: str,
                                      sample_values: SampleValues) -> None:
    values = sample_values(venue)
    await _save(db, "main", venue, values | {"rest_url": "http://127.0.0.1:8123"})
    config = await load_client_config("main", venue, session_factory=db.sessions)
    assert isinstance(config, VENUE_CONFIGS[venue])
    assert config.rest_url == "http://127.0.0.1:8123"
    for name, value in values.items():
        got = getattr(config, name)
        got = got.get_secret_value() if hasattr(got, "get_secret_value") else got
        assert str(got) == value
    for name in secret_fields(venue):
        secret = getattr(config, name)
        assert secret is None or secret.get_secret_value() not in repr(config)
    overridden = await load_client_config("main", venue, session_factory=db.sessions,
                                          overrides={"rest_url": "http://127.0.0.1:9999"})
    assert overridden.rest_url == "http://127.0.0.1:9999"


async def test_secrets_never_appear_in_the_database(db: Database, master_key_file: Path,
                                                    sample_values: SampleValues,
                                                    secret_bytes: Callable[[str], list[bytes]]
                                                    ) -> None:
    stored: list[str] = []
    for i, venue in enumerate(VENUES):
        values = sample_values(venue)
        await _save(db, f"acct{i}", venue, values)
        stored += [values[f] for f in secret_fields(venue) if f in values]
    if db.backend == "sqlite":
        await db.dispose()  # fold the WAL so every byte is in the files we read
        assert db.sqlite_path is not None
        raw = b"".join(p.read_bytes() for p in db.sqlite_path.parent.glob(db.sqlite_path.name + "*")
                       if p.is_file())
    else:
        dumped = []
        async with db.engine.connect() as conn:
            for table in Base.metadata.tables:
                rows = await conn.execute(text(f'SELECT row_to_json(t)::text FROM "{table}" t'))
                dumped += [r[0] for r in rows]
        raw = "\n".join(dumped).encode()
    assert len(raw) > 0
    for secret in stored:
        for form in secret_bytes(secret):
            assert form not in raw


async def test_ciphertext_moved_to_another_row_fails(db: Database, master_key_file: Path,
                                                     sample_values: SampleValues) -> None:
    await _save(db, "alice", "hyperliquid", sample_values("hyperliquid"))
    await _save(db, "bob", "hyperliquid", sample_values("hyperliquid"))
    async with db.sessions.begin() as session:
        rows = list(await session.scalars(select(CredentialSecret).order_by(CredentialSecret.id)))
        await session.execute(update(CredentialSecret).where(CredentialSecret.id == rows[1].id)
                              .values(ciphertext=rows[0].ciphertext))
    with pytest.raises(DecryptionError, match="bob/hyperliquid/agent_private_key"):
        await load_client_config("bob", "hyperliquid", session_factory=db.sessions)
    assert (await load_client_config("alice", "hyperliquid", session_factory=db.sessions)).address


async def test_wrong_master_key_is_refused_without_data_loss(
        db: Database, master_key_file: Path, sample_values: SampleValues,
        monkeypatch: pytest.MonkeyPatch) -> None:
    values = sample_values("backpack")
    await _save(db, "main", "backpack", values)
    before = await _ciphertexts(db)
    right = load_master_key()
    wrong = MasterKey.generate("test")
    monkeypatch.setenv("PERPDEX_MASTER_KEY", wrong.encoded())
    with pytest.raises(MasterKeyMismatchError) as info:
        await load_client_config("main", "backpack", session_factory=db.sessions)
    message = str(info.value)
    assert wrong.key_id in message and right.key_id in message and "Nothing was" in message
    assert wrong.encoded() not in message and right.encoded() not in message
    with pytest.raises(MasterKeyMismatchError):
        await _save(db, "other", "backpack", sample_values("backpack"))
    with pytest.raises(MasterKeyMismatchError):
        await db.credentials().rotate_key()
    monkeypatch.delenv("PERPDEX_MASTER_KEY")
    assert await _ciphertexts(db) == before
    config = await load_client_config("main", "backpack", session_factory=db.sessions)
    assert config.secret_key.get_secret_value() == values["secret_key"]  # type: ignore[attr-defined]
    assert [a.name for a in await db.accounts.list()] == ["main"]


async def test_rotation_reencrypts_everything_in_one_go(db: Database, master_key_file: Path,
                                                        sample_values: SampleValues) -> None:
    saved = {}
    for venue in VENUES:
        saved[venue] = sample_values(venue)
        await _save(db, f"a-{venue}", venue, saved[venue])
    old = load_master_key()
    before = await _ciphertexts(db)
    result = await db.credentials().rotate_key()
    new = load_master_key()
    assert new != old and result.new_key_id == new.key_id and result.old_key_id == old.key_id
    assert result.rows == len(before) and not result.old_key_from_env
    assert not Path(str(master_key_file) + ".new").exists()
    after = await _ciphertexts(db)
    assert after.keys() == before.keys() and all(after[k] != before[k] for k in before)
    async with db.sessions() as session:
        assert {r.key_id for r in await session.scalars(select(CredentialSecret))} == {new.key_id}
        meta = await session.get(CryptoMeta, 1)
        assert meta is not None and meta.key_id == new.key_id and meta.rotated_at is not None
    for venue, values in saved.items():
        config = await load_client_config(f"a-{venue}", venue, session_factory=db.sessions)
        for name in secret_fields(venue):
            if name in values:
                assert getattr(config, name).get_secret_value() == values[name]
    with pytest.raises(MasterKeyMismatchError):
        await credentials_module.CredentialStore(db.sessions, key=old).load("a-lighter", "lighter")


async def test_failed_rotation_changes_nothing(db: Database, master_key_file: Path,
                                               sample_values: SampleValues,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    for venue in ("lighter", "aster", "backpack"):
        await _save(db, "main", venue, sample_values(venue))
    key_before = master_key_file.read_bytes()
    before = await _ciphertexts(db)
    real_encrypt = credentials_module.encrypt
    calls = {"n": 0}

    def failing_encrypt(*args: Any) -> bytes:
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("disk on fire")
        return real_encrypt(*args)

    monkeypatch.setattr(credentials_module, "encrypt", failing_encrypt)
    with pytest.raises(RuntimeError, match="disk on fire"):
        await db.credentials().rotate_key()
    monkeypatch.setattr(credentials_module, "encrypt", real_encrypt)
    assert master_key_file.read_bytes() == key_before
    assert not Path(str(master_key_file) + ".new").exists()
    assert await _ciphertexts(db) == before
    assert (await load_client_config("main", "aster", session_factory=db.sessions)).signer


async def test_rotation_interrupted_before_the_key_file_moved_recovers(
        db: Database, master_key_file: Path, sample_values: SampleValues,
        monkeypatch: pytest.MonkeyPatch) -> None:
    values = sample_values("lighter")
    await _save(db, "main", "lighter", values)

    def crash(*_: Any) -> None:
        raise KeyboardInterrupt("power cut after the commit")

    real_replace = credentials_module.replace_key_file
    monkeypatch.setattr(credentials_module, "replace_key_file", crash)
    with pytest.raises(KeyboardInterrupt):
        await db.credentials().rotate_key()
    monkeypatch.setattr(credentials_module, "replace_key_file", real_replace)
    staged = Path(str(master_key_file) + ".new")
    staged_key = staged.read_text()  # the database now uses this key; the key file is stale
    config = await load_client_config("main", "lighter", session_factory=db.sessions)
    assert config.api_private_key.get_secret_value() == values["api_private_key"]  # type: ignore[attr-defined]
    assert not staged.exists() and master_key_file.read_text() == staged_key


async def test_rotation_with_the_key_in_the_environment(
        db: Database, sample_values: SampleValues, monkeypatch: pytest.MonkeyPatch) -> None:
    key = MasterKey.generate("test")
    monkeypatch.setenv("PERPDEX_MASTER_KEY", key.encoded())
    await _save(db, "main", "hyperliquid", sample_values("hyperliquid"))
    result = await db.credentials().rotate_key()
    assert result.old_key_from_env and result.key_file == key_file_path()
    monkeypatch.delenv("PERPDEX_MASTER_KEY")
    assert load_master_key().key_id == result.new_key_id
    assert await load_client_config("main", "hyperliquid", session_factory=db.sessions)


async def test_save_refuses_duplicates_unless_replace(db: Database, master_key_file: Path,
                                                      sample_values: SampleValues) -> None:
    first, second = sample_values("backpack"), sample_values("backpack")
    await _save(db, "main", "backpack", first)
    with pytest.raises(AlreadyExistsError, match="--replace"):
        await _save(db, "main", "backpack", second)
    await db.credentials().save("main", build_config("backpack", second), replace=True)
    config = await load_client_config("main", "backpack", session_factory=db.sessions)
    assert config.public_key == second["public_key"]  # type: ignore[attr-defined]
    assert len(await _ciphertexts(db)) == 1


async def test_lookup_errors_and_removal(db: Database, master_key_file: Path,
                                         sample_values: SampleValues) -> None:
    with pytest.raises(AccountNotFoundError, match="perpdex accounts add"):
        await load_client_config("ghost", "lighter", session_factory=db.sessions)
    await _save(db, "main", "lighter", sample_values("lighter"))
    await _save(db, "main", "paradex", sample_values("paradex"))
    with pytest.raises(CredentialsNotFoundError):
        await load_client_config("main", "aster", session_factory=db.sessions)
    await db.accounts.remove("main", "lighter")
    summary = await db.accounts.get("main")
    assert [v.venue for v in summary.venues] == ["paradex"]
    await db.accounts.remove("main")
    assert await db.accounts.list() == []
    assert await _ciphertexts(db) == {}
    with pytest.raises(AccountNotFoundError):
        await db.accounts.remove("main")


async def test_listing_shows_identity_but_no_secret(db: Database, master_key_file: Path,
                                                    sample_values: SampleValues) -> None:
    values = sample_values("aster")
    await _save(db, "main", "aster", values | {"environment": "testnet"})
    (summary,) = await db.accounts.list()
    venue = summary.venue("aster")
    assert venue is not None and venue.environment == "testnet"
    assert venue.secret_fields == ("signer_private_key",)
    assert venue.identity["signer"] == values["signer"]
    assert values["signer_private_key"] not in repr(summary)


async def test_init_creates_a_key_only_when_safe(db: Database, sample_values: SampleValues,
                                                 isolated_env: Path) -> None:
    store = db.credentials()
    status = await store.init_key()
    assert status.created and status.path == key_file_path() and key_file_path().exists()
    again = await db.credentials().init_key()
    assert not again.created and again.key_id == status.key_id
    await _save(db, "main", "lighter", sample_values("lighter"))
    key_file_path().rename(isolated_env / "moved-away.key")
    with pytest.raises(MasterKeyMissingError, match="restore its key file"):
        await db.credentials().init_key()
    assert not key_file_path().exists()


async def test_load_client_config_opens_the_default_database(master_key_file: Path,
                                                             sample_values: SampleValues) -> None:
    values = sample_values("hyperliquid")
    async with Database() as db:
        await _save(db, "main", "hyperliquid", values)
    config = await load_client_config("main", "hyperliquid")
    assert config.address == values["address"]  # type: ignore[attr-defined]


async def test_init_replaces_an_unused_key_id(db: Database, master_key_file: Path,
                                              sample_values: SampleValues) -> None:
    """A key that encrypts nothing any more may be replaced; a new one is recorded."""
    await _save(db, "main", "lighter", sample_values("lighter"))
    old = load_master_key()
    await db.accounts.remove("main")
    master_key_file.unlink()
    status = await db.credentials().init_key()
    assert status.created and status.key_id != old.key_id
    async with db.sessions() as session:
        meta = await session.get(CryptoMeta, 1)
        assert meta is not None and meta.key_id == status.key_id
    await _save(db, "again", "lighter", sample_values("lighter"))
    assert await load_client_config("again", "lighter", session_factory=db.sessions)
