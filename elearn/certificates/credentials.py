"""Open Badges 3.0 credentials (W3C Verifiable Credentials 2.0): pure functions of data.

``open_badge(data)`` builds the unsigned credential; ``issuer_profile``, ``status_list_credential``
and ``jwks`` the documents a verifier fetches. Signing lives in ``dataintegrity`` (embedded
eddsa-rdfc-2022 proof) and ``jose`` (VC-JWT); ``services`` gathers the data from the database.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from elearn.certificates.dataintegrity import MULTIKEY_V1, OB_V3, VC_V2
from elearn.certificates.status_list import STATUS_PURPOSE, encode_list


def xsd_datetime(moment: datetime) -> str:
    """UTC, whole seconds, ``Z``: the form every VC library reads."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Issuer:
    id: str  # the issuer profile URL
    name: str
    url: str  # the platform's home page

    def key_url(self, key_id: str) -> str:
        return f"{self.id}#{key_id}"


@dataclass(frozen=True)
class BadgeData:
    credential_id: str  # the public verification URL of the certificate
    issuer: Issuer
    learner_name: str
    email: str
    salt: str
    achievement_id: str  # the course page URL
    course_title: str
    course_summary: str
    criteria: str
    valid_from: datetime
    valid_until: datetime | None
    status_list_url: str
    status_index: int


def identity_hash(email: str, salt: str) -> str:
    """Open Badges' salted hash of an identifier: ``sha256$`` + hex(SHA-256(value + salt))."""
    return "sha256$" + hashlib.sha256((email.strip().lower() + salt).encode()).hexdigest()


def open_badge(data: BadgeData) -> dict:
    """The unsigned OpenBadgeCredential of one certificate."""
    credential = {
        "@context": [VC_V2, OB_V3],
        "id": data.credential_id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": data.issuer.id, "type": ["Profile"], "name": data.issuer.name,
                   "url": data.issuer.url},
        "validFrom": xsd_datetime(data.valid_from),
        "name": data.course_title,
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "name": data.learner_name,
            "identifier": [{
                "type": "IdentityObject",
                "identityHash": identity_hash(data.email, data.salt),
                "identityType": "emailAddress",
                "hashed": True,
                "salt": data.salt,
            }],
            "achievement": {
                "id": data.achievement_id,
                "type": ["Achievement"],
                "achievementType": "Certificate",
                "name": data.course_title,
                "description": data.course_summary or data.course_title,
                "criteria": {"narrative": data.criteria},
            },
        },
        "credentialStatus": status_entry(data.status_list_url, data.status_index),
    }
    if data.valid_until is not None:
        credential["validUntil"] = xsd_datetime(data.valid_until)
    return credential


def status_entry(list_url: str, index: int) -> dict:
    return {
        "id": f"{list_url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": STATUS_PURPOSE,
        "statusListIndex": str(index),
        "statusListCredential": list_url,
    }


def status_list_credential(list_url: str, issuer: Issuer, revoked: set[int],
                           valid_from: datetime) -> dict:
    """The unsigned BitstringStatusListCredential with the given indexes set."""
    return {
        "@context": [VC_V2],
        "id": list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer.id,
        "validFrom": xsd_datetime(valid_from),
        "credentialSubject": {
            "id": f"{list_url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": STATUS_PURPOSE,
            "encodedList": encode_list(revoked),
        },
    }


def verification_method(issuer: Issuer, key_id: str, multibase: str) -> dict:
    return {"@context": MULTIKEY_V1, "id": issuer.key_url(key_id), "type": "Multikey",
            "controller": issuer.id, "publicKeyMultibase": multibase}


#: the controller-document terms (W3C Controlled Identifiers) a verifier reads from the profile
CONTROLLER_TERMS = {
    "verificationMethod": {"@id": "https://w3id.org/security#verificationMethod",
                           "@type": "@id"},
    "assertionMethod": {"@id": "https://w3id.org/security#assertionMethod", "@type": "@id",
                        "@container": "@set"},
    "jwks_uri": {"@id": "https://w3id.org/security#jwks_uri", "@type": "@id"},
}


def issuer_profile(issuer: Issuer, keys: list[tuple[str, str]], jwks_url: str) -> dict:
    """The issuer's Open Badges Profile, also its controller document: every kept key as a
    Multikey verification method authorised for assertions. ``keys``: (key id, multibase)."""
    methods = [verification_method(issuer, key_id, multibase) for key_id, multibase in keys]
    for method in methods:
        del method["@context"]
    return {
        "@context": [VC_V2, OB_V3, MULTIKEY_V1, CONTROLLER_TERMS],
        "id": issuer.id,
        "type": ["Profile"],
        "name": issuer.name,
        "url": issuer.url,
        "verificationMethod": methods,
        "assertionMethod": [method["id"] for method in methods],
        "jwks_uri": jwks_url,
    }


def jwks(issuer: Issuer, keys: list[tuple[str, dict]]) -> dict:
    """The same keys as a JWK Set; ``kid`` is the verification method URL a JWT names."""
    return {"keys": [{**jwk, "kid": issuer.key_url(key_id), "alg": "EdDSA", "use": "sig"}
                     for key_id, jwk in keys]}
