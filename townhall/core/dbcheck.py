"""`python -m townhall.core.dbcheck`: exit 0 when DATABASE_URL's server answers, 1 otherwise."""

import os
import sys


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "townhall.settings")
    import django

    django.setup()
    from django.db import connection

    try:
        connection.ensure_connection()
    except Exception as exc:  # any driver error means "not reachable" here
        print(f"database not reachable: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
