from ninja import NinjaAPI

from . import dialogues, errors, petitions, reception, reports, units

api = NinjaAPI(
    title="Townhall API",
    version="1",
    description="Contact and dialogue between leaders and the people: units, petitions, "
    "conferences, reception and reports. Errors are application/problem+json. Staff "
    "endpoints take `Authorization: Bearer TOKEN` (`townhall token create USERNAME`); every "
    "POST honours `Idempotency-Key`.",
    urls_namespace="api-v1",
    docs_url="/docs",
)
errors.install(api)
api.add_router("/", units.router)
api.add_router("/", reception.router)
api.add_router("/", petitions.topics_router)
api.add_router("/", petitions.router)
api.add_router("/", dialogues.router)
api.add_router("/", reports.router)
