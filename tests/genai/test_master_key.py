"""The master keyring from the settings: generated once per data dir when nothing is configured (SQLite
control plane), required when the control plane is shared, and rotation-friendly."""

from __future__ import annotations

import base64
import os
import stat
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from pydantic import SecretStr

from craftology.config import DatabaseSettings, GenAiSettings, Settings
from craftology.errors import BadInput
from craftology.genai.keys.master import KEY_FILE, ensure_key_file, file_key_id, keyring


def b64(key: bytes) -> SecretStr:
    return SecretStr(base64.b64encode(key).decode())


def test_embedded_generates_one_private_key_file(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    first = keyring(settings)
    path = tmp_path / "data" / KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert first.current_id == file_key_id(first.keys[first.current_id])
    again = keyring(settings)
    assert again.keys == first.keys
    assert [p.name for p in path.parent.iterdir()] == [KEY_FILE]  # no scratch file left behind


def test_processes_starting_together_agree_on_one_key(tmp_path: Path) -> None:
    path = tmp_path / "data" / KEY_FILE
    with ThreadPoolExecutor(max_workers=8) as pool:
        keys = set(pool.map(lambda _: ensure_key_file(path), range(16)))
    assert len(keys) == 1


def test_a_key_file_others_can_read_is_refused(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    keyring(settings)
    os.chmod(tmp_path / KEY_FILE, 0o644)
    with pytest.raises(BadInput, match=r"readable by others \(mode 0644\): `chmod 600` it"):
        keyring(settings)


def test_a_shared_control_plane_needs_a_configured_key(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path, database=DatabaseSettings(url="postgresql://db.invalid/craftology")
    )
    with pytest.raises(BadInput, match="set CRAFTOLOGY_GENAI__MASTER_KEY"):
        keyring(settings)
    assert not (tmp_path / KEY_FILE).exists()
    configured = settings.model_copy(
        update={"genai": GenAiSettings(master_key=b64(b"k" * 32), master_key_id="2026-11")}
    )
    assert keyring(configured).current_id == "2026-11"


def test_configured_keys_with_retired_ones_and_the_old_file(tmp_path: Path) -> None:
    generated = keyring(Settings(data_dir=tmp_path))
    genai = GenAiSettings(
        master_key=b64(b"n" * 32), master_key_id="new", retired_master_keys={"old": b64(b"o" * 32)}
    )
    ring = keyring(Settings(data_dir=tmp_path, genai=genai))
    assert ring.current_id == "new"
    assert ring.keys["new"] == b"n" * 32
    assert ring.keys["old"] == b"o" * 32
    assert ring.keys[generated.current_id] == generated.keys[generated.current_id]  # still readable


def test_a_malformed_master_key_is_a_clear_error(tmp_path: Path) -> None:
    for bad in ("not base64!", base64.b64encode(b"short").decode()):
        settings = Settings(data_dir=tmp_path, genai=GenAiSettings(master_key=SecretStr(bad)))
        with pytest.raises(BadInput, match=r"genai\.master_key must be base64 of 32 random bytes"):
            keyring(settings)
