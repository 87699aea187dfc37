"""What signature verification adds to intake: the intake check of a 1-page PDF (safety
scan, secrecy markings, legacy fonts, signatures) with and without a signature, median
and p95 in ms. Runs offline with its own test PKI:

    .venv/bin/python bench/signatures.py [rounds]
"""

import os
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _measure(fn, rounds):
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[max(0, int(len(times) * 0.95) - 1)]


def main(rounds=50):
    from asn1crypto import crl as asn1_crl
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives import serialization

    from app import create_app
    from app.core.filecheck import check_main_pdf
    from app.trust import services, signatures
    from config import TestConfig
    from tests import pdfs, pki

    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI="sqlite://")
    p = pki.pki()
    der = serialization.Encoding.DER
    anchors = signatures.Anchors(
        roots=[asn1_x509.Certificate.load(p.root.public_bytes(der))],
        crls=[asn1_crl.CertificateList.load(p.crl.public_bytes(der))])
    rows = []
    with app.test_request_context(), tempfile.TemporaryDirectory() as tmp:
        cases = {"unsigned 1-page PDF": pdfs.clean_pdf(),
                 "signed 1-page PDF": pki.signed("valid")}
        for label, data in cases.items():
            path = os.path.join(tmp, "doc.pdf")
            with open(path, "wb") as fh:
                fh.write(data)

            def safety_only(path=path):
                check_main_pdf(path, "doc.pdf")

            def full(path=path):
                result = check_main_pdf(path, "doc.pdf")
                services.secrecy.find_marking(result.text)
                services.report_for(path, anchors)

            full()  # warm-up (imports, font caches)
            base = _measure(safety_only, rounds)
            total = _measure(full, rounds)
            rows.append((label, base, total))
    print(f"Intake check, {rounds} rounds (ms)\n")
    print("| file | safety scan only: median / p95 | with trust checks: median / p95 "
          "| added (median) |")
    print("|---|---|---|---|")
    for label, base, total in rows:
        print(f"| {label} | {base[0]:.1f} / {base[1]:.1f} | {total[0]:.1f} / {total[1]:.1f} "
              f"| {total[0] - base[0]:.1f} |")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50)
