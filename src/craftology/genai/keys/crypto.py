"""Sealing secrets under a master key: AES-256-GCM with a fresh 96-bit nonce per ciphertext.

Each ciphertext is stored with the id of the key that sealed it, so master keys can be rotated: the
keyring writes with its current key and still reads with the retired ones until every row is resealed.
The associated data binds a ciphertext to its row (tenant and provider): copied into another tenant's
row, it no longer opens.
"""

from __future__ import annotations

import base64
import binascii
import os
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from craftology.errors import BadInput, CraftologyError

KEY_BYTES = 32
NONCE_BYTES = 12


class SealError(CraftologyError):
    """A stored secret cannot be opened: its master key is not configured, or it was tampered with."""

    status_code = 500
    problem_type = "/problems/secret-unreadable"
    title = "Stored secret unreadable"


@dataclass(frozen=True)
class Sealed:
    key_id: str
    blob: bytes  # nonce || ciphertext with its tag


def decode_master_key(text: str, what: str) -> bytes:
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != KEY_BYTES:
        raise BadInput(f"{what} must be base64 of {KEY_BYTES} random bytes")
    return key


def new_master_key() -> str:
    """A fresh master key, as base64 (what the settings and the key file hold)."""
    return base64.b64encode(os.urandom(KEY_BYTES)).decode()


@dataclass(frozen=True)
class Keyring:
    current_id: str
    keys: dict[str, bytes] = field(repr=False)  # by id, the current one included

    def __post_init__(self) -> None:
        if self.current_id not in self.keys:
            raise BadInput(f"master key {self.current_id!r} is not in the keyring")

    def seal(self, plaintext: str, context: bytes) -> Sealed:
        nonce = os.urandom(NONCE_BYTES)
        ciphertext = AESGCM(self.keys[self.current_id]).encrypt(nonce, plaintext.encode(), context)
        return Sealed(self.current_id, nonce + ciphertext)

    def open(self, sealed: Sealed, context: bytes) -> str:
        key = self.keys.get(sealed.key_id)
        if key is None:
            raise SealError(
                f"sealed under master key {sealed.key_id!r}, which is not configured "
                f"(known: {', '.join(sorted(self.keys))}); add it to genai.retired_master_keys"
            )
        nonce, ciphertext = sealed.blob[:NONCE_BYTES], sealed.blob[NONCE_BYTES:]
        try:
            return AESGCM(key).decrypt(nonce, ciphertext, context).decode()
        except (InvalidTag, UnicodeDecodeError):
            raise SealError(
                f"altered or moved (it does not open under master key {sealed.key_id!r})"
            ) from None
