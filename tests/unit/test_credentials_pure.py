"""Pure parts of verifiable credentials: the status list bitstring, the badge document, the
proof, keys and rotation, the course validity field."""

from __future__ import annotations

import copy
import dataclasses
from datetime import UTC, datetime

import pytest
from pyld import jsonld

from elearn.certificates import credentials as vc
from elearn.certificates import dataintegrity, keys
from elearn.certificates.status_list import LIST_SIZE, decode_list, encode_list, is_set, list_number
from elearn.courses.files import load_tree
from tests.courses_helpers import AUDIENCES, copy_tree, edit

ISSUER = vc.Issuer(id="https://learn.example.org/credentials/issuer", name="BRS",
                   url="https://learn.example.org/")


def badge(**changes) -> dict:
    data = vc.BadgeData(
        credential_id="https://learn.example.org/certificates/abcde-fghij-kmnpq-rstuv",
        issuer=ISSUER, learner_name="Nguyễn Thị Hoa", email="Hoa@Example.org", salt="s4lt",
        achievement_id="https://learn.example.org/courses/esm", course_title="ESM",
        course_summary="Wastes", criteria="Completed every module.",
        valid_from=datetime(2026, 3, 1, 9, 30, tzinfo=UTC), valid_until=None,
        status_list_url="https://learn.example.org/credentials/status/1", status_index=42)
    return vc.open_badge(dataclasses.replace(data, **changes))


def test_status_list_sets_exactly_the_given_bits_from_the_left():
    encoded = encode_list({0, 9, LIST_SIZE - 1})
    assert encoded.startswith("u") and "=" not in encoded
    bits = decode_list(encoded)
    assert len(bits) * 8 == LIST_SIZE  # the specification's minimum size
    assert bits[0] == 0x80 and bits[1] == 0x40
    assert [i for i in (0, 1, 8, 9, 10, LIST_SIZE - 1) if is_set(bits, i)] == [0, 9, LIST_SIZE - 1]
    assert encode_list(set()) == encode_list(set())  # deterministic (no gzip time stamp)
    with pytest.raises(ValueError):
        encode_list({LIST_SIZE})
    assert list_number(LIST_SIZE - 1) == 1 and list_number(LIST_SIZE) == 2


def test_badge_names_learner_by_salted_hash_and_carries_validity():
    document = badge(valid_until=datetime(2027, 3, 1, 9, 30, tzinfo=UTC))
    identity = document["credentialSubject"]["identifier"][0]
    assert identity["identityHash"] == vc.identity_hash("hoa@example.org", "s4lt")
    assert identity["identityHash"] != vc.identity_hash("hoa@example.org", "other")
    assert document["validFrom"] == "2026-03-01T09:30:00Z"
    assert document["validUntil"] == "2027-03-01T09:30:00Z"
    assert document["credentialStatus"]["statusListIndex"] == "42"
    assert "validUntil" not in badge()


def test_proof_verifies_and_any_change_breaks_it(tmp_path):
    key = keys.generate_key(tmp_path)
    signed = dataintegrity.add_proof(badge(), key.private, ISSUER.key_url(key.key_id),
                                     "2026-03-01T09:30:00Z")
    assert dataintegrity.verify_proof(signed, key.raw_public)
    for path, value in [(("credentialSubject", "name"), "Nguyễn Thị Hoà"),
                        (("validFrom",), "2026-03-01T09:30:01Z"),
                        (("credentialStatus", "statusListIndex"), "43")]:
        changed = copy.deepcopy(signed)
        target = changed
        for part in path[:-1]:
            target = target[part]
        target[path[-1]] = value
        assert not dataintegrity.verify_proof(changed, key.raw_public), path
    other = keys.generate_key(tmp_path)
    assert not dataintegrity.verify_proof(signed, other.raw_public)


def test_contexts_are_never_fetched():
    document = badge()
    document["@context"].append("https://example.org/remote-context.jsonld")
    with pytest.raises(jsonld.JsonLdError):
        dataintegrity.canonicalize(document)
    with pytest.raises(jsonld.JsonLdError, match="not shipped"):
        dataintegrity.document_loader("https://example.org/remote-context.jsonld")


def test_multikey_round_trip_and_rotation_order(tmp_path):
    first = keys.generate_key(tmp_path, datetime(2026, 1, 1, tzinfo=UTC))
    second = keys.generate_key(tmp_path, datetime(2026, 1, 1, tzinfo=UTC))
    third = keys.generate_key(tmp_path, datetime(2026, 6, 1, tzinfo=UTC))
    assert first.multibase.startswith("z6Mk")
    assert keys.decode_multibase_key(first.multibase) == first.raw_public
    assert keys.decode_multibase_key("zzz") is None
    assert [k.key_id for k in keys.load_keys(tmp_path)] == [first.key_id, second.key_id,
                                                            third.key_id]
    assert (tmp_path / f"{first.key_id}.pem").stat().st_mode & 0o077 == 0


def test_course_validity_field(tmp_path):
    tree = copy_tree(tmp_path)
    path = tree / "intro-course/course.yaml"
    edit(path, "published: true", "published: true\ncertificate_validity_months: 24")
    (spec,), problems = load_tree(tree, audiences=AUDIENCES)
    assert problems == [] and spec.certificate_validity_months == 24
    edit(path, "certificate_validity_months: 24", "certificate_validity_months: forever")
    _, problems = load_tree(tree, audiences=AUDIENCES)
    assert [p.message for p in problems] == [
        "certificate_validity_months: must be a whole number of months (1-600)"]
