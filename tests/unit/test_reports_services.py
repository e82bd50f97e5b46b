"""The report figures against a population with known answers: computed directly in SQL, and
read from the rollups kept current by the session events (both must give the same answers)."""

from datetime import date

import pytest

from elearn.reports import dashboard, people, services
from elearn.reports.services import Scope
from tests import reports_data


@pytest.fixture
def population(app, trainer):
    return reports_data.build(trainer)


@pytest.fixture(params=["direct", "rollups"])
def figures_by(request):
    compute = services.all_figures if request.param == "direct" else dashboard.all_figures

    def figures_by(scope, grouping):
        return compute(scope)["total" if grouping is None else grouping]

    return figures_by


def centre_id(user):
    return user.centre_id


def test_centre_totals(population, figures_by):
    figures = figures_by(Scope(centre_id=centre_id(population.a1)), None)[None]
    assert figures.participants == 3
    assert figures.enrolments == 6
    assert figures.in_progress == 1
    assert figures.completed == 4
    assert figures.withdrawn == 1
    assert figures.completion_rate == pytest.approx(4 / 6)
    assert figures.median_days == pytest.approx(15.0)  # 4, 10, 20, 30
    assert figures.average_best_score == pytest.approx(85.0)  # best of a1 (90) and a2 (80)
    assert figures.certificates == 3  # the revoked one does not count
    assert figures.webinar_registrations == 2  # cancelled does not count
    assert figures.webinar_attended == 1


def test_breakdown_by_course_and_country(population, figures_by):
    scope = Scope(centre_id=centre_id(population.a1))
    by_course = figures_by(scope, "course")
    one, two = by_course[population.course1.id], by_course[population.course2.id]
    assert (one.enrolments, one.completed, one.median_days) == (3, 3, pytest.approx(20.0))
    assert (two.enrolments, two.completed, two.median_days) == (3, 1, pytest.approx(4.0))
    assert one.average_best_score == pytest.approx(85.0) and two.average_best_score is None
    assert (one.certificates, two.certificates) == (2, 1)
    by_country = figures_by(scope, "country")
    assert set(by_country) == {"TT", "JM"}
    assert (by_country["TT"].participants, by_country["TT"].enrolments) == (2, 4)
    assert (by_country["JM"].completed, by_country["JM"].in_progress) == (1, 1)
    by_audience = figures_by(scope, "audience")
    assert sum(f.enrolments for f in by_audience.values()) == 6


def test_date_range_and_course_filters(population, figures_by):
    scope = Scope(centre_id=centre_id(population.a1), date_from=date(2026, 2, 1))
    figures = figures_by(scope, None)[None]
    assert (figures.enrolments, figures.completed, figures.withdrawn) == (3, 1, 1)
    scope = Scope(centre_id=centre_id(population.a1), date_to=date(2026, 1, 1))
    assert figures_by(scope, None)[None].enrolments == 3  # the whole last day counts
    scope = Scope(centre_id=centre_id(population.a1), course_id=population.course2.id)
    assert figures_by(scope, None)[None].enrolments == 3


def test_trainer_scope_is_their_courses_across_centres(population, figures_by, trainer):
    figures = figures_by(Scope(trainer_id=trainer.id), None)[None]
    assert (figures.participants, figures.enrolments, figures.completed) == (4, 4, 4)
    assert figures.average_best_score == pytest.approx((90 + 80 + 10) / 3)


def test_empty_scope_gives_zeros(app, figures_by):
    figures = figures_by(Scope(centre_id=1), None)[None]
    assert figures.enrolments == 0 and figures.completion_rate is None
    assert figures.median_days is None and figures.average_best_score is None


def test_report_labels_and_order(population):
    report = dashboard.build_report(Scope(centre_id=centre_id(population.a1)), {"TT": "Trinidad"})
    assert [row.label for row in report.breakdowns["course"]] == ["Course One", "Course Two"]
    assert report.breakdowns["country"][0].label == "Trinidad"
    rows = list(dashboard.breakdown_rows(report))
    assert rows[0][0] == "total" and rows[0][3] == 3  # participants
    assert {row[0] for row in rows} == {"total", "course", "country", "audience"}


def test_participants_sort_search_and_pages(population):
    scope = Scope(centre_id=centre_id(population.a1))
    page = people.participants(scope, sort="name")
    assert page.total == 3
    assert [row.email for row in page.rows] == ["a3@example.org", "a1@example.org", "a2@example.org"]
    page = people.participants(scope, sort="email", descending=True)
    assert page.rows[-1].email == "a1@example.org" and page.rows[-1].completed == 2
    # per-person figures are shown, not sorted by (no index can serve them): name order
    assert people.participants(scope, sort="completed").rows == people.participants(scope).rows
    page = people.participants(scope, search="BRUNO")
    assert [row.email for row in page.rows] == ["a2@example.org"]
    page = people.participants(scope, search="%")  # a wildcard is searched for literally
    assert page.total == 0
    page = people.participants(scope, sort="name); DROP TABLE users; --")
    assert page.total == 3  # unknown sorts fall back to name
    first = people.participants(scope, per_page=2)
    assert len(first.rows) == 2 and first.has_next and not first.has_prev
    second = people.participants(scope, per_page=2, after=first.next_cursor)
    assert len(second.rows) == 1 and second.has_prev and not second.has_next
    back = people.participants(scope, per_page=2, before=second.prev_cursor)
    assert [row.id for row in back.rows] == [row.id for row in first.rows]
    assert back.has_next and not back.has_prev


