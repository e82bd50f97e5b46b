"""Reports pages: access per role, centre isolation (404), exports, and a constant query count."""

import csv
import io
from datetime import datetime

import pytest
from openpyxl import load_workbook

from elearn.accounts.models import Role
from elearn.extensions import db
from tests import factories, reports_data


@pytest.fixture
def population(app, trainer):
    return reports_data.build(trainer)


def other_centre_id(population):
    return population.b1.centre_id


# -- access ----------------------------------------------------------------------------------

CENTRE_PAGES = [
    "/centre", "/centre/participants", "/centre/export/participants.csv",
    "/centre/export/participants.xlsx", "/centre/export/breakdowns.csv",
    "/centre/export/breakdowns.xlsx",
]
TRAINER_PAGES = [
    "/trainer/reports", "/trainer/reports/participants",
    "/trainer/reports/export/participants.csv", "/trainer/reports/export/breakdowns.xlsx",
]


def test_learners_get_403(learner_client, population):
    for url in CENTRE_PAGES + TRAINER_PAGES:
        assert learner_client.get(url).status_code == 403, url


def test_anonymous_go_to_login(client, population):
    for url in CENTRE_PAGES + TRAINER_PAGES:
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url


def test_trainers_get_403_on_centre_pages(trainer_client, population):
    for url in CENTRE_PAGES:
        assert trainer_client.get(url).status_code == 403, url


def test_coordinators_get_403_on_trainer_pages(coordinator_client, population):
    for url in TRAINER_PAGES:
        assert coordinator_client.get(url).status_code == 403, url


def test_coordinator_asking_for_another_centre_gets_404(coordinator_client, population):
    for url in CENTRE_PAGES:
        response = coordinator_client.get(f"{url}?centre={other_centre_id(population)}")
        assert response.status_code == 404, url
        assert coordinator_client.get(f"{url}?centre=abc").status_code == 404, url


def test_coordinator_may_name_their_own_centre(coordinator_client, coordinator, population):
    assert coordinator_client.get(f"/centre?centre={coordinator.centre_id}").status_code == 200


def test_coordinator_cannot_open_a_person_of_another_centre(coordinator_client, population):
    assert coordinator_client.get(f"/centre/participants/{population.a1.id}").status_code == 200
    assert coordinator_client.get(f"/centre/participants/{population.b1.id}").status_code == 404
    assert coordinator_client.get("/centre/participants/999999").status_code == 404


def test_admin_picks_any_centre(admin_client, population):
    page = admin_client.get(f"/centre?centre={other_centre_id(population)}").get_data(as_text=True)
    assert "French-speaking Africa" in page
    assert admin_client.get(f"/centre/participants/{population.b1.id}").status_code == 200
    assert admin_client.get("/centre?centre=999999").status_code == 404
    assert admin_client.get("/centre").status_code == 200  # all centres


# -- the dashboard ---------------------------------------------------------------------------


def test_dashboard_shows_figures_charts_and_tables(coordinator_client, population):
    response = coordinator_client.get("/centre")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Basel Convention Regional Centre for the Caribbean" in html
    assert html.count("<svg") == 3 and "<desc" in html
    assert html.count('role="group" aria-labelledby="chart-') == 3  # charts of links
    assert "style=" not in html  # the CSP forbids inline styles
    assert "Course One" in html and "Course Two" in html
    assert "Other Centre" not in html
    assert "67%" in html or "67 %" in html  # completion rate 4/6
    assert "15.0" in html  # median days
    assert "https://cdn" not in html


def test_bars_and_rows_link_to_the_participants_they_count(coordinator_client, population):
    import re

    html = coordinator_client.get("/centre").get_data(as_text=True)
    country_chart = html[html.index('id="chart-country"'):]
    country_chart = country_chart[:country_chart.index("</svg>")]
    href = '/centre/participants?country=TT'
    assert f'<a href="{href}">' in country_chart  # the bar, its label and figure
    assert f'<a href="{href}">Trinidad &amp; Tobago</a>' in html  # the table row
    assert f'href="/centre/participants?course={population.course1.id}"' in html
    audience = re.search(r'href="/centre/participants\?audience=(\d+)"', html)
    assert audience is not None
    page = coordinator_client.get(href).get_data(as_text=True)
    assert "a1@example.org" in page and "a3@example.org" in page and "a2@example.org" not in page
    assert "Only participants from Trinidad &amp; Tobago." in page
    assert 'name="country" value="TT"' in page  # kept by the search form
    assert "country=TT" in page[page.index("Download CSV") - 200:page.index("Download CSV")]
    export = coordinator_client.get("/centre/export/participants.csv?country=TT").get_data(
        as_text=True)
    assert "a1@example.org" in export and "a2@example.org" not in export
    page = coordinator_client.get(f"/centre/participants?audience={audience.group(1)}").get_data(
        as_text=True)
    assert "Only participants of the target audience" in page
    assert coordinator_client.get("/centre/participants?country=tt").status_code == 400


