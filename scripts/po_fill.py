"""Fill empty msgstr entries of a .po file from a TSV of `English<TAB>Vietnamese` lines.

Usage: python scripts/po_fill.py townhall/locale/vi/LC_MESSAGES/django.po translations.tsv
Single-line and wrapped (multi-line) msgids are filled; existing translations are kept.
Plural entries (msgid_plural) take the TSV line of their singular. Fuzzy entries (msgmerge's
guesses from a similar msgid, often wrong: "Every level" was guessed as "vượt cấp") are
emptied first, so they are filled from the TSV or stay visibly untranslated. Then
`make messages`.
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


def _clear_fuzzy(entry: str) -> str:
    if "\n#, fuzzy" not in "\n" + entry:
        return entry
    kept, in_msgstr = [], False
    for line in entry.split("\n"):
        if line.startswith("#|"):
            continue
        if line.startswith("#, fuzzy"):
            flags = line[len("#, fuzzy") :].lstrip(", ").strip()
            if flags:
                kept.append(f"#, {flags}")
            continue
        if line.startswith("msgstr"):
            kept.append(line.split(" ", 1)[0] + ' ""')
            in_msgstr = True
            continue
        if in_msgstr and line.startswith('"'):
            continue
        in_msgstr = False
        kept.append(line)
    return "\n".join(kept)


def main(po_path: str, tsv_path: str) -> None:
    table = {}
    with open(tsv_path, encoding="utf-8") as handle:
        for line in handle:
            if "\t" in line:
                english, vietnamese = line.rstrip("\n").split("\t", 1)
                table.setdefault(english, vietnamese)
    text = Path(po_path).read_text(encoding="utf-8")
    header, _, body = text.partition("\n\n")
    text = header + "\n\n" + "\n\n".join(_clear_fuzzy(e) for e in body.split("\n\n"))

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
