"""Certificate PDFs per second, for 200 certificates with names in mixed scripts.

Run by hand: .venv/bin/python bench/certificates_pdf.py [count]

Prints, measured in the same run:
- baseline: an fpdf2 A4 landscape page with plain Latin text in a core font, no QR code;
- elearn: render_certificate (DejaVu Sans, HarfBuzz shaping for Arabic, QR code), including
  the one-off font loading of the first certificate (a fresh process, as after a deploy);
- elearn, warm: the same once the fonts are loaded.
The target is under 50 ms a certificate.
"""

from __future__ import annotations

import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fpdf import FPDF

from elearn.certificates.pdf import CertificateData, render_certificate

NAMES = [
    "Zoë Ångström-Núñez", "Дмитрий Ёжиков", "فاطمة محمد", "Nguyễn Thị Hương",
    "François Lefèvre", "Олена Шевченко", "محمد عبد الرحمن", "Łukasz Żółć", "Kofi Mensah",
    "Αικατερίνη Παπαδοπούλου",
]
COURSES = ["Customs and the chemicals and waste conventions",
           "Environmentally sound management of hazardous wastes",
           "Reviewing and updating your national implementation plan"]


def certificate(n: int) -> CertificateData:
    code = f"k7m2q-x9tzp-a4bcd-{n:05d}".replace("0", "a").replace("1", "b")
    return CertificateData(
        learner_name=NAMES[n % len(NAMES)], course_title=COURSES[n % len(COURSES)],
        audience_name="Customs officer", completed_on=date(2026, 11, 24),
        issuing_body="Secretariat of the Basel, Rotterdam and Stockholm conventions",
        code=code, verification_url=f"https://elearn.example.org/certificates/{code}",
    )


def baseline(n: int) -> bytes:
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.add_page()
    pdf.set_font("helvetica", "B", 30)
    pdf.cell(0, 20, "Certificate of completion", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", "", 14)
    for line in ("This certifies that", f"Learner {n}", "has completed the course",
                 COURSES[n % len(COURSES)], "Audience: Customs officer", "Completed on 2026-11-24",
                 "Secretariat of the Basel, Rotterdam and Stockholm conventions"):
        pdf.cell(0, 10, line, align="C", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def rate(function, count: int) -> tuple[float, float]:
    started = time.perf_counter()
    for n in range(count):
        function(n)
    elapsed = time.perf_counter() - started
    return count / elapsed, 1000 * elapsed / count


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    base_rate, base_ms = rate(baseline, count)
    cold_rate, cold_ms = rate(lambda n: render_certificate(certificate(n)), count)
    warm_rate, warm_ms = rate(lambda n: render_certificate(certificate(n)), count)
    size = len(render_certificate(certificate(2)))
    print(f"{count} certificates, mixed scripts (Latin, Cyrillic, Greek, Arabic)")
    print(f"  baseline fpdf2 Latin page, no QR : {base_rate:7.1f} PDF/s  {base_ms:6.1f} ms each")
    print(f"  elearn certificate (cold start)  : {cold_rate:7.1f} PDF/s  {cold_ms:6.1f} ms each")
    print(f"  elearn certificate (fonts loaded): {warm_rate:7.1f} PDF/s  {warm_ms:6.1f} ms each")
    print(f"  ratio elearn/baseline (warm)     : {warm_ms / base_ms:7.2f}x the time")
    print(f"  PDF size (Arabic name)           : {size / 1024:.0f} KiB")
    print(f"  target < 50 ms each: {'met' if cold_ms < 50 else 'NOT met'}")


if __name__ == "__main__":
    main()
