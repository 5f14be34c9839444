"""Fill empty msgstr entries of a .po file from a TSV of `English<TAB>Vietnamese` lines.

Usage: python scripts/po_fill.py townhall/locale/vi/LC_MESSAGES/django.po translations.tsv
Single-line and wrapped (multi-line) msgids are filled; existing translations are kept.
Plural entries (msgid_plural) take the TSV line of their singular. Then `make messages`.
"""

import re
import sys
from pathlib import Path

_ENTRY = re.compile(
    r'msgid ((?:"(?:[^"\\]|\\.)*"\n)+)(msgid_plural (?:"(?:[^"\\]|\\.)*"\n)+)?'
    r'(msgstr(?:\[0\])? ""\n)(?!")'
)


def _unquote(block: str) -> str:
    raw = "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', block))
    escapes = {"n": "\n", "t": "\t"}
    return re.sub(r"\\(.)", lambda m: escapes.get(m.group(1), m.group(1)), raw)


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def main(po_path: str, tsv_path: str) -> None:
    table = {}
    with open(tsv_path, encoding="utf-8") as handle:
        for line in handle:
            if "\t" in line:
                english, vietnamese = line.rstrip("\n").split("\t", 1)
                table.setdefault(english, vietnamese)
    text = Path(po_path).read_text(encoding="utf-8")

    def fill(match: re.Match) -> str:
        msgid_block, plural_block, _empty = match.groups()
        key = _unquote(msgid_block)
        if key not in table:
            return match.group(0)
        value = _quote(table[key])
        if plural_block:
            return f"msgid {msgid_block}{plural_block}msgstr[0] {value}\n"
        return f"msgid {msgid_block}msgstr {value}\n"

    text = _ENTRY.sub(fill, text)
    text = text.replace("#, fuzzy\n", "", 1)
    Path(po_path).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main(*sys.argv[1:3])
