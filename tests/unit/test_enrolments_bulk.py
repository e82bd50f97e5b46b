"""Bulk enrolment by CSV: reading the file, the preview row by row, applying it once."""

import pytest
import sqlalchemy as sa

from elearn.accounts.models import User
from elearn.enrolments import bulk, bulk_file
from elearn.enrolments.models import Enrolment, EnrolmentSource, EnrolmentStatus
from elearn.extensions import db
from elearn.outbox.models import OutboxMessage
from tests import factories

HEADER = "email,name,audience,country,centre\n"


def outcomes(preview):
    return [(row.outcome, row.error) for row in preview.rows]


def run(text: str, course, actor, *, encoding="utf-8"):
    return bulk.preview(bulk_file.parse(text.encode(encoding)), course, actor)


def test_bom_and_semicolons_are_accepted(app, trainer):
    course = factories.make_course(owner=trainer)
    text = "\ufeffEmail;Name;Audience;Country\nana@example.org;Ana Núñez;customs-officer;SN\n"
    preview = run(text, course, trainer)
    assert outcomes(preview) == [(bulk.CREATE, "")]
    assert preview.rows[0].name == "Ana Núñez"


def test_windows_1252_and_latin_1_files_are_read(app, trainer):
    """What Excel's plain "CSV" saves in Western European offices (a real-world-shaped file:
    CRLF, an en dash and curly quotes that exist only in Windows-1252, a straight apostrophe)."""
    from pathlib import Path

    course = factories.make_course(owner=trainer)
    data = (Path(__file__).parent.parent / "fixtures" / "enrolments"
            / "excel-windows-1252.csv").read_bytes()
    preview = bulk.preview(bulk_file.parse(data), course, trainer)
    assert outcomes(preview) == [(bulk.CREATE, ""), (bulk.CREATE, "")]
    assert preview.rows[0].name == "Zoë Müller – “Z”"
    assert preview.rows[0].country == "CI"
    latin1 = (HEADER + "zoe@example.org,Zoë,customs-officer,SN\n").encode("latin-1")
    assert bulk_file.parse(latin1)[0][1]["name"] == "Zoë"


@pytest.mark.parametrize("country", [
    "Côte d’Ivoire", "Côte d'Ivoire", "cote d'ivoire", "CÔTE  D`IVOIRE", "ci"])
def test_country_names_ignore_apostrophe_kind_accents_and_case(app, trainer, country):
    course = factories.make_course(owner=trainer)
    preview = run(HEADER + f"ana@example.org,Ana,customs-officer,{country}\n", course, trainer)
    assert outcomes(preview) == [(bulk.CREATE, "")]
    assert preview.rows[0].country == "CI"


def test_a_mostly_utf8_file_with_a_broken_line_names_the_line(app):
    data = (HEADER + "ana@example.org,Ana Núñez,customs-officer,SN\n").encode() + \
        b"zoe@example.org,Zo\xeb,customs-officer,SN\n"
    with pytest.raises(bulk_file.BulkFileError, match="Line 3") as error:
        bulk_file.parse(data)
    assert "position" not in str(error.value)


def test_binary_files_are_refused_clearly(app):
    with pytest.raises(bulk_file.BulkFileError, match="PDF"):
        bulk_file.parse(b"%PDF-1.7 ...")


@pytest.mark.parametrize("text, message", [
    ("ana@example.org,Ana,customs-officer,SN\n", "header"),
    ("email,name,country\nana@example.org,Ana,SN\n", "missing: audience"),
    ("", "empty"),
    (HEADER, "no rows"),
    (HEADER + "\n\n", "no rows"),
])
def test_missing_header_or_rows(app, text, message):
    with pytest.raises(bulk_file.BulkFileError, match=message):
        bulk_file.parse(text.encode())


def test_each_row_gets_its_outcome_or_error(app, trainer):
    course = factories.make_course(owner=trainer, restricted=True,
                                   audiences=("customs-officer",))
    enrolled = factories.make_user(email="enrolled@example.org")
    factories.enrol(enrolled, course)
    factories.make_user(email="known@example.org")
    factories.make_user(email="ngo@example.org", audience_slug="ngo")
    text = HEADER + "\n".join([  # noqa: FLY002
        "new@example.org,New Person,customs-officer,SN,",
        "KNOWN@example.org,,customs-officer,SN,",
        "enrolled@example.org,,customs-officer,SN,",
        "not-an-email,X,customs-officer,SN,",
        "x@example.org,X,astronaut,SN,",
        "y@example.org,Y,customs-officer,XX,",
        "z@example.org,Z,ngo,SN,",
        "ngo@example.org,,customs-officer,SN,",
        "new@example.org,New Again,customs-officer,SN,",
        "w@example.org,W,customs-officer,SN,Atlantis centre",
        "v@example.org,,customs-officer,SN,",
        "u@example.org,U,Customs officer,senegal,bcrc-caribbean",
    ]) + "\n"
    preview = run(text, course, trainer)
    results = outcomes(preview)
    assert results[0] == (bulk.CREATE, "")
    assert results[1] == (bulk.ENROL, "")
    assert results[2] == (bulk.ALREADY, "")
    assert results[3] == (bulk.ERROR, "Bad email address.")
    assert "Unknown audience" in results[4][1]
    assert "Unknown country" in results[5][1]
    assert "not allowed" in results[6][1]  # a new account of another audience
    assert "not allowed" in results[7][1]  # an existing account of another audience
    assert "Duplicate row" in results[8][1] and "line 2" in results[8][1]
    assert "Unknown centre" in results[9][1]
    assert "name is needed" in results[10][1]
    assert results[11] == (bulk.CREATE, "")  # audience by name, country by name, centre slug
    assert preview.counts == {bulk.CREATE: 2, bulk.ENROL: 1, bulk.ALREADY: 1, bulk.ERROR: 8}
    assert [row.line for row in preview.rows] == list(range(2, 14))


