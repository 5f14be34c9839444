from ninja import NinjaAPI

from . import errors, units

api = NinjaAPI(
    title="Townhall API",
    version="1",
    description="Contact and dialogue between leaders and the people: units, petitions, "
    "conferences, reception and reports. Errors are application/problem+json.",
    urls_namespace="api-v1",
    docs_url="/docs",
)
errors.install(api)
api.add_router("/", units.router)
