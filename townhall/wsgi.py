"""The WSGI application, as gunicorn serves it.

After Django has loaded the apps and the URLs, what the process holds (modules, models,
the URL resolver, ~200,000 objects) is moved out of the garbage collector's reach
(`gc.freeze`): none of it is garbage, and a full collection that walked it took ~200 ms of
one request in a few hundred (measured on intake, docs/decisions/0015).
"""

import gc
import os
from importlib import import_module

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "townhall.settings")
application = get_wsgi_application()
import_module(settings.ROOT_URLCONF)
gc.collect()
gc.freeze()
