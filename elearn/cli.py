"""Flask commands: reference data, users, demo data. Features add their own groups
(``elearn.<feature>.cli.commands``), registered here."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from elearn.accounts import services as accounts
from elearn.accounts.models import Role
from elearn.database import transactional
from elearn.demo import DEMO_PASSWORD, DEMO_USERS, seed_demo_accounts
from elearn.extensions import db
from elearn.features import feature_modules
from elearn.reference.models import Audience, RegionalCentre
from elearn.reference.services import is_country, is_timezone, load_reference_data

reference_cli = AppGroup("reference", help="Reference data: audiences and regional centres.")
users_cli = AppGroup("users", help="Manage user accounts.")


@reference_cli.command("load")
@transactional
def reference_load():
    """Load the shipped audiences and regional centres (idempotent)."""
    created = load_reference_data()
    click.echo(f"audiences created: {created['audiences']}, centres created: {created['centres']}")


@users_cli.command("create")
@transactional
@click.option("--email", required=True)
@click.option("--name", default=None, help="Full name (defaults to the email's local part).")
@click.option("--role", type=click.Choice([r.value for r in Role]), default="learner")
@click.option("--password", default=None, help="Prompted for when omitted.")
@click.option("--audience", default="other", help="Audience slug.")
@click.option("--country", default="CH")
@click.option("--timezone", default="UTC")
@click.option("--centre", default=None, help="Regional centre slug (required for coordinators).")
def users_create(email, name, role, password, audience, country, timezone, centre):
    """Create a user, e.g. `flask users create --email a@b.org --role admin`."""
    import sqlalchemy as sa

    if accounts.email_taken(email):
        raise click.ClickException(f"an account with {email} already exists")
    audience_obj = db.session.scalar(sa.select(Audience).where(Audience.slug == audience))
    if audience_obj is None:
        raise click.ClickException(f"unknown audience {audience!r} (run `flask reference load`)")
    centre_obj = None
    if centre:
        centre_obj = db.session.scalar(sa.select(RegionalCentre).where(RegionalCentre.slug == centre))
        if centre_obj is None:
            raise click.ClickException(f"unknown regional centre {centre!r}")
    if role == Role.coordinator.value and centre_obj is None:
        raise click.ClickException("a coordinator needs --centre")
    if not is_country(country.upper()):
        raise click.ClickException(f"unknown country {country!r}")
    if not is_timezone(timezone):
        raise click.ClickException(f"unknown time zone {timezone!r}")
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    problem = accounts.password_problem(password, email=email)
    if problem:
        raise click.ClickException(problem)
    user = accounts.create_user(
        email=email, name=name or email.split("@")[0], password=password, audience=audience_obj,
        country=country.upper(), timezone=timezone, centre=centre_obj, role=Role(role),
    )
    click.echo(f"created {user.role.value} {user.email}")


@click.command("seed-demo")
@transactional
@click.option("--participants", type=int, default=0,
              help="Also create this many synthetic participants (scale data).")
def seed_demo(participants):
    """Create demo accounts and each feature's demo data (idempotent)."""
    created = seed_demo_accounts()
    for module in feature_modules("demo"):
        module.seed(participants=participants)
    click.echo(f"demo accounts created: {len(created)}")


@click.command("demo-logins")
def demo_logins():
    """Print the demo accounts and their password."""
    click.echo(f"\nDemo logins (password for all: {DEMO_PASSWORD})")
    for email, name, role, *_ in DEMO_USERS:
        click.echo(f"  {role.value:<12} {email:<28} {name}")
    click.echo("\nServing on http://127.0.0.1:5000\n")


def init_app(app: Flask) -> None:
    app.cli.add_command(reference_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(seed_demo)
    app.cli.add_command(demo_logins)
    for module in feature_modules("cli"):
        for command in module.commands:
            app.cli.add_command(command)
