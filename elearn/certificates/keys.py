"""The issuer's Ed25519 signing keys, kept as files outside the database.

``ELEARN_CREDENTIALS_KEY_DIR`` (default ``instance/keys``) holds one PEM file per key,
``<key id>.pem`` (PKCS#8, mode 0600). The newest file (by its key id, which starts with the
UTC date and time it was made) signs; every key in the folder stays published at the issuer
profile so credentials signed before a rotation still verify. To retire a key for good (it
leaked), delete its file: credentials it signed then fail as "unknown issuer key".

Production refuses to sign without a key (run ``flask credentials keygen``); development and
tests make one on first use.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import base58
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from flask import current_app

from elearn.certificates.jose import public_jwk

#: multicodec prefix of an Ed25519 public key (0xed, varint-encoded) for Multikey
_ED25519_PUB_PREFIX = b"\xed\x01"
_KEY_ID_RE = re.compile(r"^key-(\d{8}T\d{6})Z(?:-(\d+))?$")


class NoSigningKey(RuntimeError):
    """No issuer key is configured (production never makes one by itself)."""


@dataclass(frozen=True)
class IssuerKey:
    key_id: str  # e.g. key-20261130T153000Z: the fragment of the verification method
    private: Ed25519PrivateKey | None
    public: Ed25519PublicKey

    @property
    def raw_public(self) -> bytes:
        return self.public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)

    @property
    def multibase(self) -> str:
        """``publicKeyMultibase`` of a Multikey: base58btc ('z') of 0xed01 + the 32 bytes."""
        return "z" + base58.b58encode(_ED25519_PUB_PREFIX + self.raw_public).decode()

    def jwk(self) -> dict:
        return public_jwk(self.raw_public)


def decode_multibase_key(value: str) -> bytes | None:
    """The raw Ed25519 public key of a ``publicKeyMultibase`` value, or None."""
    if not value.startswith("z"):
        return None
    try:
        data = base58.b58decode(value[1:])
    except ValueError:
        return None
    if not data.startswith(_ED25519_PUB_PREFIX) or len(data) != 34:
        return None
    return data[2:]


def key_dir(app=None) -> Path:
    app = app or current_app
    configured = app.config.get("CREDENTIALS_KEY_DIR")
    return Path(configured) if configured else Path(app.instance_path) / "keys"


def generate_key(directory: Path, now: datetime | None = None) -> IssuerKey:
    """Make a new key pair in ``directory``; it becomes the signing key (rotation)."""
    directory.mkdir(parents=True, exist_ok=True)
    directory.chmod(0o700)
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    key_id, n = f"key-{stamp}", 1
    while (directory / f"{key_id}.pem").exists():
        n += 1
        key_id = f"key-{stamp}-{n}"
    private = Ed25519PrivateKey.generate()
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    path = directory / f"{key_id}.pem"
    path.touch(mode=0o600)
    path.write_bytes(pem)
    return IssuerKey(key_id, private, private.public_key())


def _sort_key(key_id: str) -> tuple[str, int]:
    stamp, n = _KEY_ID_RE.match(key_id).groups()
    return (stamp, int(n) if n else 1)


def load_keys(directory: Path) -> list[IssuerKey]:
    """Every key in ``directory``, oldest first (files with other names are ignored)."""
    if not directory.is_dir():
        return []
    keys = []
    for path in directory.glob("key-*.pem"):
        if not _KEY_ID_RE.match(path.stem):
            continue
        private = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(private, Ed25519PrivateKey):
            raise TypeError(f"{path} is not an Ed25519 key")
        keys.append(IssuerKey(path.stem, private, private.public_key()))
    return sorted(keys, key=lambda key: _sort_key(key.key_id))


def published_keys() -> list[IssuerKey]:
    """The keys a verifier may meet (all kept keys); makes one outside production."""
    keys = load_keys(key_dir())
    if not keys and current_app.config["ENV"] != "production":
        keys = [generate_key(key_dir())]
    return keys


def signing_key() -> IssuerKey:
    """The newest key. Raises NoSigningKey in production when none is configured."""
    keys = published_keys()
    if not keys:
        raise NoSigningKey(
            f"No issuer key in {key_dir()}: run `flask credentials keygen` "
            "(or set ELEARN_CREDENTIALS_KEY_DIR)."
        )
    return keys[-1]


def find_public_key(key_id: str) -> IssuerKey | None:
    for key in published_keys():
        if key.key_id == key_id:
            return key
    return None
