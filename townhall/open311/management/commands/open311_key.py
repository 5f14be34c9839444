"""`townhall open311 key create NAME` / `revoke PREFIX` / `list`: Open311 clients' API keys.

`create` prints the new key as its last line; it is shown only then (only its SHA-256 is kept).
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from townhall.accounts.models import User
from townhall.open311.keys import KEY_PREFIX, PREFIX_LENGTH, key_create, key_hash, key_revoke
from townhall.open311.models import ApiKey


def _when(value) -> str:
    return f"{timezone.localtime(value):%Y-%m-%d %H:%M}" if value else "-"


class Command(BaseCommand):
    help = "Create, revoke or list the API keys of Open311 clients."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Create a key; it is printed once, last")
        create.add_argument("name", help="Which app or partner the key is for")
        create.add_argument("--by", default="", help="Username of the administrator creating it")
        revoke = sub.add_parser("revoke", help="Revoke the key starting with PREFIX")
        revoke.add_argument("prefix", help="The key's prefix as `list` shows it (or the key)")
        sub.add_parser("list", help="List the keys (prefixes only)")

    def handle(self, *args, action: str, **options):
        if action == "create":
            return self._create(options["name"], options["by"], options["verbosity"])
        if action == "revoke":
            return self._revoke(options["prefix"])
        return self._list()

    def _create(self, name: str, by: str, verbosity: int) -> None:
        creator = None
        if by:
            creator = User.objects.filter(username=by).first()
            if creator is None:
                raise CommandError(f"No user named {by!r}")
        try:
            row, key = key_create(name=name, created_by=creator)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        if verbosity > 0:
            self.stdout.write(
                f"Open311 API key {row.prefix}… for {row.name}. Keep it secret: it is shown "
                "only now. Clients send it as the api_key parameter of POST requests.json."
            )
        self.stdout.write(key)

    def _revoke(self, prefix: str) -> None:
        prefix = prefix.strip()
        if prefix.startswith(KEY_PREFIX) and len(prefix) > PREFIX_LENGTH:  # the whole key
            matches = list(ApiKey.objects.filter(key_hash=key_hash(prefix)))
        else:
            matches = list(ApiKey.objects.filter(prefix__startswith=prefix)) if prefix else []
        if not matches:
            raise CommandError(f"No key with the prefix {prefix!r}")
        if len(matches) > 1:
            raise CommandError(f"{len(matches)} keys start with {prefix!r}; give more characters")
        row = matches[0]
        if row.revoked_at:
            self.stdout.write(f"{row.prefix}… ({row.name}) was already revoked")
            return
        key_revoke(api_key=row)
        self.stdout.write(f"Revoked {row.prefix}… ({row.name})")

    def _list(self) -> None:
        for row in ApiKey.objects.order_by("created_at"):
            state = f"revoked {_when(row.revoked_at)}" if row.revoked_at else "active"
            self.stdout.write(
                f"{row.prefix}…\t{row.name}\tcreated {_when(row.created_at)}\t"
                f"last used {_when(row.last_used_at)}\t{state}"
            )
