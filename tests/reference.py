"""Reference data for transactional tests: a previous transactional test's flush removed the
units the session loaded and the rows the data migrations seed."""

import importlib

from django.apps import apps as django_apps
from django.core.management import call_command


def seed_reference_data() -> None:
    """Units (real packages) and the rows the data migrations seed: a previous transactional
    test's flush removed them (permissions and content types too, after a serialized
    rollback elsewhere)."""
    from django.contrib.auth.management import create_permissions
    from django.contrib.contenttypes.management import create_contenttypes

    for app_config in django_apps.get_app_configs():
        create_contenttypes(app_config, verbosity=0)
        create_permissions(app_config, verbosity=0)
    call_command("units_load", verbosity=0)
    for module in [
        "townhall.petitions.migrations.0002_seed_topics_and_rules",
        "townhall.reception.migrations.0002_seed_reception_rules",
        "townhall.reports.migrations.0002_seed_dialogue_rules",
    ]:
        try:
            seed = importlib.import_module(module).seed
        except (ImportError, AttributeError):
            continue
        seed(django_apps, None)
