"""Retries over real HTTP: with an Idempotency-Key, a client that gave up and tried again creates
one petition; the same key with a different body is refused with 422 and changes nothing."""

import json
import socket
import threading
import time
import uuid

import pytest

from .harness import (
    CLERK,
    LEADER,
    Live,
    assert_whole,
    petition_body,
    request,
    send_and_drop,
    stored,
)

PATH = "/api/v1/petitions"


def _marker(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:10].upper()}"


def _wait_for_petition(live: Live, marker: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if live.db.query(
            "SELECT count(*) FROM petitions_petition WHERE text LIKE %s", (f"{marker} %",)
        )[0][0]:
            return
        time.sleep(0.05)
    raise AssertionError(f"the dropped request {marker} was never stored")


def test_a_retry_after_a_dropped_connection_creates_one_petition(live: Live):
    marker, key = _marker("DROP"), f"drop-{uuid.uuid4()}"
    body = petition_body(marker, submitters=2, seq=7001)
    # The client sends the whole request and loses the connection before the answer.
    send_and_drop(live.port, PATH, body, live.headers(CLERK, key))
    _wait_for_petition(live, marker)
    status, headers, data = request(
        live.port, "POST", PATH, body=body, headers=live.headers(CLERK, key)
    )
    assert status == 201, data
    assert headers.get("idempotent-replayed") == "true"
    found = stored(live.db, marker, key, 2)
    assert_whole(found, submitters=2, what="dropped then retried")
    assert json.loads(data)["tracking_code"] == found.petitions[0][1]


def test_a_client_that_times_out_on_a_slow_server_and_retries_creates_one_petition(live: Live):
    """The database is slow (a lock held elsewhere): the client gives up after 1 s and sends
    again, twice, while the first attempt is still waiting on the server; then the database
    frees up. The three attempts make one petition and the last one gets the first answer."""
    marker, key = _marker("SLOW"), f"slow-{uuid.uuid4()}"
    body = petition_body(marker, seq=7002)
    timeouts = 0
    with live.db.slow_writes():
        for _ in range(2):
            with pytest.raises((TimeoutError, socket.timeout)):
                request(
                    live.port, "POST", PATH, body=body, headers=live.headers(CLERK, key), timeout=1
                )
            timeouts += 1
        # Both attempts are now in the server's two workers, waiting on the database.
        assert not live.db.query(
            "SELECT count(*) FROM api_idempotencyrecord WHERE key = %s AND response_status > 0",
            (key,),
        )[0][0]
    status, headers, data = request(
        live.port, "POST", PATH, body=body, headers=live.headers(CLERK, key), timeout=60
    )
    assert timeouts == 2
    assert status == 201, data
    assert headers.get("idempotent-replayed") == "true"
    found = stored(live.db, marker, key, 1)
    assert_whole(found, submitters=1, what="timed out twice then retried")
    assert json.loads(data)["tracking_code"] == found.petitions[0][1]


def test_concurrent_twins_with_one_key_create_one_petition(live: Live):
    """Eight copies of one request with one key, at the same moment: one petition, and every
    copy that got an answer got the same one."""
    marker, key = _marker("TWIN"), f"twin-{uuid.uuid4()}"
    body = petition_body(marker, seq=7003)
    answers: list[tuple[int, dict, bytes]] = []
    lock = threading.Lock()
    barrier = threading.Barrier(8)

    def twin():
        barrier.wait()
        answer = request(live.port, "POST", PATH, body=body, headers=live.headers(CLERK, key))
        with lock:
            answers.append(answer)

    threads = [threading.Thread(target=twin) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = sorted(status for status, _, _ in answers)
    # 201 for all; a 409 "in progress" would also be a correct answer to a twin.
    assert set(statuses) <= {201, 409}, [(s, d[:200]) for s, _, d in answers]
    codes = {json.loads(d)["tracking_code"] for s, _, d in answers if s == 201}
    assert len(codes) == 1
    assert sum(1 for s, h, _ in answers if s == 201 and "idempotent-replayed" not in h) == 1
    found = stored(live.db, marker, key, 1)
    assert_whole(found, submitters=1, what="eight twins")
    assert found.petitions[0][1] in codes


def test_the_same_key_with_a_different_body_is_422_and_changes_nothing(live: Live):
    marker, key = _marker("REUSE"), f"reuse-{uuid.uuid4()}"
    first = request(
        live.port,
        "POST",
        PATH,
        body=petition_body(marker, seq=7004),
        headers=live.headers(CLERK, key),
    )
    assert first[0] == 201
    other = _marker("OTHER")
    status, headers, data = request(
        live.port,
        "POST",
        PATH,
        body=petition_body(other, seq=7005),
        headers=live.headers(CLERK, key),
    )
    assert status == 422, data
    assert headers["content-type"] == "application/problem+json"
    problem = json.loads(data)
    assert problem["status"] == 422
    assert "Idempotency-Key" in [e["field"] for e in problem["errors"]]
    assert stored(live.db, other, key, 1).petitions == []
    assert_whole(stored(live.db, marker, key, 1), submitters=1, what="first body")
    # The first body again still replays the first answer, byte for byte.
    again = request(
        live.port,
        "POST",
        PATH,
        body=petition_body(marker, seq=7004),
        headers=live.headers(CLERK, key),
    )
    assert again[0] == 201 and again[2] == first[2]
    # A key belongs to its user: the leader's same key is a new request (its own petition).
    leader = request(
        live.port,
        "POST",
        PATH,
        body=petition_body(other, seq=7005),
        headers=live.headers(LEADER, key),
    )
    assert leader[0] == 201 and "idempotent-replayed" not in leader[1]