def test_apply_writes_valid_rows_once_and_a_second_run_changes_nothing(app, trainer, outbox):
    course = factories.make_course(owner=trainer)
    existing = factories.make_user(email="known@example.org", name="Known Person")
    text = HEADER + (
        "new@example.org,Nouvelle Personne,customs-officer,SN,bcrc-caribbean\n"
        "known@example.org,Another Name,ngo,FR,\n"
        "bad,Bad,customs-officer,SN,\n"
    )
    records = bulk_file.parse(text.encode())
    result = bulk.apply(records, course, trainer)
    db.session.commit()
    assert (result.created, result.enrolled, result.reenrolled, result.errors) == (1, 2, 0, 1)
    new = db.session.scalar(sa.select(User).where(User.email == "new@example.org"))
    assert new.name == "Nouvelle Personne" and new.password_hash is None
    assert new.centre.slug == "bcrc-caribbean" and new.country == "SN"
    db.session.refresh(existing)
    assert existing.name == "Known Person" and existing.audience.slug == "customs-officer"
    enrolments = db.session.scalars(sa.select(Enrolment)).all()
    assert {e.user_id for e in enrolments} == {new.id, existing.id}
    assert {e.source for e in enrolments} == {EnrolmentSource.bulk}

    bulk.send_welcome_mail(result.new_accounts, course)
    assert [m["To"] for m in outbox] == ["new@example.org"]
    body = outbox[0].get_content()
    assert "/password/reset/" in body and course.title in body
    from elearn.accounts.services import user_for_reset_token

    token = body.split("/password/reset/")[1].split()[0]
    assert user_for_reset_token(token).id == new.id

    users_before = db.session.scalar(sa.select(sa.func.count(User.id)))
    again = bulk.apply(bulk_file.parse(text.encode()), course, trainer)
    db.session.commit()
    assert (again.created, again.enrolled, again.already) == (0, 0, 2)
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == users_before
    assert db.session.scalar(sa.select(sa.func.count(Enrolment.id))) == 2


def test_withdrawn_learners_are_enrolled_again_with_their_progress(app, trainer):
    course = factories.make_course(owner=trainer, modules=2)
    learner = factories.make_user(email="back@example.org")
    from elearn.enrolments import services

    enrolment = services.enrol(learner, course)
    services.mark_module_done(enrolment, course.modules[0])
    services.withdraw(enrolment)
    db.session.commit()
    records = bulk_file.parse((HEADER + "back@example.org,,customs-officer,SN,\n").encode())
    assert outcomes(bulk.preview(records, course, trainer)) == [(bulk.REENROL, "")]
    result = bulk.apply(records, course, trainer)
    db.session.commit()
    assert result.reenrolled == 1
    db.session.refresh(enrolment)
    assert enrolment.status is EnrolmentStatus.active and enrolment.progress_percent == 50


def test_coordinators_enrol_only_people_of_their_centre(app, coordinator):
    course = factories.make_course()
    factories.make_user(email="ours@example.org", centre="bcrc-caribbean")
    factories.make_user(email="theirs@example.org", centre="bcrc-pacific")
    factories.make_user(email="nocentre@example.org")
    text = HEADER + "\n".join([  # noqa: FLY002
        "new1@example.org,New One,customs-officer,JM,",
        "new2@example.org,New Two,customs-officer,JM,bcrc-caribbean",
        "new3@example.org,New Three,customs-officer,JM,bcrc-pacific",
        "ours@example.org,,customs-officer,JM,",
        "theirs@example.org,,customs-officer,JM,",
        "nocentre@example.org,,customs-officer,JM,",
    ]) + "\n"
    records = bulk_file.parse(text.encode())
    results = outcomes(bulk.preview(records, course, coordinator))
    assert results[:2] == [(bulk.CREATE, ""), (bulk.CREATE, "")]
    assert "not of your centre" in results[2][1]
    assert results[3] == (bulk.ENROL, "")
    assert "not of your centre" in results[4][1] and "not of your centre" in results[5][1]
    bulk.apply(records, course, coordinator)
    db.session.commit()
    centres = set(db.session.scalars(sa.select(User.centre_id).where(
        User.email.in_(["new1@example.org", "new2@example.org"]))))
    assert centres == {coordinator.centre_id}


