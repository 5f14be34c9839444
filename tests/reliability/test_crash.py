"""Crash safety: SIGKILL the server mid-stream; no acknowledged petition is lost or doubled.

Four client threads send petitions (each with its own Idempotency-Key and a unique marker at the
start of its text, from submitters with a phone, so an SMS row is queued in the outbox) to the
real gunicorn (2 workers, production settings). At a random moment the master and all its
workers are SIGKILLed together (the first kill, and every other one, right after the database
shows a new commit, when its answer is most likely still unsent; the others at a random
millisecond) and the server is started again; senders wait for it and go on.
Then, before any retry:

- every petition that got a 201 is in the database exactly once (by tracking code and by marker)
  with its case, its 'received' event, all its submitters, one SMS per person (and the e-mail)
  and its completed Idempotency-Key record;
- every request that got no answer is either wholly there (all of the above) or wholly absent
  (no petition, no case with its marker, no key record);
- no orphan anywhere in the database.

Then every request that did not get a 201 is retried with the SAME key and body: the ones the
server had committed are replayed (same tracking code, `Idempotent-Replayed: true`), the others
are created once. Finally every petition is there exactly once.

The API takes no attachments (POST /api/v1/petitions is JSON; attachments only come through the
staff and portal forms), so none are sent here.

Bounded: 4 threads x 30 requests, 1 kill. `make soak` (TOWNHALL_SOAK=1): 4 x 500, 6 kills.
Each intake costs ~0.2 s of CPU on the server (Argon2 of the citizen's secret), hence the
small numbers.
Set TOWNHALL_RELIABILITY_SEED to replay a run's kill moments.
"""

import dataclasses
import json
import os
import random
import threading
import time
import uuid

from .harness import (
    CLERK,
    CONNECTION_ERRORS,
    SOAK,
    Live,
    assert_whole,
    global_consistency,
    petition_body,
    report,
    request,
    stored,
)

THREADS = 4
PER_THREAD = 500 if SOAK else 30
KILLS = 6 if SOAK else 1


@dataclasses.dataclass
class Item:
    index: int
    key: str
    marker: str
    submitters: int
    body: dict
    status: int | None = None
    response: dict | None = None
    error: str = ""
    attempts: int = 0

    @property
    def acknowledged(self) -> bool:
        return self.status == 201


def _send(live: Live, item: Item, timeout: float = 30) -> tuple[int, dict, bytes]:
    item.attempts += 1
    return request(
        live.port,
        "POST",
        "/api/v1/petitions",
        body=item.body,
        headers=live.headers(CLERK, key=item.key),
        timeout=timeout,
    )


