"""The master keyring from the settings.

Configured (`genai.master_key`, with `genai.retired_master_keys` for rotation), it is the same in every
process. With nothing configured and a SQLite control plane (one machine), a key is generated once into
`<data_dir>/master.key`, readable by its owner only, and every process on the data dir reads that file.
A PostgreSQL control plane is shared by many machines, so it needs a configured key: a key file per
machine would seal secrets no other machine can open.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import stat
from pathlib import Path

from craftology.config import Settings
from craftology.errors import BadInput
from craftology.genai.keys.crypto import Keyring, decode_master_key, new_master_key

KEY_FILE = "master.key"


def file_key_id(key: bytes) -> str:
    """A generated key's id: from its bytes, so every process reading the file agrees on it."""
    return "local-" + hashlib.sha256(key).hexdigest()[:12]


def keyring(settings: Settings) -> Keyring:
    genai = settings.genai
    keys = {
        key_id: decode_master_key(value.get_secret_value(), f"genai.retired_master_keys[{key_id!r}]")
        for key_id, value in genai.retired_master_keys.items()
    }
    path = settings.data_dir / KEY_FILE
    configured = genai.master_key.get_secret_value().strip() if genai.master_key is not None else ""
    if configured:
        if path.exists():  # a data dir that used the generated key: what it sealed stays readable
            generated = read_key_file(path)
            keys.setdefault(file_key_id(generated), generated)
        keys[genai.master_key_id] = decode_master_key(configured, "genai.master_key")
        return Keyring(genai.master_key_id, keys)
    if not settings.database_url.startswith("sqlite"):
        raise BadInput(
            "set CRAFTOLOGY_GENAI__MASTER_KEY (the same in every process) to store provider keys with a "
            "PostgreSQL control plane; `craftology providers new-master-key` prints a fresh one"
        )
    generated = ensure_key_file(path)
    keys[file_key_id(generated)] = generated
    return Keyring(file_key_id(generated), keys)


def read_key_file(path: Path) -> bytes:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise BadInput(f"{path} is readable by others (mode {mode:04o}): `chmod 600` it")
    return decode_master_key(path.read_text(encoding="ascii"), str(path))


def ensure_key_file(path: Path) -> bytes:
    """The key in `path`, generated first if there is none. Processes starting together agree: each
    writes a complete file under a name of its own and links it into place, which fails for all but the
    first (a rename would replace a key another process may already have used)."""
    if path.exists():
        return read_key_file(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as out:
            out.write(new_master_key() + "\n")
            out.flush()
            os.fsync(out.fileno())
        with contextlib.suppress(FileExistsError):  # another process won: its key is the one
            os.link(scratch, path)
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
    finally:
        scratch.unlink(missing_ok=True)
    return read_key_file(path)
