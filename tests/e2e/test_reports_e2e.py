"""The coordinator opens the dashboard, the participant list and one participant."""

import pytest

from tests import factories, reports_data
from tests.e2e.conftest import check_accessibility, log_in

pytestmark = pytest.mark.e2e


@pytest.fixture
def population(app, trainer):
    return reports_data.build(trainer)


def test_coordinator_dashboard_list_and_person(page, coordinator, population):
    log_in(page, coordinator.email, factories.PASSWORD)
    page.goto("/centre")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Basel Convention")
    assert page.locator("svg.chart").count() == 3
    # the charts are groups of links: each bar leads to the participants it counts
    assert page.get_by_role("group", name="Enrolments and completions by course").count() == 1
    check_accessibility(page)
    page.locator("#chart-country a").first.click()  # the longest bar: Trinidad & Tobago
    assert "country=TT" in page.url
    assert page.get_by_role("link", name="Anna Alpha").count() == 1
    assert page.get_by_role("link", name="Bruno Beta").count() == 0  # Jamaica
    check_accessibility(page)
    page.goto("/centre")

    page.get_by_label("Enrolled from").fill("2026-02-01")
    page.get_by_role("button", name="Apply").click()
    assert "date_from=2026-02-01" in page.url
    check_accessibility(page)

    page.get_by_role("navigation", name="Report pages").get_by_role("link", name="Participants").click()
    assert page.get_by_role("heading", level=1).inner_text().startswith("Participants")
    page.goto("/centre/participants")
    assert page.get_by_role("link", name="Anna Alpha").count() == 1
    check_accessibility(page)

    page.get_by_role("link", name="Anna Alpha").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Anna Alpha"
    assert page.get_by_text("code-a1-c1").count() == 1
    check_accessibility(page)


def test_coordinator_cannot_open_a_person_of_another_centre(page, coordinator, population):
    log_in(page, coordinator.email, factories.PASSWORD)
    response = page.goto(f"/centre/participants/{population.b1.id}")
    assert response.status == 404
    check_accessibility(page)


def test_coordinator_creates_a_token_and_lists_completions(page, coordinator, population):
    log_in(page, coordinator.email, factories.PASSWORD)
    page.goto("/profile")
    page.get_by_role("link", name="API access tokens").click()
    check_accessibility(page)
    page.get_by_label("Token name").fill("donor report")
    page.get_by_role("button", name="Create token").click()
    token = page.get_by_label("Token", exact=True).input_value()
    assert token.startswith("elr_")
    check_accessibility(page)
    response = page.request.get(
        "/api/v1/enrolments?status=completed", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status == 200 and len(response.json()["data"]) == 4
