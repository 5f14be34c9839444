from ninja import NinjaAPI

from . import dialogues, errors, petitions, ratelimit, reception, reports, units


class TownhallAPI(NinjaAPI):
    """NinjaAPI whose schema says what the API really sends: problem+json errors, and the 429
    (with Retry-After) of the operations open without a token."""

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        schema = errors.document_problems(schema)
        return ratelimit.document_limits(self, schema)


api = TownhallAPI(
    title="Townhall API",
    version="1",
    description="Contact and dialogue between leaders and the people: units, petitions, "
    "conferences, reception and reports. Errors are application/problem+json. Staff "
    "endpoints take `Authorization: Bearer TOKEN` (`townhall token create USERNAME`); every "
    "POST honours `Idempotency-Key`. The public statistics (`/reports/dialogues`, "
    "`/reports/petitions`, `/reports/reception` without a token) are limited per client "
    "address (429 with `Retry-After`).",
    urls_namespace="api-v1",
    docs_url="/docs",
)
errors.install(api)
api.add_router("/", units.router)
api.add_router("/", reception.router)
api.add_router("/", petitions.topics_router)
api.add_router("/", petitions.router)
api.add_router("/", dialogues.router)
api.add_router("/", reports.router, throttle=ratelimit.public_rate)
