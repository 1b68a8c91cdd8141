"""Master key handling and authenticated encryption."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from database.crypto import (
    MasterKey,
    check_value_matches,
    create_key_file,
    credential_aad,
    decrypt,
    encrypt,
    load_master_key,
    make_check_value,
)
from database.errors import (
    DecryptionError,
    MasterKeyError,
    MasterKeyInvalidError,
    MasterKeyMissingError,
)
from database.paths import key_file_path


def test_missing_key_is_an_error_with_instructions(isolated_env: Path) -> None:
    with pytest.raises(MasterKeyMissingError) as info:
        load_master_key()
    message = str(info.value)
    assert "perpdex accounts init" in message and "PERPDEX_MASTER_KEY" in message
    assert str(key_file_path()) in message
    assert not key_file_path().exists(), "a missing key must never be generated implicitly"


def test_key_file_is_created_0600_and_never_overwritten(isolated_env: Path) -> None:
    path = key_file_path()
    key = create_key_file(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert load_master_key() == key
    before = path.read_bytes()
    with pytest.raises(MasterKeyError, match="already exists"):
        create_key_file(path)
    assert path.read_bytes() == before


def test_group_readable_key_file_is_refused(isolated_env: Path) -> None:
    path = key_file_path()
    create_key_file(path)
    os.chmod(path, 0o640)
    with pytest.raises(MasterKeyInvalidError, match="chmod 600"):
        load_master_key()


def test_env_key_wins_and_malformed_keys_are_not_echoed(isolated_env: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    key = MasterKey.generate("test")
    monkeypatch.setenv("PERPDEX_MASTER_KEY", key.encoded())
    assert load_master_key() == key
    bad = key.encoded()[:-6] + "!!!!!="
    monkeypatch.setenv("PERPDEX_MASTER_KEY", bad)
    with pytest.raises(MasterKeyInvalidError) as info:
        load_master_key()
    assert "PERPDEX_MASTER_KEY" in str(info.value) and bad not in str(info.value)


def test_key_file_override(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "elsewhere" / "k"
    monkeypatch.setenv("PERPDEX_MASTER_KEY_FILE", str(path))
    key = create_key_file(path)
    assert load_master_key() == key


def test_key_repr_shows_only_id_and_source() -> None:
    key = MasterKey.generate("unit test")
    assert key.encoded() not in repr(key) and key.encoded() not in str(key)
    assert key.key_id in repr(key) and len(key.key_id) == 16


def test_round_trip_and_binding_to_account_venue_field() -> None:
    key = MasterKey.generate("test")
    aad = credential_aad("uid1", "lighter", "api_private_key")
    blob = encrypt(key, "s3cr3t-value-123", aad)
    assert b"s3cr3t-value-123" not in blob
    assert decrypt(key, blob, aad, what="x") == "s3cr3t-value-123"
    assert encrypt(key, "s3cr3t-value-123", aad) != blob  # fresh nonce each time
    for other in (credential_aad("uid2", "lighter", "api_private_key"),
                  credential_aad("uid1", "paradex", "api_private_key"),
                  credential_aad("uid1", "lighter", "other_field")):
        with pytest.raises(DecryptionError, match="moved from another"):
            decrypt(key, blob, other, what="x")
    tampered = blob[:-1] + bytes([blob[-1] ^ 1])
    with pytest.raises(DecryptionError):
        decrypt(key, tampered, aad, what="x")
    with pytest.raises(DecryptionError):
        decrypt(MasterKey.generate("other"), blob, aad, what="x")


def test_check_value_identifies_the_key() -> None:
    key, other = MasterKey.generate("a"), MasterKey.generate("b")
    check = make_check_value(key)
    assert check_value_matches(key, check)
    assert not check_value_matches(other, check)
