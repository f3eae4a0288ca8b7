"""Archival form: PDF/A-2b metadata (XMP matching the document information) and an sRGB output intent."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from io import BytesIO
from xml.sax.saxutils import escape

import pikepdf
from PIL import ImageCms

SRGB = "sRGB IEC61966-2.1"


@lru_cache(maxsize=1)
def _srgb_profile() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


# The XMP packet PDF/A asks for, written here rather than through pikepdf's metadata editor (which
# parses and rewrites the packet with lxml: a third of a letter's PDF/A step). Every value is escaped;
# the document information dictionary gets the same values, as PDF/A wants the two to agree.
_XMP = """<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:pdf="http://ns.adobe.com/pdf/1.3/"
    xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/">
   <dc:format>application/pdf</dc:format>
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">{title}</rdf:li></rdf:Alt></dc:title>
   <dc:creator><rdf:Seq><rdf:li>{author}</rdf:li></rdf:Seq></dc:creator>
   <dc:description><rdf:Alt><rdf:li xml:lang="x-default">{subject}</rdf:li></rdf:Alt></dc:description>
   <pdf:Producer>{producer}</pdf:Producer>
   <xmp:CreatorTool>{creator}</xmp:CreatorTool>
   <xmp:CreateDate>{date}</xmp:CreateDate>
   <xmp:ModifyDate>{date}</xmp:ModifyDate>
   <pdfaid:part>2</pdfaid:part>
   <pdfaid:conformance>B</pdfaid:conformance>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"""
CREATOR = "Beslutsportalen"
PRODUCER = "Beslutsportalen (ReportLab, pikepdf)"


def to_pdfa(pdf: bytes, *, title: str, author: str, subject: str, issued_at: datetime) -> bytes:
    """Add what PDF/A-2b asks beyond ReportLab's output; fonts are already embedded by the builder.

    What is and is not validated here is listed in the README ("Dokument och arkiv"). The streams
    are written as ReportLab compressed them (`compress_streams=False`: qpdf would otherwise decode
    and compress each again, two thirds of this step's time); the XMP packet stays uncompressed.
    """
    moment = issued_at.astimezone(UTC) if issued_at.tzinfo else issued_at.replace(tzinfo=UTC)
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
        stamp = pikepdf.String("D:" + moment.strftime("%Y%m%d%H%M%S") + "+00'00")
        document.docinfo["/Title"] = title
        document.docinfo["/Author"] = author
        document.docinfo["/Subject"] = subject
        document.docinfo["/Creator"] = CREATOR
        document.docinfo["/Producer"] = PRODUCER
        document.docinfo["/CreationDate"] = stamp
        document.docinfo["/ModDate"] = stamp
        packet = _XMP.format(title=escape(title), author=escape(author), subject=escape(subject),
                             producer=escape(PRODUCER), creator=escape(CREATOR),
                             date=moment.strftime("%Y-%m-%dT%H:%M:%S+00:00"))
        metadata = pikepdf.Stream(document, packet.encode("utf-8"))
        metadata["/Type"] = pikepdf.Name.Metadata
        metadata["/Subtype"] = pikepdf.Name.XML
        document.Root.Metadata = metadata
        out = BytesIO()
        document.save(out, deterministic_id=True, compress_streams=False)
        return out.getvalue()