def test_sigkill_mid_stream_loses_no_acknowledged_petition(live: Live):
    seed = int(os.environ.get("TOWNHALL_RELIABILITY_SEED") or time.time_ns() % 1_000_000)
    rng = random.Random(seed)
    run = uuid.uuid4().hex[:8].upper()
    total = THREADS * PER_THREAD
    items = []
    for i in range(total):
        marker = f"CRASH{run}N{i:05d}"
        people = 2 if i % 3 == 0 else 1
        items.append(
            Item(
                i,
                f"crash-{run}-{i}",
                marker,
                people,
                petition_body(marker, submitters=people, seq=i),
            )
        )
    started = time.monotonic()
    server_up = threading.Event()
    server_up.set()
    senders_done = threading.Event()
    lock = threading.Lock()
    acked = [0]
    five_xx: list[str] = []
    kill_log: list[str] = []
    # Kill after a random number of acknowledged petitions, plus a random few milliseconds.
    thresholds = sorted(rng.sample(range(total // 10, total * 9 // 10), KILLS))

    def sender(chunk: list[Item]) -> None:
        for item in chunk:
            server_up.wait(timeout=120)
            try:
                status, _, data = _send(live, item)
            except CONNECTION_ERRORS as exc:
                item.error = f"{type(exc).__name__}: {exc}"
                continue
            item.status = status
            if status == 201:
                item.response = json.loads(data)
                with lock:
                    acked[0] += 1
            else:
                item.error = data[:300].decode(errors="replace")
                if status >= 500:
                    five_xx.append(f"{item.key}: {status} {item.error}")

    def killer() -> None:
        for number, threshold in enumerate(thresholds):
            while acked[0] < threshold and not senders_done.is_set():
                time.sleep(0.002)
            if senders_done.is_set():
                return
            if number % 2 == 0:
                # The worst moment: a petition has just been committed and its answer is
                # probably still on its way (between COMMIT and the socket).
                moment = "just after a commit"
                with live.db.session():
                    (last,) = live.db.query("SELECT coalesce(max(id), 0) FROM petitions_petition")[
                        0
                    ]
                    deadline = time.monotonic() + 10
                    while time.monotonic() < deadline and (
                        live.db.query("SELECT coalesce(max(id), 0) FROM petitions_petition")[0][0]
                        == last
                    ):
                        pass
            else:
                moment = "at a random moment"
                time.sleep(rng.uniform(0, 0.05))
            server_up.clear()
            live.server.kill()
            kill_log.append(f"{moment}, after {acked[0]} acknowledged")
            live.server.start()
            server_up.set()

    threads = [
        threading.Thread(target=sender, args=(items[t::THREADS],), name=f"sender-{t}")
        for t in range(THREADS)
    ]
    kill_thread = threading.Thread(target=killer, name="killer")
    kill_thread.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    senders_done.set()
    kill_thread.join()
    stream_seconds = time.monotonic() - started
    assert live.server.proc is not None and live.server.proc.poll() is None

    acknowledged = [item for item in items if item.acknowledged]
    unanswered = [item for item in items if not item.acknowledged]
    refused = [item for item in unanswered if item.status is not None]
    assert not five_xx, f"5xx answers: {five_xx[:5]}"
    assert not refused, f"refused without a crash: {[(i.key, i.status, i.error) for i in refused]}"

    # --- before any retry -------------------------------------------------------------------
    with live.db.session():
        orphans = global_consistency(live.db)
        assert not any(orphans.values()), orphans
        for item in acknowledged:
            found = stored(live.db, item.marker, item.key, item.submitters)
            assert_whole(found, submitters=item.submitters, what=f"acknowledged {item.key}")
            petition_id, code, case_id = found.petitions[0]
            assert (petition_id, code, case_id) == (
                item.response["id"],
                item.response["tracking_code"],
                item.response["case_id"],
            ), item.key
        committed_unanswered = {}
        for item in unanswered:
            found = stored(live.db, item.marker, item.key, item.submitters)
            if found.absent:
                continue
            # Not absent: then it must be whole (never half a petition).
            assert_whole(found, submitters=item.submitters, what=f"unanswered {item.key}")
            committed_unanswered[item.key] = found.petitions[0]

    # --- retry everything that got no 201, with the same key -------------------------------
    replayed = 0
    for item in unanswered:
        for _ in range(5):
            try:
                status, headers, data = _send(live, item)
            except CONNECTION_ERRORS as exc:  # pragma: no cover - the server is up now
                item.error = repr(exc)
                time.sleep(0.5)
                continue
            break
        else:  # pragma: no cover
            raise AssertionError(f"{item.key}: no answer on retry ({item.error})")
        assert status == 201, (item.key, status, data[:300])
        body = json.loads(data)
        if item.key in committed_unanswered:
            # The server had committed it: the retry must replay the first answer.
            assert headers.get("idempotent-replayed") == "true", item.key
            assert (body["id"], body["tracking_code"], body["case_id"]) == committed_unanswered[
                item.key
            ], item.key
            replayed += 1
        else:
            assert headers.get("idempotent-replayed") is None, item.key
        item.status, item.response = status, body

    # --- after: every petition exactly once ------------------------------------------------
    with live.db.session():
        for item in items:
            found = stored(live.db, item.marker, item.key, item.submitters)
            assert_whole(found, submitters=item.submitters, what=f"after retries {item.key}")
            assert found.petitions[0][1] == item.response["tracking_code"], item.key
        (in_db,) = live.db.query(
            "SELECT count(*) FROM petitions_petition WHERE text LIKE %s", (f"CRASH{run}N%",)
        )[0]
        assert in_db == total, f"{in_db} petitions for {total} requests"
        orphans = global_consistency(live.db)
        assert not any(orphans.values()), orphans
        assert len(kill_log) == KILLS, kill_log

    sent = sum(item.attempts for item in items)
    report(
        f"[crash] seed={seed} {live.db.vendor}: sent {sent} requests ({total} petitions, "
        f"{len(unanswered)} retried); 201 before retry: {len(acknowledged)}; "
        f"kills survived: {len(kill_log)} ({'; '.join(kill_log)}); unanswered but committed: "
        f"{len(committed_unanswered)} (replayed {replayed}), unanswered and absent: "
        f"{len(unanswered) - len(committed_unanswered)}; acknowledged petitions checked: "
        f"{len(acknowledged)}, lost: 0, duplicated: 0; stream {stream_seconds:.1f} s"
    )
