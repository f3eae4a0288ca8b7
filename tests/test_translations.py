"""Every user-facing string has a Swedish translation; the catalogue is the one the app uses."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
METHOD_MAP = [("portal/**.py", "python"), ("templates/**.html", "jinja2")]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}


def _message_ids() -> dict[str, str]:
    found = {}
    for filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), METHOD_MAP, keywords=KEYWORDS, options_map={"templates/**.html": {}}
    ):
        msgid = message if isinstance(message, str) else message[0]
        found.setdefault(msgid, filename)
    return found


def test_every_user_facing_string_has_a_swedish_translation():
    with open(ROOT / "portal/translations/sv/LC_MESSAGES/messages.po", "rb") as handle:
        catalog = read_po(handle)
    missing = []
    for msgid, filename in sorted(_message_ids().items()):
        message = catalog.get(msgid)
        if message is None or not message.string or message.fuzzy:
            missing.append(f"{filename}: {msgid!r}")
    assert not missing, "untranslated (run `make extract-messages` and translate):\n" + "\n".join(missing)


def test_extraction_finds_strings_from_code_and_templates():
    ids = _message_ids()
    assert "My tasks" in ids and "Enter the committee's name." in ids



def _catalogue_keys(text: str):
    """Each entry's (msgctxt, msgid) as written, whatever the line wrapping, in file order."""
    entry: list[str] = []
    current: int | None = None
    has_string = False
    for line in text.splitlines() + [""]:
        starts = line.startswith(("#", "msgctxt ", "msgid "))
        if not line.strip() or (starts and has_string):
            if entry and entry[-1] != "msgid:":
                yield tuple(entry)
            entry, current, has_string = [], None, False
            if not line.strip():
                continue
        if line.startswith(("msgctxt ", "msgid ")):
            keyword, quoted = line.split(" ", 1)
            current = len(entry)
            entry.append(keyword + ":" + quoted[1:-1])
        elif line.startswith(("msgid_plural", "msgstr")):
            current, has_string = None, True
        elif line.startswith('"') and current is not None:
            entry[current] += line[1:-1]


def test_no_message_is_translated_twice():
    """Parallel branches append translations and merge by union: a message id appearing twice would
    leave which translation wins to the order of the file (Babel keeps one silently)."""
    text = (ROOT / "portal/translations/sv/LC_MESSAGES/messages.po").read_text(encoding="utf-8")
    seen, repeated = set(), []
    for key in _catalogue_keys(text):
        if key in seen:
            repeated.append(" ".join(key))
        seen.add(key)
    assert not repeated, "translated more than once:\n" + "\n".join(repeated)
