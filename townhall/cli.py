"""The `townhall` command: manage.py under a name officials can remember."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "townhall.settings")
    from django.core.management import execute_from_command_line

    argv = list(sys.argv)
    argv[0] = "townhall"
    # `townhall units load` reads better than `townhall units_load`.
    if len(argv) >= 3 and argv[1] in {"units", "token", "open311"} and not argv[2].startswith("-"):
        argv[1:3] = [f"{argv[1]}_{argv[2].replace('-', '_')}"]
    # Commands named with dashes on the command line, underscores in Python.
    if len(argv) >= 2 and argv[1] in {"rotate-keys"}:
        argv[1] = argv[1].replace("-", "_")
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
