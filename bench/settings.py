"""Settings for the benchmark's app servers: production settings plus the bench-only app.

`townhall.settings` is used as it is (DEBUG off, secrets from the environment); this module only
adds the `bench` app (one baseline table, created with `migrate --run-syncdb`) and a URLconf
with the baseline and bench-only endpoints. Never used outside `python -m bench`.
"""

from townhall.settings import *  # noqa: F403
from townhall.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "bench"]
ROOT_URLCONF = "bench.urls"
