"""`townhall openapi [--write | --check]`: the API's OpenAPI schema, as served at
/api/v1/openapi.json, rendered for the repository's snapshot (docs/openapi.json: sorted keys,
indent 2, UTF-8, one final newline).

- `townhall openapi` prints it;
- `townhall openapi --write` refreshes docs/openapi.json (after any change to the API);
- `townhall openapi --check` exits with status 1 if docs/openapi.json is out of date.
"""

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from ninja.responses import NinjaJSONEncoder

SNAPSHOT = Path(settings.PROJECT_DIR) / "docs" / "openapi.json"
REFRESH = "townhall openapi --write"


def render(schema: dict) -> str:
    """The snapshot's text for a schema (a served one, or api.get_openapi_schema())."""
    plain = json.loads(json.dumps(schema, cls=NinjaJSONEncoder))  # status codes become strings
    return json.dumps(plain, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def current() -> str:
    from townhall.api.urls import api

    return render(api.get_openapi_schema())


class Command(BaseCommand):
    help = "Print the API's OpenAPI schema, or write/check the docs/openapi.json snapshot."

    def add_arguments(self, parser):
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument("--write", action="store_true", help=f"Refresh {SNAPSHOT.name}")
        mode.add_argument("--check", action="store_true", help="Fail if the snapshot is stale")

    def handle(self, *args, write: bool, check: bool, **options):
        text = current()
        if write:
            SNAPSHOT.write_text(text, encoding="utf-8")
            if options["verbosity"] > 0:
                paths = len(json.loads(text)["paths"])
                self.stdout.write(f"Wrote {SNAPSHOT} ({paths} paths, {len(text):,} bytes)")
        elif check:
            stored = SNAPSHOT.read_text(encoding="utf-8") if SNAPSHOT.exists() else ""
            if stored != text:
                raise CommandError(f"{SNAPSHOT} is out of date: run `{REFRESH}`")
            if options["verbosity"] > 0:
                self.stdout.write(f"{SNAPSHOT} is up to date")
        else:
            self.stdout.write(text, ending="")