def test_country_chart_is_sorted_by_the_participants_it_draws(coordinator_client, population,
                                                              trainer):
    # Jamaica: 1 person, 3 enrolments; Barbados: 2 people, 2 enrolments
    course3 = factories.make_course(slug="course-three", title="Course Three")
    reports_data.enrolment(population.a2, course3, "active", reports_data.day(3, 2))
    for n in (1, 2):
        person = reports_data.make_person(name=f"Bajan {n}", email=f"bb{n}@example.org",
                                          centre="bcrc-caribbean", country="BB")
        reports_data.enrolment(person, population.course2, "active", reports_data.day(3, 3))
    from elearn.extensions import db

    db.session.commit()
    html = coordinator_client.get("/centre").get_data(as_text=True)
    chart = html[html.index('id="chart-country"'):]
    chart = chart[:chart.index("</svg>")]
    assert chart.index("Barbados") < chart.index("Jamaica")
    # the table keeps its own order (by enrolments) and says every figure
    table = html[html.index('id="h-country"'):]
    table = table[table.index("<table"):]
    assert table.index(">Jamaica<") < table.index(">Barbados<")


def test_dashboard_reads_rollups_updated_with_the_change(coordinator_client, population):
    """An enrolment made through the ORM shows at once; the page says the median is approximate."""
    from datetime import UTC, datetime

    from elearn.enrolments.models import Enrolment, EnrolmentStatus
    from elearn.extensions import db

    html = coordinator_client.get("/centre").get_data(as_text=True)
    assert 'id="median-note"' in html
    before = coordinator_client.get("/centre/export/breakdowns.csv").get_data(as_text=True)
    course3 = factories.make_course(slug="course-three", title="Course Three")
    db.session.add(Enrolment(user_id=population.a1.id, course_id=course3.id,
                             status=EnrolmentStatus.active, enrolled_at=datetime.now(UTC)))
    db.session.commit()
    after = coordinator_client.get("/centre/export/breakdowns.csv").get_data(as_text=True)
    total = lambda text: next(csv.reader(io.StringIO(text.lstrip("\ufeff").splitlines()[1])))
    assert int(total(after)[4]) == int(total(before)[4]) + 1  # enrolments
    assert "Course Three" in coordinator_client.get("/centre").get_data(as_text=True)


def test_dashboard_filters(coordinator_client, population):
    html = coordinator_client.get(
        f"/centre?course={population.course2.id}&date_from=2026-03-01"
    ).get_data(as_text=True)
    assert "Course Two" in html
    response = coordinator_client.get("/centre?date_from=2026-03-01&date_to=2026-01-01")
    assert response.status_code == 400
    assert "The end date is before the start date." in response.get_data(as_text=True)
    response = coordinator_client.get("/centre?date_from=yesterday")
    assert response.status_code == 400


def test_trainer_sees_only_their_courses(trainer_client, population):
    html = trainer_client.get("/trainer/reports").get_data(as_text=True)
    assert "Course One" in html and "Course Two" not in html
    assert trainer_client.get(f"/trainer/reports?course={population.course2.id}").status_code == 404
    csv_text = trainer_client.get("/trainer/reports/export/participants.csv").get_data(as_text=True)
    assert "course-one" in csv_text and "course-two" not in csv_text
    assert trainer_client.get(f"/trainer/reports/participants/{population.b1.id}").status_code == 200
    outsider = reports_data.make_person(email="outsider@example.org")
    assert trainer_client.get(f"/trainer/reports/participants/{outsider.id}").status_code == 404


def test_another_trainer_sees_nothing_of_these_courses(as_user, population):
    other = factories.make_user(email="t2@example.org", role=Role.trainer)
    client = as_user(other)
    html = client.get("/trainer/reports").get_data(as_text=True)
    assert "Course One" not in html
    assert client.get(f"/trainer/reports/participants/{population.a1.id}").status_code == 404
    assert client.get(f"/trainer/reports?course={population.course1.id}").status_code == 404


