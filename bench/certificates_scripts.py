"""Certificate PDF time per script, with the fallback fonts (run by hand, not a test).

Run: .venv/bin/python bench/certificates_scripts.py

For each name: the first certificate (fonts parsed, fallback subset made) and the mean of three
more with the same name (subset reused), and the ratio of that to a Latin name. Needs the
Debian packages fonts-noto-cjk and fonts-lohit-deva (the default fallback fonts).
"""

from __future__ import annotations

import logging
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from elearn.certificates.fonts import fallback_paths
from elearn.certificates.pdf import CertificateData, render_certificate
from elearn.config import DEFAULTS

logging.getLogger("fontTools").setLevel(logging.WARNING)
FALLBACKS = fallback_paths(DEFAULTS["CERTIFICATE_FALLBACK_FONTS"])
NAMES = ["Zoë Ångström", "محمد عبد الرحمن", "Γιώργος Παπαδόπουλος", "王小明", "山田 花子",
         "김민준", "अनीता शर्मा", "Ana 王 अनीता"]


def certificate(name: str, code: str) -> CertificateData:
    return CertificateData(
        learner_name=name, course_title="Customs and the chemicals and waste conventions",
        audience_name="Customs officer", completed_on=date(2026, 11, 30),
        issuing_body="Secretariat of the Basel, Rotterdam and Stockholm conventions", code=code,
        verification_url=f"http://localhost/certificates/{code}")


def main() -> None:
    latin = None
    for number, name in enumerate(NAMES):
        start = time.perf_counter()
        render_certificate(certificate(name, f"c{number}"), fallback_fonts=FALLBACKS)
        first = time.perf_counter() - start
        start = time.perf_counter()
        for again in range(3):
            render_certificate(certificate(name, f"c{number}-{again}"), fallback_fonts=FALLBACKS)
        warm = (time.perf_counter() - start) / 3
        latin = latin or warm
        print(f"{name:<24} first {first * 1000:6.0f} ms   again {warm * 1000:5.0f} ms   "
              f"ratio to Latin {warm / latin:4.1f}")


if __name__ == "__main__":
    main()
