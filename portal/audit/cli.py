"""`flask portal audit ...`: verify the trail's hash chain from the command line."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from portal.audit import chain
from portal.audit.chain import Finding, Verification
from portal.extensions import db


@click.group("audit")
def audit_cli() -> None:
    """The audit trail."""


def describe(result: Verification) -> str:
    """One sentence on where the chain breaks (the auditor's page says it in Swedish)."""
    problem = result.problem
    if problem is None:
        return f"The audit trail is intact: {result.entries} entries, head {result.head_seq} {result.head_hash}."
    after = f"after entry id {problem.previous_id}" if problem.previous_id else "at the start of the trail"
    if problem.finding == Finding.CHANGED:
        return f"Entry id {problem.entry_id} (place {problem.seq} in the chain) has been changed."
    if problem.finding == Finding.INSERTED:
        return f"Entry id {problem.entry_id} was inserted {after}: it is not part of the chain."
    where = f"before entry id {problem.entry_id}" if problem.entry_id else "at the end of the trail"
    return (f"{problem.missing} entries from place {problem.seq} in the chain have been deleted "
            f"({after}, {where}).")


@audit_cli.command("verify")
@with_appcontext
def verify() -> None:
    """Recompute the chain and name the first changed, deleted or inserted entry (exit code 1)."""
    result = chain.verify(db.session.connection())
    click.echo(describe(result))
    if not result.intact:
        raise SystemExit(1)
