"""The app factory: error pages in the shell, no side effects."""

import sqlalchemy as sa

from elearn import create_app


def test_500_page_is_rendered_in_the_shell(database_url):
    app = create_app({"ENV": "testing", "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": database_url})

    @app.route("/boom")
    def boom():
        raise RuntimeError("boom")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "Something went wrong" in html and 'class="site-header"' in html
    assert "RuntimeError" not in html


def test_factory_runs_no_queries(database_url):
    statements = []

    def listener(*args):
        statements.append(args[2])

    sa.event.listen(sa.engine.Engine, "before_cursor_execute", listener)
    try:
        create_app({"ENV": "testing", "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": database_url})
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", listener)
    assert statements == []


def test_api_style_errors_are_json(client):
    response = client.get("/api/v1/does-not-exist")
    assert response.status_code == 404
    assert response.is_json
