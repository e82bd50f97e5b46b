"""``flask credentials keygen|keys|reminders``: the issuer's signing keys and expiry reminders."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from elearn.certificates import keys, renewal
from elearn.extensions import db

credentials_cli = AppGroup("credentials", help="Verifiable credentials: issuer keys, reminders.")


@credentials_cli.command("keygen")
@click.option("--dir", "directory", default=None, type=click.Path(file_okay=False),
              help="Key folder (default: ELEARN_CREDENTIALS_KEY_DIR, else instance/keys).")
def keygen(directory):
    """Make a new Ed25519 issuer key; it signs from now on, older keys stay published so the
    credentials they signed still verify (rotation)."""
    folder = Path(directory) if directory else keys.key_dir()
    key = keys.generate_key(folder)
    click.echo(f"new signing key {key.key_id} in {folder}")
    click.echo(f"publicKeyMultibase {key.multibase}")


@credentials_cli.command("keys")
def list_keys():
    """List the kept keys, oldest first; the last one signs."""
    for key in keys.load_keys(keys.key_dir()):
        click.echo(f"{key.key_id} {key.multibase}")


@credentials_cli.command("reminders")
def reminders():
    """Mail learners whose certificate expires within ELEARN_CERTIFICATE_REMINDER_DAYS."""
    sent = renewal.send_expiry_reminders()
    db.session.commit()
    click.echo(f"reminders sent: {sent}")


commands = [credentials_cli]
