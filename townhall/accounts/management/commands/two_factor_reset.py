"""`townhall two_factor_reset USERNAME`: remove a user's TOTP device (lost phone)."""

from django.core.management.base import BaseCommand, CommandError

from townhall.accounts import two_factor
from townhall.accounts.models import User


class Command(BaseCommand):
    help = (
        "Remove USERNAME's two-factor (TOTP) device: they set up a new one at their next login. "
        "Recorded in the admin's history of the user."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, verbosity, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}")
        if two_factor.device_reset(user=user, actor=None):
            if verbosity:
                self.stdout.write(f"{username}: two-factor device removed; enrol at next login")
        elif verbosity:
            self.stdout.write(f"{username} had no two-factor device")
