"""Provider keys on both control-plane engines: sealed at rest, masked when listed, opened only into a
chat endpoint, bound to their tenant, and resealed under a new master key by a rotation."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError
from sqlalchemy import Engine, delete, select, update

from craftology.controlplane.schema import provider_keys, tenants
from craftology.errors import BadInput, NotFound, PreconditionFailed, ProviderNotConfigured
from craftology.genai.keys.crypto import Keyring, SealError
from craftology.genai.keys.schemas import ProviderKeyIn
from craftology.genai.keys.service import ProviderKeys

SECRET = "sk-proj-VERY-SECRET-0123456789abcdef"
K1, K2 = os.urandom(32), os.urandom(32)


def ring(current: str, **keys: bytes) -> Keyring:
    return Keyring(current, keys)


@pytest.fixture
def keys(control: Engine) -> ProviderKeys:
    return ProviderKeys(control, lambda: ring("k1", k1=K1))


def given(api_key: str = SECRET, **extra: str) -> ProviderKeyIn:
    return ProviderKeyIn(api_key=SecretStr(api_key), model=extra.pop("model", "gpt-4o-mini"), **extra)


def test_set_lists_masked_and_opens_only_into_an_endpoint(keys: ProviderKeys) -> None:
    stored = keys.set("acme", "openai", given(), by="u1")
    assert (stored.base_url, stored.model, stored.key_hint, stored.key_id, stored.revision) == (
        "https://api.openai.com/v1", "gpt-4o-mini", "sk-...cdef", "k1", 1,
    )  # fmt: skip
    (listed,) = keys.list("acme")
    assert SECRET not in repr(listed)
    assert listed.key_hint == "sk-...cdef"
    assert listed.updated_by == "u1"
    endpoint = keys.endpoint("acme", "openai")
    assert endpoint.api_key.get_secret_value() == SECRET
    assert SECRET not in repr(endpoint)
    assert keys.list("globex") == []
    assert [k.tenant_id for k in keys.list(None)] == ["acme"]


def test_the_key_rests_encrypted(keys: ProviderKeys, control: Engine, db_url: str) -> None:
    keys.set("acme", "local", given(base_url="http://127.0.0.1:9/v1/"), by="u1")
    with control.connect() as conn:
        row = conn.execute(select(provider_keys)).one()
    assert SECRET.encode() not in bytes(row.sealed_key)
    assert SECRET not in str(tuple(row))
    assert row.base_url == "http://127.0.0.1:9/v1"
    if db_url.startswith("sqlite"):
        control.dispose()  # the WAL checkpoints into the file; look at every file of the database
        folder = Path(db_url.removeprefix("sqlite:///")).parent
        for path in folder.iterdir():
            assert SECRET.encode() not in path.read_bytes(), path
            assert SECRET[-20:].encode() not in path.read_bytes(), path


def test_replace_and_remove(keys: ProviderKeys) -> None:
    keys.set("acme", "openai", given(), by="u1")
    keys.set("acme", "openai", given("sk-second-key-aaaaaaaaaaaa9999", model="gpt-4.1"), by="u2")
    (listed,) = keys.list("acme")
    assert (listed.model, listed.key_hint, listed.updated_by) == ("gpt-4.1", "sk-...9999", "u2")
    assert keys.endpoint("acme", "openai").api_key.get_secret_value() == "sk-second-key-aaaaaaaaaaaa9999"
    with pytest.raises(PreconditionFailed, match="the openai key changed since revision 1"):
        keys.remove("acme", "openai", revision=1)
    keys.remove("acme", "openai", revision=2)
    with pytest.raises(ProviderNotConfigured, match="tenant acme has no openai key"):
        keys.endpoint("acme", "openai")
    with pytest.raises(NotFound):
        keys.remove("acme", "openai")


def test_a_tenant_never_opens_another_tenants_key(keys: ProviderKeys, control: Engine) -> None:
    keys.set("acme", "openai", given(), by="u1")
    with pytest.raises(ProviderNotConfigured):
        keys.endpoint("globex", "openai")
    keys.set("globex", "openai", given("sk-globex-own-key-0000000000"), by="u9")
    with control.begin() as conn:  # acme's sealed key copied into globex's row
        acme = conn.execute(select(provider_keys.c.sealed_key).where(provider_keys.c.tenant_id == "acme"))
        conn.execute(
            update(provider_keys)
            .where(provider_keys.c.tenant_id == "globex")
            .values(sealed_key=acme.scalar_one())
        )
    with pytest.raises(
        SealError,
        match=r"of tenant globex is altered or moved \(it does not open under master key 'k1'\)",
    ):
        keys.endpoint("globex", "openai")


def test_bad_input_is_refused_before_anything_is_stored(keys: ProviderKeys) -> None:
    with pytest.raises(NotFound, match="tenant nope not found"):
        keys.set("nope", "openai", given(), by="u1")
    with pytest.raises(BadInput, match="base_url is required for provider 'mistral'"):
        keys.set("acme", "mistral", given(), by="u1")
    with pytest.raises(BadInput, match="takes no credentials"):
        keys.set("acme", "local", given(base_url="https://user:pw@example.com/v1"), by="u1")
    with pytest.raises(BadInput, match="not an http"):
        keys.set("acme", "local", given(base_url="file:///etc/passwd"), by="u1")
    with pytest.raises(ValidationError, match="printable ASCII without spaces") as raised:
        given("sk-with a space-0123456789")
    assert "with a space" not in str(raised.value.errors(include_input=False))
    assert keys.list(None) == []


def test_rotation_reseals_under_the_new_master_key(control: Engine) -> None:
    old = ProviderKeys(control, lambda: ring("k1", k1=K1))
    old.set("acme", "openai", given(), by="u1")
    old.set("globex", "openai", given("sk-globex-own-key-0000000000"), by="u9")
    rotating = ProviderKeys(control, lambda: ring("k2", k1=K1, k2=K2))
    assert rotating.endpoint("acme", "openai").api_key.get_secret_value() == SECRET  # old ones still read
    rotating.set("globex", "openai", given("sk-globex-new-key-1111111111"), by="u9")  # written with k2
    assert {k.tenant_id: k.key_id for k in rotating.list(None)} == {"acme": "k1", "globex": "k2"}
    assert rotating.rotate() == 1
    assert rotating.rotate() == 0
    assert {k.key_id for k in rotating.list(None)} == {"k2"}
    retired = ProviderKeys(control, lambda: ring("k2", k2=K2))  # k1 dropped from the settings
    assert retired.endpoint("acme", "openai").api_key.get_secret_value() == SECRET
    assert retired.endpoint("globex", "openai").api_key.get_secret_value() == "sk-globex-new-key-1111111111"
    stale = ProviderKeys(control, lambda: ring("k1", k1=K1))  # a process still on the old key only
    with pytest.raises(SealError) as raised:
        stale.endpoint("acme", "openai")
    assert raised.value.detail == (
        "the openai key of tenant acme is sealed under master key 'k2', which is not configured "
        "(known: k1); add it to genai.retired_master_keys"
    )


def test_a_deleted_tenant_takes_its_keys_along(keys: ProviderKeys, control: Engine) -> None:
    keys.set("acme", "openai", given(), by="u1")
    keys.set("globex", "openai", given(), by="u9")
    with control.begin() as conn:
        conn.execute(delete(tenants).where(tenants.c.id == "acme"))
    assert [k.tenant_id for k in keys.list(None)] == ["globex"]
