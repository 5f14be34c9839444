"""`townhall token create USERNAME [--name NAME]`: a new API bearer token, printed last."""

from django.core.management.base import BaseCommand, CommandError

from townhall.accounts.models import User
from townhall.api.auth import token_create


class Command(BaseCommand):
    help = (
        "Create an API bearer token for a staff user. The token is printed once, as the last "
        "line; only its SHA-256 is stored."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="What the token is for (shown in admin)")

    def handle(self, *args, username: str, name: str, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}")
        if not user.is_active:
            raise CommandError(f"The user {username!r} is inactive; activate the account first")
        row, token = token_create(user=user, name=name)
        if options["verbosity"] > 0:
            self.stdout.write(
                f"Token {row.prefix}… ({row.name or 'no name'}) for {user.username}. "
                "Keep it secret: it is shown only now. Use it as: Authorization: Bearer TOKEN"
            )
        self.stdout.write(token)