@pytest.mark.parametrize("sort", people.SORTS)
@pytest.mark.parametrize("descending", [False, True])
def test_keyset_pages_walk_every_person_once_in_order(population, sort, descending):
    """Page by page, forwards then backwards, for every sort: each person once, in the order of
    one unpaged query."""
    scope = Scope(trainer_id=None)
    everyone = people.participants(scope, sort=sort, descending=descending, per_page=100).rows
    seen, page = [], people.participants(scope, sort=sort, descending=descending, per_page=1)
    pages = [page]
    while True:
        seen.extend(row.id for row in page.rows)
        if not page.has_next:
            break
        page = people.participants(scope, sort=sort, descending=descending, per_page=1,
                                   after=page.next_cursor)
        pages.append(page)
    assert seen == [row.id for row in everyone] and len(seen) == 4
    back = people.participants(scope, sort=sort, descending=descending, per_page=1,
                               before=pages[-1].prev_cursor)
    assert [row.id for row in back.rows] == [row.id for row in pages[-2].rows]


def test_a_bad_cursor_is_refused():
    with pytest.raises(people.BadCursor):
        people.decode_cursor("not-a-cursor")
    with pytest.raises(people.BadCursor):
        people.decode_cursor(people.encode_cursor("x", 1)[:-3])


def test_who_may_see_a_person(population, trainer, coordinator, learner, admin):
    from elearn.permissions import can_see_person

    assert can_see_person(coordinator, population.a1)  # of the coordinator's centre
    assert not can_see_person(coordinator, population.b1)
    assert can_see_person(trainer, population.b1)  # enrolled in the trainer's course
    outsider = reports_data.make_person(email="outsider@example.org")
    assert not can_see_person(trainer, outsider)
    assert can_see_person(admin, outsider)
    assert not can_see_person(learner, population.a1)
    assert not can_see_person(coordinator, None)


def test_person_record(population, trainer):
    centre = Scope(centre_id=centre_id(population.a1))
    mine = Scope(trainer_id=trainer.id)
    record = people.person_record(mine, population.a1.id)
    assert [row.title for row in record.enrolments] == ["Course One"]  # not course two
    assert record.quizzes[0].best == 90 and record.quizzes[0].attempts == 2
    assert [row.attended for row in record.webinars] == [True]
    record = people.person_record(centre, population.a1.id)
    assert {row.course for row in record.certificates} == {"Course One", "Course Two"}


def test_export_rows_are_the_centres_enrolments(population):
    rows = list(services.iter_export_rows(Scope(centre_id=centre_id(population.a1)), batch=2))
    assert len(rows) == 6
    assert all(row[4] == "bcrc-caribbean" for row in rows)
    by_email_course = {(row[1], row[5]): row for row in rows}
    assert by_email_course[("a1@example.org", "course-one")][11] == "code-a1-c1"
    assert by_email_course[("a3@example.org", "course-one")][11] == ""  # revoked
    assert by_email_course[("a1@example.org", "course-one")][9] == "2026-01-01T09:00:00Z"


@pytest.mark.parametrize("sort", people.SORTS)
def test_a_centres_list_seeks_the_centres_people_in_an_index(population, sort):
    """The person's conditions stay outside the EXISTS on enrolments, so the database walks the
    centre's people in the sort's index (with the centre inside it, SQLite walked every person
    of the platform by country: 100 ms for page 1 at a million participants)."""
    import sqlalchemy as sa

    from elearn.extensions import db

    seen = []

    def record(_conn, _cursor, statement, parameters, _context, _many):
        seen.append((statement, parameters))

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        people.participants(Scope(centre_id=centre_id(population.a1)), sort=sort)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    statement, parameters = next(  # the walk over the people
        (statement, parameters) for statement, parameters in seen if "EXISTS" in statement)
    head, exists = statement.split("EXISTS", 1)
    assert "centre_id" in head and "centre_id" not in exists.split(")")[0], statement
    if db.engine.dialect.name == "sqlite":
        plan = " ".join(row[-1] for row in db.session.connection().exec_driver_sql(
            f"EXPLAIN QUERY PLAN {statement}", parameters))
        assert f"SEARCH users USING COVERING INDEX ix_users_centre_{sort}_id" in plan, plan


def test_dashboard_reads_without_parallel_workers_on_postgresql(population):
    """Starting PostgreSQL's parallel workers cost more than the rollups' small reads."""
    import sqlalchemy as sa

    from elearn.extensions import db

    if db.engine.dialect.name != "postgresql":
        pytest.skip("a PostgreSQL setting")
    dashboard.all_figures(Scope(date_from=date(2026, 1, 1)))
    assert db.session.scalar(sa.text("SHOW max_parallel_workers_per_gather")) == "0"


def test_exports_plan_for_every_row_on_postgresql(population):
    """A server-side cursor plans for its first 10% of rows by default; an export reads all."""
    import sqlalchemy as sa

    from elearn.extensions import db

    if db.engine.dialect.name != "postgresql":
        pytest.skip("a PostgreSQL setting")
    rows = list(services.iter_export_rows(Scope(centre_id=centre_id(population.a1))))
    assert rows
    assert float(db.session.scalar(sa.text("SHOW cursor_tuple_fraction"))) == 1
