"""The two baselines every figure is compared with, served by the same gunicorn as the app.

- `bare_insert`: a plain Django view that inserts one row (the cheapest possible write).
- `bare_list`: a django-ninja endpoint listing 20 rows of one table, no filters, no policy.

They go through the same settings and middleware as the app's own endpoints, so a ratio
"app / baseline" measures what the application adds, not the framework or the machine.
"""

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from ninja import Router, Schema

from .models import BenchRow

router = Router()


@csrf_exempt
@require_POST
def bare_insert(request: HttpRequest) -> JsonResponse:
    row = BenchRow.objects.create(title="bare insert", number=len(request.body))
    return JsonResponse({"id": row.pk}, status=201)


class RowOut(Schema):
    id: int
    title: str
    number: int


@router.get("/list", response=list[RowOut])
def bare_list(request: HttpRequest):
    return BenchRow.objects.order_by("-id")[:20]


def seed_rows(count: int = 1000) -> None:
    """Enough rows that the bare list reads a real page (called by the HTTP stage)."""
    if BenchRow.objects.count() < count:
        BenchRow.objects.bulk_create(
            BenchRow(title=f"dòng mẫu {i}", number=i) for i in range(count)
        )