def test_ten_thousand_rows_in_one_transaction_with_bulk_statements(app, trainer, count_queries):
    """The time it takes is measured by bench/bulk_enrolment.py, not asserted here."""
    course = factories.make_course(owner=trainer)
    from elearn.accounts.services import create_user

    for n in range(20):  # some already have accounts, some of them are enrolled
        user = create_user(email=f"person{n}@example.org", name=f"P {n}", password=None,
                           audience=factories.audience(), country="SN")
        if n % 2:
            factories.enrol(user, course)
    text = HEADER + "".join(
        f"person{n}@example.org,Person {n},customs-officer,SN,\n" for n in range(10_000))
    records = bulk_file.parse(text.encode())
    with count_queries() as counter:
        result = bulk.apply(records, course, trainer)
        bulk.send_welcome_mail(result.new_accounts, course)
        db.session.commit()
    assert (result.created, result.enrolled, result.already) == (9_980, 9_990, 10)
    from elearn.reports.rollups import PEOPLE_PER_STATEMENT

    # bulk statements, not one per row (the rollups take about fifteen per chunk of people:
    # facts before and after, three sums each way, facts out and in, medians, sets of people)
    assert counter.count < 30 + 15 * (10_000 // PEOPLE_PER_STATEMENT)
    assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 9_980
    assert db.session.scalar(sa.select(sa.func.count(Enrolment.id))) == 10_000


@pytest.mark.parametrize("address, ok", [
    ("ana@example.org", True), ("Ana.Diallo+cbt@Example.ORG", True), ("josé@exämple.org", True),
    ("ana@", False), ("@example.org", False), ("ana..b@example.org", False),
    ("ana@example", False), ("a b@example.org", False), ("ana@example.org.", False),
])
def test_email_check(app, address, ok):
    assert (bulk._valid_email(address) is not None) is ok


def test_signed_file_is_bound_to_course_and_person(app):
    token = bulk_file.sign_file("email\n", 1, 2)
    assert bulk_file.unsign_file(token, 1, 2) == "email\n"
    assert bulk_file.unsign_file(token, 1, 3) is None
    assert bulk_file.unsign_file(token, 9, 2) is None
    assert bulk_file.unsign_file(token[:-2] + "xx", 1, 2) is None


def test_a_row_lists_every_error_not_only_the_first(app, trainer):
    course = factories.make_course(owner=trainer)
    text = HEADER + ("bad,X,spacefarer,Atlantis,\n"
                     "new@example.org,,customs-officer,SN,nowhere-centre\n"
                     "ok@example.org,Ok,customs-officer,SN,\n")
    rows = run(text, course, trainer).rows
    assert rows[0].outcome == bulk.ERROR and len(rows[0].errors) == 3
    assert "Bad email address." in rows[0].errors
    assert any("spacefarer" in e for e in rows[0].errors)
    assert any("Atlantis" in e for e in rows[0].errors)
    assert rows[1].outcome == bulk.ERROR and len(rows[1].errors) == 2
    assert any("nowhere-centre" in e for e in rows[1].errors)
    assert "A name is needed to create the account." in rows[1].errors
    assert (rows[2].outcome, rows[2].errors) == (bulk.CREATE, [])
    assert rows[0].error == " ".join(rows[0].errors)  # one cell in the CSV report


def test_the_welcome_link_is_made_at_delivery_and_never_stored(app, trainer, outbox):
    """The outbox row holds a placeholder and the account; the worker signs the link when it
    sends (its two hours start then), and a disabled account gets the forgot-password page."""
    from elearn.accounts.services import user_for_reset_token
    from elearn.mail import RESET_LINK
    from elearn.outbox.models import OutboxMessage

    course = factories.make_course(owner=trainer)
    text = HEADER + "late@example.org,Late Comer,customs-officer,SN,\n"
    result = bulk.apply(bulk_file.parse(text.encode()), course, trainer)
    bulk.send_welcome_mail(result.new_accounts, course)
    row = db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
    new = db.session.scalar(sa.select(User).where(User.email == "late@example.org"))
    assert RESET_LINK in row.text and "/password/reset/" not in row.text
    assert row.user_id == new.id
    body = outbox[-1].get_content()  # rendered as the worker renders it
    token = body.split("/password/reset/")[1].split()[0]
    assert user_for_reset_token(token).id == new.id
    new.active = False
    db.session.flush()
    body = outbox[-1].get_content()
    assert "/password/reset/" not in body and "/password/forgot" in body

