"""The HTTP benchmark measures each endpoint in slices (bench/http.py): one figure from them."""

from bench.http import combine


def _slice(requests, seconds, p95, app_ms, non_2xx=0):
    return {
        "requests": requests,
        "non_2xx": non_2xx,
        "errors": 0,
        "duration_s": seconds,
        "rps": (requests - non_2xx) / seconds,
        "p50_ms": p95 / 2,
        "p95_ms": p95,
        "p99_ms": p95 * 1.5,
        "max_ms": p95 * 3,
        "app_cpu_ms": app_ms,
        "db_cpu_ms": 1.0,
        "client_cpu_ms": 0.1,
        "foreign_cpu_share": 0.02,
        "load_before": 0.5,
        "load_after": 1.5,
        "client": "wrk",
    }


def test_slices_combine_into_requests_over_all_their_time_and_the_worst_latency():
    figure = combine([_slice(2000, 5.0, 12.0, 3.0), _slice(1000, 5.0, 20.0, 4.0, non_2xx=10)])
    assert figure["rps"] == (3000 - 10) / 10.0  # 2xx answers over the time of both slices
    assert figure["p95_ms"] == 20.0 and figure["p99_ms"] == 30.0  # the worst slice's
    assert abs(figure["app_cpu_ms"] - (2000 * 3.0 + 1000 * 4.0) / 3000) < 1e-9  # per request
    assert figure["slices_rps"] == [400.0, 198.0]
    assert (figure["load_before"], figure["load_after"]) == (0.5, 1.5)


def test_the_tables_say_how_fast_the_host_ran_python_when_each_stage_started():
    from bench.__main__ import conditions, pace

    assert 0 < pace() < 60
    stages = {
        "generate": {"load_before": 0.2, "pace_s": None},
        "similarity": {"load_before": 0.9, "pace_s": 1.712},
        "http": {"load_before": 1.0, "pace_s": 0.184},
    }
    text = conditions({"http": {"bare_list": {"client": "wrk"}}, "stages": stages})
    assert "(a 10-million-step Python loop; " in text
    assert text.count("similarity 1.71 s, http 0.18 s.") == 1
    # Results written before the pace was measured read as they did.
    old = {name: {"load_before": v["load_before"]} for name, v in stages.items()}
    assert "Python loop" not in conditions(
        {"http": {"bare_list": {"client": "wrk"}}, "stages": old}
    )