def test_participant_list_and_person(coordinator_client, population):
    html = coordinator_client.get("/centre/participants?sort=email&order=desc").get_data(as_text=True)
    assert html.index("a3@example.org") < html.index("a1@example.org")
    assert "b1@example.org" not in html
    assert 'aria-sort="descending"' in html
    html = coordinator_client.get("/centre/participants?q=anna").get_data(as_text=True)
    assert "a1@example.org" in html and "a2@example.org" not in html
    assert coordinator_client.get("/centre/participants?sort=password_hash").status_code == 400
    response = coordinator_client.get("/centre/participants?after=bm90IGEgY3Vyc29y")
    assert response.status_code == 400 and "a1@example.org" in response.get_data(as_text=True)
    html = coordinator_client.get(f"/centre/participants/{population.a1.id}").get_data(as_text=True)
    for text in ("Course One", "Course Two", "Quiz one", "Live one", "code-a1-c1", "90 %"):
        assert text in html
    # a certificate code is a link to the certificate's page (revoke, reissue, history)
    assert '<a href="/me/certificates/code-a1-c1"><code>code-a1-c1</code></a>' in html


# -- exports ------------------------------------------------------------------------------------


def test_csv_export_is_streamed_scoped_and_safe(coordinator_client, population):
    response = coordinator_client.get("/centre/export/participants.csv")
    assert response.status_code == 200
    assert response.is_streamed
    assert response.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:3] == ["name", "email", "country"]
    assert len(rows) == 1 + 6
    assert not any(row[1] == "b1@example.org" for row in rows)
    names = {row[0] for row in rows[1:]}
    assert "'=HYPERLINK(\"http://evil\")" in names  # neutralised
    assert not any(name.startswith("=") for name in names)


def test_csv_export_follows_search(coordinator_client, population):
    text = coordinator_client.get("/centre/export/participants.csv?q=bruno").get_data(as_text=True)
    assert "a2@example.org" in text and "a1@example.org" not in text


def test_xlsx_exports(coordinator_client, coordinator, population):
    response = coordinator_client.get("/centre/export/participants.xlsx")
    assert response.status_code == 200 and response.is_streamed
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 7
    assert all(not str(row[0]).startswith("=") for row in rows)
    assert rows[0][0] == "Name" and rows[0][10] == "Enrolled (UTC)"  # headings for people
    assert sheet.freeze_panes == "A2" and sheet["A1"].font.b
    a1 = next(row for row in rows if row[1] == "a1@example.org" and row[6] == "course-one")
    assert rows[0][2:4] == ("Country", "ISO code")
    assert a1[2:4] == ("Trinidad & Tobago", "TT")  # the name beside the ISO code
    assert a1[10] == datetime(2026, 1, 1, 9, 0) and a1[11] == datetime(2026, 1, 11, 9, 0)
    assert a1[9] == 100 and isinstance(a1[9], int)  # a number, not text
    assert sheet.cell(row=2, column=11).number_format.startswith("yyyy")
    response = coordinator_client.get("/centre/export/breakdowns.xlsx")
    rows = list(load_workbook(io.BytesIO(response.get_data())).active.iter_rows(values_only=True))
    assert rows[0][0] == "breakdown" and rows[1][0] == "total" and rows[1][3] == 3
    coordinator.locale = "fr"
    db.session.commit()
    french = coordinator_client.get("/centre/export/participants.xlsx")
    rows = list(load_workbook(io.BytesIO(french.get_data())).active.iter_rows(values_only=True))
    assert rows[0][2:4] == ("Pays", "Code ISO") and ("Jamaïque", "JM") in {r[2:4] for r in rows}


def test_breakdown_csv(coordinator_client, population):
    text = coordinator_client.get("/centre/export/breakdowns.csv").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    total = rows[0]
    assert total["breakdown"] == "total" and total["enrolments"] == "6"
    assert total["median_days_to_complete"] == "15.0"
    assert {row["label"] for row in rows if row["breakdown"] == "course"} == {"Course One", "Course Two"}


def test_unknown_export_format_is_404(coordinator_client, population):
    assert coordinator_client.get("/centre/export/participants.pdf").status_code == 404


# -- no N+1 ---------------------------------------------------------------------------------------


def test_dashboard_query_count_does_not_grow_with_data(
    coordinator_client, coordinator, population, count_queries
):
    def measure(url):
        coordinator_client.get(url)  # warm
        with count_queries() as counter:
            assert coordinator_client.get(url).status_code == 200
        return counter.count

    urls = ["/centre", "/centre/participants", f"/centre/participants/{population.a1.id}"]
    small = [measure(url) for url in urls]
    reports_data.bulk_people(120, "bcrc-caribbean", [population.course1, population.course2])
    large = [measure(url) for url in urls]
    assert small == large

