"""Issuing documents: render once with a fresh verification code, store the bytes, audit it."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable

from sqlalchemy import select

from portal import clock
from portal.audit.services import Actor, record
from portal.documents.models import DocumentKind, IssuedDocument
from portal.extensions import db

# Crockford's base32: no I, L, O or U, so a code read aloud or retyped is hard to get wrong.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_GROUPS, CODE_GROUP_LENGTH = 3, 4


def new_verification_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_GROUPS * CODE_GROUP_LENGTH))
    return "-".join(raw[i:i + CODE_GROUP_LENGTH] for i in range(0, len(raw), CODE_GROUP_LENGTH))


def normalise_code(typed: str) -> str | None:
    """The code as stored, from what a person typed (any case, spaces, dashes, O for 0, I/L for 1)."""
    cleaned = re.sub(r"[\s\-]", "", typed.upper()).translate(str.maketrans("OIL", "011"))
    if len(cleaned) != CODE_GROUPS * CODE_GROUP_LENGTH or any(c not in CODE_ALPHABET for c in cleaned):
        return None
    return "-".join(cleaned[i:i + CODE_GROUP_LENGTH] for i in range(0, len(cleaned), CODE_GROUP_LENGTH))


def document_issue(
    actor: Actor,
    *,
    kind: DocumentKind,
    title: str,
    object_type: str,
    object_id: int | str,
    render: Callable[[str], bytes],
    committee_id: int | None = None,
    registry_number: str | None = None,
) -> IssuedDocument:
    """Render the document with its code and store it as issued; it is never generated again."""
    code = new_verification_code()
    while db.session.scalar(select(IssuedDocument.id).where(IssuedDocument.verification_code == code)):
        code = new_verification_code()
    pdf = render(code)
    document = IssuedDocument(
        kind=kind.value, title=title, committee_id=committee_id, registry_number=registry_number,
        object_type=object_type, object_id=str(object_id), verification_code=code,
        sha256=hashlib.sha256(pdf).hexdigest(), size=len(pdf), content=pdf,
        issued_at=clock.now(), issued_by_id=actor.user_id,
    )
    db.session.add(document)
    db.session.flush()
    record(actor, "document.issue", "document", document.id, after={
        "kind": kind.value, "title": title, "object_type": object_type, "object_id": str(object_id),
        "sha256": document.sha256, "verification_code": code,
    })
    return document


def document_by_code(typed: str) -> IssuedDocument | None:
    code = normalise_code(typed)
    if code is None:
        return None
    return db.session.scalars(select(IssuedDocument).where(IssuedDocument.verification_code == code)).first()


def documents_for(object_type: str, object_id: int | str) -> list[IssuedDocument]:
    return list(db.session.scalars(
        select(IssuedDocument)
        .where(IssuedDocument.object_type == object_type, IssuedDocument.object_id == str(object_id))
        .order_by(IssuedDocument.issued_at.desc())
    ))


def is_same_file(document: IssuedDocument, uploaded: bytes) -> bool:
    return secrets.compare_digest(hashlib.sha256(uploaded).hexdigest(), document.sha256)


def document_get(document_id: int) -> IssuedDocument | None:
    return db.session.get(IssuedDocument, document_id)


def documents_merged(documents: list[IssuedDocument]) -> bytes:
    """The stored documents one after the other, for printing: the issued bytes are copied, never
    generated again (the merged file is a print-out, not an archived document)."""
    from io import BytesIO

    import pikepdf

    merged = pikepdf.new()
    sources = []
    for document in documents:
        source = pikepdf.open(BytesIO(document.content))
        sources.append(source)
        merged.pages.extend(source.pages)
    out = BytesIO()
    merged.save(out)
    for source in sources:
        source.close()
    return out.getvalue()
