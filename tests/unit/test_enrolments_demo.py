"""Demo data: a certificate for the NIP official, a pending request; idempotent."""

import sqlalchemy as sa

from elearn.certificates.models import Certificate, CertificateEvent
from elearn.demo import seed_demo_accounts
from elearn.enrolments import demo
from elearn.enrolments.models import Enrolment, EnrolmentRequest, ModuleProgress
from elearn.extensions import db
from tests import factories


def counts():
    return [db.session.scalar(sa.select(sa.func.count()).select_from(model))
            for model in (Enrolment, ModuleProgress, Certificate, CertificateEvent,
                          EnrolmentRequest)]


def test_seed_skips_without_the_course(app):
    seed_demo_accounts()
    demo.seed()
    assert counts() == [0, 0, 0, 0, 0]


def test_seed_is_idempotent(app):
    seed_demo_accounts()
    factories.make_course(slug=demo.NIP_COURSE, modules=3, restricted=True,
                          audiences=("nip-official", "stockholm-focal-point"))
    demo.seed()
    db.session.commit()
    first = counts()
    assert first == [1, 3, 1, 1, 1]
    certificate = db.session.scalar(sa.select(Certificate))
    assert certificate.learner_name == "Nadia NIP Official"
    assert certificate.audience.slug == "nip-official"
    demo.seed()
    db.session.commit()
    assert counts() == first
