"""The `flask portal ...` commands: they call the same services as the pages."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select

from portal.audit.services import SYSTEM
from portal.auth import services as auth_services
from portal.auth.models import User
from portal.auth.roles import Role
from portal.errors import ValidationFailed
from portal.extensions import db


@click.group("portal")
def portal_cli() -> None:
    """Beslutsportalen's own commands."""


def _fail(failure: ValidationFailed) -> None:
    db.session.rollback()
    raise click.ClickException("; ".join(f"{k}: {v}" for k, v in failure.errors.items()))


@portal_cli.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Only when the database holds no committee yet.")
@with_appcontext
def seed_demo(if_empty: bool) -> None:
    """Load the demo municipality (development mode only; running it twice changes nothing)."""
    from portal.demo.seed import seed_demo as run_seed
    from portal.org.models import Committee

    if not current_app.config["PORTAL_DEVELOPMENT"]:
        raise click.ClickException(
            "Demo data holds demo users with known passwords; it loads only in development mode "
            "(PORTAL_DEVELOPMENT=1)."
        )
    if if_empty and db.session.scalar(select(func.count()).select_from(Committee)):
        click.echo("The database already holds an organisation; no demo data loaded.")
        return
    summary = run_seed()
    db.session.commit()
    click.echo(f"Demo data in place: {summary}")


@portal_cli.command("create-user")
@click.argument("username")
@click.option("--name", "full_name", required=True, help="The person's full name.")
@click.option("--email", default=None)
@click.option("--role", "roles", multiple=True, type=click.Choice([r.value for r in Role]))
@click.password_option()
@with_appcontext
def create_user(username: str, full_name: str, email: str | None, roles: tuple[str, ...], password: str):
    """Create a user (for the first administrator, before anyone can log in)."""
    try:
        auth_services.user_create(
            SYSTEM, username=username, full_name=full_name, email=email, password=password,
            roles={Role(r) for r in roles},
        )
    except ValidationFailed as failure:
        _fail(failure)
    db.session.commit()
    click.echo(f"Created user {username.lower()}.")


@portal_cli.command("set-password")
@click.argument("username")
@click.password_option()
@with_appcontext
def set_password(username: str, password: str) -> None:
    """Set a new password for a user (ends their sessions)."""
    user = db.session.scalars(select(User).where(User.username == username.lower())).first()
    if user is None:
        raise click.ClickException(f"No user named {username}.")
    try:
        auth_services.user_set_password(SYSTEM, user, password)
    except ValidationFailed as failure:
        _fail(failure)
    db.session.commit()
    click.echo(f"New password set for {user.username}.")
