"""Fill empty msgstr entries of a .po file from a TSV of `English<TAB>Vietnamese` lines.

Usage: python scripts/po_fill.py townhall/locale/vi/LC_MESSAGES/django.po translations.tsv
Only single-line msgids are filled; existing translations are kept. Then `make messages`.
"""

import re
import sys
from pathlib import Path


def main(po_path: str, tsv_path: str) -> None:
    table = {}
    with open(tsv_path, encoding="utf-8") as handle:
        for line in handle:
            if "\t" in line:
                english, vietnamese = line.rstrip("\n").split("\t", 1)
                table[english] = vietnamese
    text = Path(po_path).read_text(encoding="utf-8")

    def fill(match: re.Match) -> str:
        msgid = match.group(1)
        key = msgid.encode().decode("unicode_escape").encode("latin-1").decode("utf-8")
        if key in table:
            value = table[key].replace("\\", "\\\\").replace('"', '\\"')
            return f'msgid "{msgid}"\nmsgstr "{value}"\n'
        return match.group(0)

    text = re.sub(r'msgid "(.+)"\nmsgstr ""\n', fill, text)
    text = text.replace("#, fuzzy\n", "", 1)
    Path(po_path).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main(*sys.argv[1:3])
