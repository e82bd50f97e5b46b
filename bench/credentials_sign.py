"""Signing and checking verifiable credentials, against a bare Ed25519 signature.

Run by hand: .venv/bin/python bench/credentials_sign.py [count]

Pure functions only (no database, no request). Prints, measured in the same run:
- baseline: Ed25519 over the compact JSON of the credential (the least any signature costs);
- the eddsa-rdfc-2022 proof (RDFC-1.0 canonicalisation by pyld of the credential and the proof
  options, then Ed25519), its check, the VC-JWT, and the signed status list credential,
  each with its ratio to the baseline.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from elearn.certificates import credentials as vc
from elearn.certificates import dataintegrity, jose, keys

ISSUER = vc.Issuer(id="https://elearn.example.org/credentials/issuer",
                   name="Secretariat of the Basel, Rotterdam and Stockholm conventions",
                   url="https://elearn.example.org/")


def badge(n: int) -> dict:
    return vc.open_badge(vc.BadgeData(
        credential_id=f"https://elearn.example.org/certificates/k7m2q-x9tzp-a4bcd-{n:05d}",
        issuer=ISSUER, learner_name="Олена Шевченко", email=f"learner{n}@example.org",
        salt=f"{n:032x}", achievement_id="https://elearn.example.org/courses/customs",
        course_title="Customs and the chemicals and waste conventions",
        course_summary="Controls at the border", criteria="Completed every module.",
        valid_from=datetime(2026, 11, 24, tzinfo=UTC), valid_until=None,
        status_list_url="https://elearn.example.org/credentials/status/1", status_index=n))


def per_call_ms(function, count: int) -> float:
    started = time.perf_counter()
    for n in range(count):
        function(n)
    return 1000 * (time.perf_counter() - started) / count


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    key = keys.generate_key(Path(tempfile.mkdtemp(prefix="elearn-keys-")))
    method = ISSUER.key_url(key.key_id)
    signed = dataintegrity.add_proof(badge(0), key.private, method, "2026-11-24T00:00:00Z")
    dataintegrity.canonicalize(badge(0))  # contexts parsed once, as in a running server
    base = per_call_ms(lambda n: key.private.sign(
        json.dumps(badge(n), separators=(",", ":")).encode()), count)
    rows = [
        ("eddsa-rdfc-2022 proof", per_call_ms(lambda n: dataintegrity.add_proof(
            badge(n), key.private, method, "2026-11-24T00:00:00Z"), count)),
        ("check of that proof", per_call_ms(
            lambda n: dataintegrity.verify_proof(signed, key.raw_public), count)),
        ("VC-JWT", per_call_ms(lambda n: jose.sign_jwt(badge(n), key.private, method), count)),
        ("status list (131,072 bits, 100 set)", per_call_ms(lambda n: dataintegrity.add_proof(
            vc.status_list_credential("https://elearn.example.org/credentials/status/1", ISSUER,
                                      set(range(0, 10_000, 100)), datetime(2026, 11, 24,
                                                                          tzinfo=UTC)),
            key.private, method, "2026-11-24T00:00:00Z"), max(10, count // 10))),
    ]
    print(f"{count} credentials")
    print(f"  baseline Ed25519 over compact JSON : {base:7.2f} ms each")
    for name, ms in rows:
        print(f"  {name:35}: {ms:7.2f} ms each  ({ms / base:6.1f}x the baseline)")


if __name__ == "__main__":
    main()
