"""Report documents made in the background, with their progress.

A request makes a `ReportJob`. A small jurisdiction (few records in the period) is rendered at
once, in the request; a large one is queued and rendered by `townhall reports run` (cron, or
`--loop`), which claims a job with a lease: a worker that dies leaves the job to be claimed
again when its lease ends, so nothing is lost. Progress and the current step are saved outside
any transaction, so the page polling the job sees them move.
"""

import datetime as dt
import logging

from django.db.models import Q, QuerySet
from django.http import HttpResponse
from django.utils import timezone

from townhall.accounts import policy
from townhall.dialogues.models import Opinion
from townhall.petitions.models import Case
from townhall.units.models import Unit

from . import documents, statistics, statistics_dialogues, statistics_petitions
from .models import JobStatus, ReportJob

logger = logging.getLogger("townhall.reports")

# Below this many cases and opinions in the period the report is made in the request.
SYNC_LIMIT = 20_000
LEASE = dt.timedelta(minutes=15)
MAX_ATTEMPTS = 3


def jobs_visible_to(user) -> QuerySet[ReportJob]:
    return ReportJob.objects.filter(policy.jurisdiction_filter(user, "unit"))


def job_size(unit: Unit, start: dt.date, end: dt.date) -> int:
    """How many records the report reads (two COUNTs): decides whether to queue it."""
    scope = statistics.Scope(unit, start, end)
    cases = Case.objects.filter(statistics_petitions.cases_q(scope)).count()
    opinions = Opinion.objects.filter(statistics_dialogues.held_q(scope, "conference__")).count()
    return cases + opinions


def job_request(*, user, unit: Unit, period: str, year: int, month: int | None) -> ReportJob:
    start, end = documents.period_bounds(period, year, month)
    job = ReportJob.objects.create(
        unit=unit,
        period=period,
        year=year,
        month=month if period == "month" else None,
        requested_by=user,
    )
    if job_size(unit, start, end) <= SYNC_LIMIT:
        job.status, job.started_at, job.attempts = JobStatus.RUNNING, timezone.now(), 1
        job.save(update_fields=["status", "started_at", "attempts"])
        job_run(job)
        job.refresh_from_db()
    return job


def _progress(job: ReportJob, pct: int, step: str) -> None:
    ReportJob.objects.filter(pk=job.pk).update(progress=pct, step=step)


def _issuer(job: ReportJob) -> tuple[str, str]:
    """The issuing body (the requester's agency at or above the unit) and the signer's title."""
    user = job.requested_by
    memberships = user.memberships.select_related("agency__unit").order_by("pk")
    above = [m.agency for m in memberships if job.unit.path.startswith(m.agency.unit.path)]
    agency = above[0] if above else next((m.agency for m in memberships), None)
    return (agency.name if agency else job.unit.name), (user.title or str(user))


def job_run(job: ReportJob) -> None:
    """Render the DOCX and XLSX of a claimed job; a failure is recorded on the job."""
    try:
        issuer, signer = _issuer(job)
        data = documents.report_data(
            unit=job.unit,
            period=job.period,
            year=job.year,
            month=job.month,
            issuer=issuer,
            signer=signer,
            progress=lambda pct, step: _progress(job, pct, step),
        )
        _progress(job, 75, "docx")
        docx = documents.report_docx(data)
        _progress(job, 90, "xlsx")
        xlsx = documents.report_xlsx(data)
    except Exception as exc:  # recorded on the job and logged; the worker goes on
        logger.exception("Report job %s failed", job.pk)
        ReportJob.objects.filter(pk=job.pk).update(
            status=JobStatus.FAILED, error=str(exc)[:2000], finished_at=timezone.now()
        )
        return
    ReportJob.objects.filter(pk=job.pk).update(
        status=JobStatus.DONE,
        progress=100,
        step="done",
        docx=docx,
        xlsx=xlsx,
        finished_at=timezone.now(),
        lease_until=None,
        error="",
    )


def job_claim() -> ReportJob | None:
    """The oldest queued job, or a running one whose worker let its lease lapse."""
    now = timezone.now()
    ready = Q(status=JobStatus.QUEUED) | Q(status=JobStatus.RUNNING, lease_until__lt=now)
    for candidate in ReportJob.objects.filter(ready).order_by("requested_at", "pk")[:10]:
        if candidate.attempts >= MAX_ATTEMPTS:
            ReportJob.objects.filter(pk=candidate.pk).update(
                status=JobStatus.FAILED, error="Gave up after repeated attempts"
            )
            continue
        claimed = ReportJob.objects.filter(
            pk=candidate.pk, status=candidate.status, attempts=candidate.attempts
        ).update(
            status=JobStatus.RUNNING,
            lease_until=now + LEASE,
            started_at=now,
            attempts=candidate.attempts + 1,
        )
        if claimed:
            return ReportJob.objects.select_related("unit", "requested_by").get(pk=candidate.pk)
    return None


def run_pending(limit: int = 10) -> int:
    """Render up to `limit` queued reports; returns how many were run."""
    done = 0
    while done < limit:
        job = job_claim()
        if job is None:
            break
        job_run(job)
        done += 1
    return done


def download(job: ReportJob, fmt: str) -> HttpResponse:
    content, content_type = {
        "docx": (job.docx, documents.DOCX_TYPE),
        "xlsx": (job.xlsx, documents.XLSX_TYPE),
    }[fmt]
    name = f"bao-cao-{job.unit.code}-{job.period}-{job.year}"
    name += f"-{job.month:02d}" if job.month else ""
    response = HttpResponse(bytes(content), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response
