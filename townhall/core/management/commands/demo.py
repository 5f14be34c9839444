from django.core.management import call_command
from django.core.management.base import BaseCommand

from townhall.demo import figures, people, stories
from townhall.units import loader


class Command(BaseCommand):
    help = "Build the Hải Dương demo (idempotent: a second run neither duplicates nor fails)."

    def handle(self, *args, **options):
        if not loader.units_loaded():
            call_command("units_load", verbosity=options["verbosity"])
        users = people.build_people()
        for case in stories.build_stories():
            self.stdout.write(f"  story: {case.reference} · {case.title}")
        self.stdout.write(figures.build(progress=options["verbosity"] > 0).describe())
        self.stdout.write(self.style.SUCCESS("Demo ready. Logins (password for all):"))
        self.stdout.write(f"  password: {people.demo_password()}")
        for user in users:
            self.stdout.write(f"  {user.username:<22} {user.role:<14} {user.title}")
