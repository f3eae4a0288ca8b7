"""Archival form: PDF/A-2b metadata (XMP matching the document information) and an sRGB output intent."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from io import BytesIO

import pikepdf
from PIL import ImageCms

SRGB = "sRGB IEC61966-2.1"


@lru_cache(maxsize=1)
def _srgb_profile() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def to_pdfa(pdf: bytes, *, title: str, author: str, subject: str, issued_at: datetime) -> bytes:
    """Add what PDF/A-2b asks beyond ReportLab's output; fonts are already embedded by the builder.

    What is and is not validated here is listed in the README ("Dokument och arkiv").
    """
    with pikepdf.open(BytesIO(pdf)) as document:
        profile = pikepdf.Stream(document, _srgb_profile())
        profile["/N"] = 3
        document.Root.OutputIntents = pikepdf.Array([
            pikepdf.Dictionary(
                Type=pikepdf.Name.OutputIntent,
                S=pikepdf.Name.GTS_PDFA1,
                OutputConditionIdentifier=SRGB,
                Info=SRGB,
                DestOutputProfile=profile,
            )
        ])
        # ReportLab writes /Trapped, which has no XMP twin; PDF/A wants the two to agree, so drop it.
        for key in ("/Trapped", "/Keywords"):
            if key in document.docinfo:
                del document.docinfo[key]
        stamp = pikepdf.String("D:" + issued_at.strftime("%Y%m%d%H%M%S") + "Z")
        document.docinfo["/Title"] = title
        document.docinfo["/Author"] = author
        document.docinfo["/Subject"] = subject
        document.docinfo["/Creator"] = "Beslutsportalen"
        document.docinfo["/Producer"] = "Beslutsportalen (ReportLab, pikepdf)"
        document.docinfo["/CreationDate"] = stamp
        document.docinfo["/ModDate"] = stamp
        with document.open_metadata(set_pikepdf_as_editor=False) as meta:
            meta.load_from_docinfo(document.docinfo)
            meta["pdfaid:part"] = "2"
            meta["pdfaid:conformance"] = "B"
        out = BytesIO()
        document.save(out, deterministic_id=True)
        return out.getvalue()
