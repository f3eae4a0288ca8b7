"""The `flask portal ...` commands: they call the same services as the pages."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select

from portal.audit.cli import audit_cli
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


portal_cli.add_command(audit_cli)


@portal_cli.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Only when the database holds no committee yet.")
@click.option("--invoices", default=20_000, show_default=True,
              help="Size of the generated demo ledger (loaded once).")
@with_appcontext
def seed_demo(if_empty: bool, invoices: int) -> None:
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
    summary = run_seed(ledger_invoices=invoices)
    db.session.commit()
    click.echo(f"Demo data in place: {summary}")


@portal_cli.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty (for scripts and tests).")
@click.option("--name", default=None, help="The worker's name in Redis (default: host and pid).")
@with_appcontext
def worker(burst: bool, name: str | None) -> None:
    """Run background jobs from the queue on PORTAL_REDIS_URL (README "Bakgrundsjobb")."""
    from portal.jobs.runner import work

    if not current_app.config.get("PORTAL_REDIS_URL"):
        raise click.ClickException(
            "PORTAL_REDIS_URL is not set. Without Redis the portal runs each job in the web process "
            "right after the request that started it; a worker is only needed with Redis.")
    work(burst=burst, name=name)


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


@portal_cli.command("import-ledger")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--kind", type=click.Choice(["ledger", "payments"]), default="ledger",
              show_default=True, help="A ledger export (open items) or a payments file.")
@click.option("--mapping", "mapping_name", default=None, help="The name of a saved column mapping.")
@click.option("--preview", is_flag=True, help="Only count new, changed and unchanged rows.")
@with_appcontext
def import_ledger(file: str, kind: str, mapping_name: str | None, preview: bool) -> None:
    """Import a ledger or payments file all or nothing, as the import page does."""
    from pathlib import Path

    from portal.receivables import imports
    from portal.receivables.messages import error_message
    from portal.receivables.models import ImportState, LedgerMapping

    mapping_id = None
    if mapping_name:
        mapping = db.session.scalars(select(LedgerMapping).where(LedgerMapping.name == mapping_name)).first()
        if mapping is None:
            raise click.ClickException(f"No saved mapping named {mapping_name!r}.")
        mapping_id = mapping.id
    path = Path(file)
    try:
        ledger_import = imports.upload(SYSTEM, data=path.read_bytes(), file_name=path.name, kind=kind,
                                       mapping_id=mapping_id)
        db.session.commit()
        job = imports.import_job(ledger_import)
        db.session.commit()  # see imports.ProgressWriter: reading runs outside any transaction
        parsed = imports.read_file(job, imports.ProgressWriter(job.import_id))
        del job  # the file's bytes: a ledger's rows are in the staging table now
        (imports.preview if preview else imports.run)(SYSTEM, ledger_import, parsed)
    except ValidationFailed as failure:
        _fail(failure)
    db.session.commit()
    click.echo(f"{path.name}: {ledger_import.rows_total} rows, SHA-256 {ledger_import.sha256}")
    if ledger_import.state == ImportState.REJECTED:
        for error in ledger_import.errors:
            column = f", column {error['column']!r}" if error["column"] else ""
            click.echo(f"line {error['line']}{column}: {error_message(error['code'], error['params'])}",
                       err=True)
        raise click.ClickException(
            f"{ledger_import.count_errors} errors: nothing was imported (import {ledger_import.id}).")
    verb = "would be" if preview else "were"
    click.echo(f"{ledger_import.count_new} new, {ledger_import.count_changed} changed and "
               f"{ledger_import.count_unchanged} unchanged rows {verb} imported "
               f"(import {ledger_import.id}).")


@portal_cli.command("snapshot-month")
@with_appcontext
def snapshot_month() -> None:
    """Keep the overdue receivables at the end of the month that has just ended, for the overdue
    report's trend (README "Rapporter och intern kontroll"); run it from cron on the first day of each
    month, before that day's ledger file. Running it again in the same month changes nothing."""
    from portal import clock
    from portal.reports.services import month_snapshot_take

    taken = month_snapshot_take(SYSTEM, clock.today())
    db.session.commit()
    snapshot = taken.snapshot
    verb = "kept" if taken.new else "was already kept (nothing changed)"
    click.echo(f"Month end {snapshot.month_end.isoformat()} {verb}: {snapshot.invoice_count} overdue invoices, "
               f"{snapshot.open_amount_ore / 100:.2f} kr.")


@portal_cli.command("batch-masked-copies")
@with_appcontext
def batch_masked_copies() -> None:
    """Issue the decision's copy without personal data (for the committee's members and secretary)
    for every batch write-off decided before such copies were issued with the decision. Running it
    again issues nothing."""
    from portal.batches.services import masked_copies_issue

    issued = masked_copies_issue(SYSTEM)
    db.session.commit()
    click.echo(f"{issued} copies without personal data issued.")


@portal_cli.command("send-reminders")
@click.option("--queue", "on_queue", is_flag=True,
              help="Put the work on the job queue (PORTAL_REDIS_URL) instead of doing it here.")
@with_appcontext
def send_reminders(on_queue: bool) -> None:
    """Make the day's reminders and send every e-mail that waits (README "Påminnelser per e-post");
    run it from cron every few minutes. Safe to run on several servers at once."""
    from portal import jobs
    from portal.notify import events, services

    if not events.mail_configured():
        raise click.ClickException("SMTP_HOST is not set: the portal sends no e-mail.")
    if on_queue:
        if not current_app.config.get("PORTAL_REDIS_URL"):
            raise click.ClickException("--queue needs PORTAL_REDIS_URL.")
        job = jobs.enqueue(SYSTEM, events.SEND_JOB, params={"scan": True})
        db.session.commit()
        click.echo(f"Sending put on the queue (job {job.id}).")
        return
    summary = services.run(scan=True)
    click.echo(f"Reminders: {summary}.")
