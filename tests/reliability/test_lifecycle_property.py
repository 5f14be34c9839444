"""A property test over the case lifecycle: any sequence of transitions keeps the invariants.

Hypothesis drives the real services (townhall.petitions.services) in any order over a few
cases: receive, attach a petition, acknowledge, accept, return, transfer, assign, answer,
extend, close, reopen, merge. A small model, read from the case as it is before each call,
says whether the call is allowed; then:

- an allowed call succeeds, moves the case to the expected status and raises its version by
  exactly one (both cases for a merge);
- a refused call raises a PetitionError subclass (TransitionNotAllowed for a wrong state or a
  merged case) and changes nothing anywhere: every case row, the events, the petitions, the
  submitters and the outbox are as before;

and after every step, for every case:

- the status is exactly one of the known statuses, and it is closed iff closed_at is set;
- the events are in time order, and the last event's to_status is the status;
- the version never goes down;
- no deadline is before the receipt (acknowledge_due, accept_due, due >= received_on);
- extensions never pass the cap of the rule in force;
- a merged case is closed, keeps no petition and its merge chain ends (no cycle); every other
  case has at least one.
"""

import collections
import datetime as dt
import sys

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from tests.cast import Cast
from tests.petitions.helpers import VN, intake
from townhall.api.models import IdempotencyRecord
from townhall.notifications.models import Notification
from townhall.petitions import deadlines, services
from townhall.petitions.errors import PetitionError, TransitionNotAllowed
from townhall.petitions.models import (
    OPEN_STATUSES,
    Case,
    CaseEvent,
    Kind,
    Petition,
    SimilarityBand,
    Status,
    Submitter,
)

from .harness import SOAK, report

pytestmark = pytest.mark.django_db


KINDS = st.sampled_from(Kind.values)
TEXT = "Đã xác minh tại thực địa"
WORDS = st.sampled_from(["", "   ", TEXT, "Chuyển cơ quan có thẩm quyền", "Trả lời lần 2"])
RECEIVED = st.builds(
    lambda days, hour: dt.datetime(2022, 10, 3, hour, tzinfo=VN) + dt.timedelta(days=days),
    st.integers(0, 700),
    st.integers(7, 17),
)


STATS: collections.Counter = collections.Counter()


def _row(pk: int) -> dict:
    return Case.objects.filter(pk=pk).values().get()


