"""Register, log out, log in, and a rejected bad login, in a real browser."""

import pytest

from tests import factories
from tests.e2e.conftest import check_accessibility, log_in

pytestmark = pytest.mark.e2e


def test_register_logout_login(page, app):
    page.goto("/")
    check_accessibility(page)
    page.goto("/register")
    check_accessibility(page)
    page.get_by_label("Full name").fill("Kofi Mensah")
    page.get_by_label("Email").fill("kofi@example.org")
    page.get_by_label("Password", exact=True).fill("a long passphrase here")
    page.get_by_label("Repeat the password").fill("a long passphrase here")
    page.get_by_label("Target audience").select_option(label="Customs officer")
    page.get_by_label("Country").select_option("GH")
    page.get_by_label("Time zone").select_option("Africa/Accra")
    page.get_by_role("button", name="Create the account").click()
    page.wait_for_selector("text=Your account is ready")
    check_accessibility(page)

    page.get_by_role("button", name="Log out").click()
    page.wait_for_selector("text=You are logged out")

    log_in(page, "kofi@example.org", "a long passphrase here")
    page.wait_for_selector("text=Kofi Mensah")
    page.goto("/profile")
    check_accessibility(page)


def test_bad_login_is_rejected(page, app):
    factories.make_user(email="ama@example.org")
    log_in(page, "ama@example.org", "not the password at all")
    page.wait_for_selector("text=The email or the password is wrong.")
    check_accessibility(page)
    assert "/login" in page.url


def test_register_shows_errors_next_to_fields(page, app):
    page.goto("/register")
    page.get_by_label("Email").fill("not-an-email")
    page.get_by_label("Password", exact=True).fill("short")
    page.get_by_role("button", name="Create the account").click()
    page.wait_for_selector("#password-error")
    check_accessibility(page)


def test_live_server_refuses_posts_without_csrf_token(page, app):
    factories.make_user(email="kwame@example.org")
    response = page.request.post(
        "/login", form={"email": "kwame@example.org", "password": factories.PASSWORD},
        max_redirects=0,
    )
    assert response.status == 400


@pytest.mark.parametrize("zone, javascript, expected", [
    ("Asia/Kolkata", True, "Asia/Kolkata"),  # Chromium reports the CLDR id Asia/Calcutta
    ("Europe/Stockholm", True, "Europe/Stockholm"),
    ("Europe/Stockholm", False, "UTC"),  # without JavaScript the form still works, on UTC
])
def test_registration_starts_on_the_browsers_time_zone(browser, live_server, app, zone,
                                                        javascript, expected):
    # the app's own CSP applies here (no bypass): the script is a static file, not inline
    context = browser.new_context(base_url=live_server.url(), timezone_id=zone,
                                  java_script_enabled=javascript)
    try:
        page = context.new_page()
        page.goto("/register")
        assert page.get_by_label("Time zone").input_value() == expected
    finally:
        context.close()
