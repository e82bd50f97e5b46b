"""Data Integrity proofs with the ``eddsa-rdfc-2022`` cryptosuite (W3C VC-DI-EdDSA).

Both the document (without its proof) and the proof options are canonicalised with RDFC-1.0
(pyld's URDNA2015, the same algorithm), hashed with SHA-256, and the two hashes (options first)
are signed with Ed25519; ``proofValue`` is the signature in multibase base58btc.

JSON-LD contexts come from ``contexts/`` in this package: the document loader never goes to
the network, and a document naming any other context is refused.
"""

from __future__ import annotations

import copy
import hashlib
import json
from functools import cache
from pathlib import Path

import base58
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pyld import jsonld

VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_V3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
MULTIKEY_V1 = "https://w3id.org/security/multikey/v1"

CONTEXT_FILES = {
    VC_V2: "credentials-v2.jsonld",
    OB_V3: "ob-v3p0-context-3.0.3.json",
    MULTIKEY_V1: "multikey-v1.jsonld",
}
CONTEXT_DIR = Path(__file__).parent / "contexts"

CRYPTOSUITE = "eddsa-rdfc-2022"


class UnknownContext(ValueError):
    pass


@cache
def _context(url: str) -> dict:
    return json.loads((CONTEXT_DIR / CONTEXT_FILES[url]).read_text(encoding="utf-8"))


def document_loader(url: str, options=None) -> dict:
    """pyld document loader serving the shipped contexts only."""
    if url not in CONTEXT_FILES:
        raise jsonld.JsonLdError(f"context {url} is not shipped with elearn", "loading document failed",
                                 code="loading document failed")
    return {"contextUrl": None, "documentUrl": url, "document": _context(url)}


def canonicalize(document: dict) -> str:
    """RDFC-1.0 canonical N-Quads of a JSON-LD document (contexts loaded locally)."""
    return jsonld.normalize(document, {
        "algorithm": "URDNA2015", "format": "application/n-quads",
        "documentLoader": document_loader,
    })


def _hash_data(document: dict, proof_options: dict) -> bytes:
    unsecured = {key: value for key, value in document.items() if key != "proof"}
    options = {key: value for key, value in proof_options.items() if key != "proofValue"}
    options["@context"] = unsecured["@context"]
    return (hashlib.sha256(canonicalize(options).encode()).digest()
            + hashlib.sha256(canonicalize(unsecured).encode()).digest())


def add_proof(document: dict, private_key, verification_method: str, created: str) -> dict:
    """A copy of ``document`` with an embedded DataIntegrityProof (assertionMethod)."""
    proof = {
        "type": "DataIntegrityProof",
        "cryptosuite": CRYPTOSUITE,
        "created": created,
        "verificationMethod": verification_method,
        "proofPurpose": "assertionMethod",
    }
    signature = private_key.sign(_hash_data(document, proof))
    secured = copy.deepcopy(document)
    secured["proof"] = {**proof, "proofValue": "z" + base58.b58encode(signature).decode()}
    return secured


def proof_of(document: dict) -> dict | None:
    """The one eddsa-rdfc-2022 proof of a document, or None."""
    proof = document.get("proof")
    if isinstance(proof, list) and len(proof) == 1:
        proof = proof[0]
    if (not isinstance(proof, dict) or proof.get("type") != "DataIntegrityProof"
            or proof.get("cryptosuite") != CRYPTOSUITE):
        return None
    return proof


def verify_proof(document: dict, raw_public: bytes) -> bool:
    """Whether the embedded proof verifies with the Ed25519 key ``raw_public``."""
    proof = proof_of(document)
    if proof is None or not isinstance(proof.get("proofValue"), str):
        return False
    value = proof["proofValue"]
    if not value.startswith("z"):
        return False
    try:
        signature = base58.b58decode(value[1:])
        data = _hash_data(document, proof)
        Ed25519PublicKey.from_public_bytes(raw_public).verify(signature, data)
    except (InvalidSignature, ValueError, jsonld.JsonLdError):
        return False
    return True
