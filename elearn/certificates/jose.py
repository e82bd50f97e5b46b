"""VC-JOSE: a credential as a compact JWS (EdDSA over Ed25519), with joserfc.

The payload is the credential itself without its embedded proof (W3C "Securing Verifiable
Credentials using JOSE and COSE"); the protected header names the key by the full URL of its
verification method (``kid``), ``typ`` ``vc+jwt`` and ``cty`` ``vc``.
"""

from __future__ import annotations

import json
import warnings

from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import OKPKey

# RFC 9864 prefers the fully-specified "Ed25519" name; "EdDSA" is what VC and Open Badges
# verifiers know today, and both name the same signature.
warnings.filterwarnings("ignore", message="EdDSA is deprecated", module="joserfc")

ALGORITHM = "EdDSA"
JWT_TYPE = "vc+jwt"


def public_jwk(raw_public: bytes) -> dict:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    return dict(OKPKey.import_key(Ed25519PublicKey.from_public_bytes(raw_public))
                .as_dict(private=False))


def sign_jwt(credential: dict, private_key, kid: str) -> str:
    payload = json.dumps(credential, ensure_ascii=False, separators=(",", ":")).encode()
    header = {"alg": ALGORITHM, "kid": kid, "typ": JWT_TYPE, "cty": "vc"}
    return jws.serialize_compact(header, payload, OKPKey.import_key(private_key),
                                 algorithms=[ALGORITHM])


def jwt_header(token: str) -> dict | None:
    """The protected header of a compact JWS, unverified, or None when it is not one."""
    try:
        return jws.extract_compact(token.strip().encode()).headers()
    except (JoseError, ValueError, UnicodeError):
        return None


def verify_jwt(token: str, raw_public: bytes) -> dict | None:
    """The credential in ``token`` if its signature verifies with the key, else None."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    key = OKPKey.import_key(Ed25519PublicKey.from_public_bytes(raw_public))
    try:
        obj = jws.deserialize_compact(token.strip(), key, algorithms=[ALGORITHM])
    except (JoseError, ValueError, UnicodeError):
        return None
    try:
        payload = json.loads(obj.payload)
    except ValueError:
        return None
    return payload if isinstance(payload, dict) else None
