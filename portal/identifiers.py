"""Names and codes people type and others read: one composed form (NFC), no invisible characters,
one alphabet, so that "SN" plus a zero-width space or `аdmin` with a Cyrillic а cannot pass for
what they imitate. Plain functions: each returns the cleaned text and an error message or None.
"""

from __future__ import annotations

import re
import string
import unicodedata

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

# Characters that print as nothing or as a blank that is not a space: zero-width and bidi
# controls are category Cf; the rest are fillers that Unicode classes as letters or symbols.
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
_FILLERS = frozenset("\u115f\u1160\u3164\uffa0\u2800\u180e\u17b4\u17b5")
_SPACES = frozenset(" ")  # the only space a name may hold; other blanks (no-break, en space…) are refused
_SCRIPT_NAMES = {
    "LATIN": _l("Latin"),
    "CYRILLIC": _l("Cyrillic"),
    "GREEK": _l("Greek"),
    "ARABIC": _l("Arabic"),
    "HEBREW": _l("Hebrew"),
    "ARMENIAN": _l("Armenian"),
    "GEORGIAN": _l("Georgian"),
}

REGISTRY_PLACEHOLDERS = ("code", "year", "number")
REGISTRY_FORMAT_MAX = 40
REGISTRY_FORMAT_PUNCTUATION = frozenset(" -/.:_()")
_NUMBER_SPEC = re.compile(r"(0?[1-9])?d?")  # a width of at most 9, zero-padded or not


def _invisible(char: str) -> bool:
    if char in _SPACES:
        return False
    category = unicodedata.category(char)
    return category in _INVISIBLE_CATEGORIES or char in _FILLERS or category == "Zs"


def script_of(char: str) -> str | None:
    """The script of a letter (LATIN, CYRILLIC, GREEK…); None for digits, marks and punctuation."""
    if not unicodedata.category(char).startswith("L"):
        return None
    name = unicodedata.name(char, "")
    return name.split(" ", 1)[0] if name else "UNKNOWN"


def scripts_in(text: str) -> set[str]:
    return {script for script in map(script_of, text) if script is not None}


def _script_label(script: str) -> str:
    return str(_SCRIPT_NAMES.get(script, script.title()))


def checked_text(text: str | None) -> tuple[str, str | None]:
    """NFC, trimmed; an error when it holds an invisible character or mixes alphabets."""
    cleaned = unicodedata.normalize("NFC", text or "").strip()
    if any(_invisible(char) for char in cleaned):
        return cleaned, _("Contains an invisible or special blank character (such as a zero-width "
                          "space or a direction mark). Type it again without it.")
    scripts = scripts_in(cleaned)
    if len(scripts) > 1:
        names = ", ".join(sorted(_script_label(s) for s in scripts))
        return cleaned, _("Mixes letters from different alphabets (%(scripts)s). Write it in one alphabet.",
                          scripts=names)
    return cleaned, None


def registry_format_error(fmt: str) -> str | None:
    """A registry number format holds {number} and may hold {code} and {year}, nothing else in
    braces (no attribute, index or width), letters of one alphabet, digits and - / . : _ ( )."""
    if len(fmt) > REGISTRY_FORMAT_MAX:
        return _("The registry number format may be at most %(max)s characters.", max=REGISTRY_FORMAT_MAX)
    try:
        parts = list(string.Formatter().parse(fmt))
    except ValueError:
        return _("Write placeholders as {code}, {year} and {number}, each within one pair of braces.")
    names = []
    for literal, name, spec, conversion in parts:
        if any(not (char.isalnum() or char in REGISTRY_FORMAT_PUNCTUATION) for char in literal):
            return _("The registry number format may contain letters, digits, spaces and - / . : _ ( ) "
                     "besides {code}, {year} and {number}.")
        if name is None:
            continue
        if name not in REGISTRY_PLACEHOLDERS or conversion or not _NUMBER_SPEC.fullmatch(spec or "") or (
                spec and name == "code"):
            return _("Only {code}, {year} and {number} may be used in the format; {number} may be "
                     "padded with zeros to at most 9 digits, e.g. {number:04d}.")
        names.append(name)
    if names.count("number") != 1 or len(names) != len(set(names)):
        return _("The registry number format must contain {number} once, and {code} and {year} at most once.")
    return None