class Lifecycle(RuleBasedStateMachine):
    cast: Cast  # set by the test
    cases = Bundle("cases")

    def __init__(self):
        super().__init__()
        self._savepoint = transaction.savepoint()
        self.ids: list[int] = []
        self.versions: dict[int, int] = {}
        self.steps = 0

    def teardown(self):
        transaction.savepoint_rollback(self._savepoint)

    # --- helpers ----------------------------------------------------------------------------
    def _world(self) -> dict:
        """Everything a refused call must leave as it was."""
        return {
            "cases": {pk: _row(pk) for pk in self.ids},
            "events": list(CaseEvent.objects.order_by("pk").values_list("pk", flat=True)),
            "petitions": list(Petition.objects.order_by("pk").values_list("pk", "case_id")),
            "submitters": Submitter.objects.count(),
            "bands": list(SimilarityBand.objects.order_by("pk").values_list("pk", "case_id")),
            "outbox": list(Notification.objects.order_by("pk").values_list("pk", flat=True)),
            "keys": IdempotencyRecord.objects.count(),
        }

    def _apply(self, call, *, allowed: bool, expect: dict[int, str], reason: str = ""):
        """Run `call`; `expect` maps each case the call changes to its expected status."""
        self.steps += 1
        name = sys._getframe(1).f_code.co_name.rstrip("_")
        before = self._world()
        try:
            call()
        except PetitionError as refusal:
            assert not allowed, f"refused although allowed ({reason}): {refusal.message}"
            assert self._world() == before, f"a refused call changed data: {refusal.message}"
            STATS[name, "refused"] += 1
            return refusal
        assert allowed, f"accepted although it should be refused: {reason}"
        STATS[name, "done"] += 1
        for pk, status in expect.items():
            row = _row(pk)
            assert row["status"] == status, (pk, row["status"], status)
            assert row["version"] == before["cases"][pk]["version"] + 1, (pk, "version")
        return None

    def _case(self, pk: int) -> Case:
        return Case.objects.get(pk=pk)

    def _receive(self, kind: str, when: dt.datetime, case: Case | None = None):
        return services.petition_receive(
            intake=intake(self.cast.kim_thanh_committee, kind=kind, when=when),
            actor=self.cast.kim_thanh_clerk,
            case=case,
        )

    # --- rules ------------------------------------------------------------------------------
    @initialize(target=cases, kind=KINDS, when=RECEIVED)
    def first(self, kind, when):
        return self.receive(kind, when)

    @rule(target=cases, kind=KINDS, when=RECEIVED)
    def receive(self, kind, when):
        receipt = self._receive(kind, when)
        pk = receipt.case.pk
        self.ids.append(pk)
        self.versions[pk] = receipt.case.version
        return pk

    @rule(pk=cases, kind=KINDS, when=RECEIVED)
    def attach(self, pk, kind, when):
        case = self._case(pk)
        allowed = case.status in OPEN_STATUSES and not case.merged_into_id
        self._apply(
            lambda: self._receive(kind, when, case=case),
            allowed=allowed,
            expect={pk: case.status},
            reason=f"attach to a {case.status} case",
        )

    @rule(pk=cases)
    def acknowledge(self, pk):
        case = self._case(pk)
        allowed = (
            case.status in OPEN_STATUSES and not case.merged_into_id and not case.acknowledged_at
        )
        self._refusal_kind(
            self._apply(
                lambda: services.case_acknowledge(case=case, actor=self.cast.kim_thanh_clerk),
                allowed=allowed,
                expect={pk: case.status},
                reason=f"acknowledge {case.status}",
            ),
            TransitionNotAllowed,
        )

    @rule(pk=cases, is_complex=st.booleans(), is_remote=st.booleans(), other=st.booleans())
    def accept(self, pk, is_complex, is_remote, other):
        case = self._case(pk)
        allowed = case.status in (Status.RECEIVED, Status.TRANSFERRED) and not case.merged_into_id
        competent = self.cast.phu_thai_committee if other else None
        self._refusal_kind(
            self._apply(
                lambda: services.case_accept(
                    case=case,
                    actor=self.cast.kim_thanh_leader,
                    competent_agency=competent,
                    is_complex=is_complex,
                    is_remote=is_remote,
                ),
                allowed=allowed,
                expect={pk: Status.ACCEPTED},
                reason=f"accept {case.status}",
            ),
            TransitionNotAllowed,
        )

    @rule(pk=cases, guidance=WORDS)
    def return_(self, pk, guidance):
        case = self._case(pk)
        allowed = case.status == Status.RECEIVED and not case.merged_into_id and guidance.strip()
        self._apply(
            lambda: services.case_return(
                case=case, actor=self.cast.kim_thanh_leader, guidance=guidance
            ),
            allowed=bool(allowed),
            expect={pk: Status.RETURNED},
            reason=f"return {case.status} with {guidance!r}",
        )

    @rule(pk=cases, to=st.sampled_from(["kim_thanh", "phu_thai", "province"]))
    def transfer(self, pk, to):
        case = self._case(pk)
        agency = getattr(self.cast, f"{to}_committee")
        allowed = (
            case.status in (Status.RECEIVED, Status.ACCEPTED)
            and not case.merged_into_id
            and agency.pk != (case.competent_agency_id or case.receiving_agency_id)
        )
        self._apply(
            lambda: services.case_transfer(
                case=case, actor=self.cast.kim_thanh_leader, to_agency=agency, note="chuyển"
            ),
            allowed=allowed,
            expect={pk: Status.TRANSFERRED},
            reason=f"transfer {case.status} to {to}",
        )

    @rule(
        pk=cases,
        member=st.booleans(),
        with_handler=st.booleans(),
        due_offset=st.none() | st.integers(-3, 120),
    )
    def assign(self, pk, member, with_handler, due_offset):
        case = self._case(pk)
        handler = None
        if with_handler:
            handler = self.cast.kim_thanh_handler if member else self.cast.chi_linh_leader
        due = case.received_on + dt.timedelta(days=due_offset) if due_offset is not None else None
        if due is not None and case.due is not None and due_offset > 60:
            due = case.due + dt.timedelta(days=due_offset - 60)  # sometimes past the legal one
        allowed = (
            case.status in (Status.ACCEPTED, Status.ASSIGNED)
            and not case.merged_into_id
            and (handler is None or member)
            and (due is None or (due >= case.received_on and (case.due is None or due <= case.due)))
        )
        self._apply(
            lambda: services.case_assign(
                case=case,
                actor=self.cast.kim_thanh_leader,
                agency=self.cast.kim_thanh_committee,
                handler=handler,
                due=due,
            ),
            allowed=allowed,
            expect={pk: Status.ASSIGNED},
            reason=f"assign {case.status}, member={member}, due={due}, legal due={case.due}",
        )

    @rule(pk=cases, answer=WORDS, final=st.booleans())
    def answer(self, pk, answer, final):
        case = self._case(pk)
        allowed = (
            case.status in (Status.ACCEPTED, Status.ASSIGNED)
            and not case.merged_into_id
            and answer.strip()
        )
        self._apply(
            lambda: services.case_answer(
                case=case, actor=self.cast.kim_thanh_leader, answer=answer, is_final=final
            ),
            allowed=bool(allowed),
            expect={pk: Status.ANSWERED},
            reason=f"answer {case.status} with {answer!r}",
        )

    @rule(pk=cases, reason=WORDS, decision=st.sampled_from(["", "123/QĐ-UBND"]))
    def extend(self, pk, reason, decision):
        case = self._case(pk)
        rule_ = self._rule(case)
        allowed = (
            case.status in (Status.ACCEPTED, Status.ASSIGNED)
            and not case.merged_into_id
            and reason.strip()
            and decision.strip()
            and case.due is not None
            and rule_ is not None
            and case.extensions < rule_.max_extensions
        )
        self._apply(
            lambda: services.case_extend(
                case=case,
                actor=self.cast.kim_thanh_leader,
                reason=reason,
                decision_reference=decision,
            ),
            allowed=bool(allowed),
            expect={pk: case.status},
            reason=f"extend {case.status} ({case.kind}, {case.extensions} so far)",
        )

    @rule(pk=cases)
    def close(self, pk):
        case = self._case(pk)
        allowed = case.status in (Status.ANSWERED, Status.RETURNED) and not case.merged_into_id
        self._refusal_kind(
            self._apply(
                lambda: services.case_close(case=case, actor=self.cast.kim_thanh_leader),
                allowed=allowed,
                expect={pk: Status.CLOSED},
                reason=f"close {case.status}",
            ),
            TransitionNotAllowed,
        )

    @rule(pk=cases, note=WORDS)
    def reopen(self, pk, note):
        case = self._case(pk)
        allowed = (
            case.status in (Status.ANSWERED, Status.CLOSED)
            and not case.merged_into_id
            and note.strip()
        )
        self._apply(
            lambda: services.case_reopen(case=case, actor=self.cast.kim_thanh_leader, note=note),
            allowed=bool(allowed),
            expect={pk: Status.ACCEPTED},
            reason=f"reopen {case.status} with {note!r}",
        )

    @rule(source=cases, into=cases)
    def merge(self, source, into):
        a, b = self._case(source), self._case(into)
        allowed = (
            source != into
            and not a.merged_into_id
            and not b.merged_into_id
            and a.status in OPEN_STATUSES
            and b.status in OPEN_STATUSES
        )
        moved = set(a.petitions.values_list("pk", flat=True))
        refusal = self._apply(
            lambda: services.case_merge(source=a, target=b, actor=self.cast.kim_thanh_leader),
            allowed=allowed,
            expect={source: Status.CLOSED, into: b.status},
            reason=f"merge {a.status} into {b.status}",
        )
        if refusal is None:
            assert _row(source)["merged_into_id"] == into
            assert moved <= set(Case.objects.get(pk=into).petitions.values_list("pk", flat=True))

    # --- progress: a valid next step, so that deep states are reached ----------------------
    # Hypothesis picks among the rules uniformly and most arbitrary calls are refusals; these
    # three identical rules take a case one allowed step further along its lifecycle.
    def _advance(self, pk: int, choice: int) -> None:
        case = self._case(pk)
        if case.merged_into_id:
            return
        options = {
            Status.RECEIVED: [
                lambda: self.accept(pk, False, False, False),
                lambda: self.return_(pk, TEXT),
                lambda: self.transfer(pk, "province"),
            ],
            Status.TRANSFERRED: [lambda: self.accept(pk, choice % 2 == 0, False, False)],
            Status.ACCEPTED: [
                lambda: self.assign(pk, True, True, None),
                lambda: self.answer(pk, TEXT, choice % 3 == 0),
                lambda: self.extend(pk, TEXT, "123/QĐ-UBND"),
            ],
            Status.ASSIGNED: [
                lambda: self.answer(pk, TEXT, choice % 3 == 0),
                lambda: self.extend(pk, TEXT, "123/QĐ-UBND"),
            ],
            Status.ANSWERED: [lambda: self.close(pk), lambda: self.reopen(pk, TEXT)],
            Status.RETURNED: [lambda: self.close(pk)],
            Status.CLOSED: [lambda: self.reopen(pk, TEXT)],
        }[case.status]
        options[choice % len(options)]()

    @rule(pk=cases, choice=st.integers(0, 5))
    def advance(self, pk, choice):
        self._advance(pk, choice)

    @rule(pk=cases, choice=st.integers(0, 5))
    def advance_again(self, pk, choice):
        self._advance(pk, choice)

    @rule(pk=cases, choice=st.integers(0, 5))
    def advance_once_more(self, pk, choice):
        self._advance(pk, choice)

    # --- invariants -------------------------------------------------------------------------
    @invariant()
    def every_case_is_consistent(self):
        for pk in self.ids:
            case = self._case(pk)
            assert case.status in Status.values
            assert (case.status == Status.CLOSED) == (case.closed_at is not None), (
                f"{case.reference}: status {case.status}, closed_at {case.closed_at}"
            )
            events = list(case.events.order_by("pk"))
            assert events, "a case without events"
            assert [e.at for e in events] == sorted(e.at for e in events), "events out of order"
            assert list(case.events.all()) == events  # the timeline's order is the write order
            assert events[-1].to_status == case.status, (events[-1].action, case.status)
            assert case.version >= self.versions[pk], "the version went down"
            self.versions[pk] = case.version
            assert case.acknowledge_due >= case.received_on
            assert case.accept_due is None or case.accept_due >= case.received_on
            assert case.due is None or case.due >= case.received_on
            rule_ = self._rule(case)
            cap = rule_.max_extensions if rule_ else 0
            assert case.extensions <= cap, f"{case.extensions} extensions, cap {cap}"
            if case.merged_into_id:
                assert case.status == Status.CLOSED
                assert not case.petitions.exists()
                assert self._final_target(case) is not None, "a merge chain without an end"
            else:
                assert case.petitions.exists()

    # --- model helpers ----------------------------------------------------------------------
    @staticmethod
    def _rule(case: Case):
        accepted = case.events.filter(action="accepted").order_by("-at").first()
        on = timezone.localdate(accepted.at) if accepted else case.received_on
        return deadlines.rule_for(
            kind=case.kind, step=deadlines.resolve_step(case.kind, case.instance), on=on
        )

    @staticmethod
    def _final_target(case: Case) -> Case | None:
        seen = {case.pk}
        while case.merged_into_id:
            case = Case.objects.get(pk=case.merged_into_id)
            if case.pk in seen:
                return None
            seen.add(case.pk)
        return case

    @staticmethod
    def _refusal_kind(refusal, kind):
        if refusal is not None:
            assert isinstance(refusal, kind), f"{type(refusal).__name__}: {refusal.message}"


def test_any_sequence_of_transitions_keeps_the_invariants(cast):
    Lifecycle.cast = cast
    run_state_machine_as_test(
        Lifecycle,
        settings=settings(
            max_examples=300 if SOAK else 30,
            stateful_step_count=30 if SOAK else 15,
            deadline=None,
            derandomize=not SOAK,
            database=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
    names = sorted({name for name, _ in STATS})
    report(
        "[lifecycle] done/refused per transition: "
        + ", ".join(f"{n} {STATS[n, 'done']}/{STATS[n, 'refused']}" for n in names)
    )
