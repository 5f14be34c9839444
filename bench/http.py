"""HTTP figures: gunicorn (2 sync workers, production settings) driven by wrk from another process.

Endpoints, all served by the same gunicorn (`bench.settings`, `bench/urls.py`):
- bare insert (baseline): a Django view inserting one row;
- bare list (baseline): a django-ninja list of 20 rows;
- intake: `petitions.services.petition_receive` behind a bench-only ninja endpoint (the JSON
  API had no `POST /api/v1/petitions` when this was written), 500 distinct realistic bodies;
- worklist: one page (count + 20 rows, policy applied) for the benchmark's staff users.
Then the resident memory of each worker (VmRSS, and its peak VmHWM) after all the load, and a


The load is bounded in time (`--duration` seconds per endpoint) and goes to 127.0.0.1 only.
wrk (Debian package `wrk`) is used when installed; otherwise a small threaded Python client
with the same bounds (it takes CPU from the server, so its figures are lower).

Run inside the benchmark environment: `python -m bench.http --out FILE`.
"""

import argparse
import datetime as dt
import http.client
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

CONNECTIONS = 4  # twice the workers: the queue stays full, latency includes the wait
WARMUP_SECONDS = 5  # each endpoint's whole request list, before any is measured
SLICES = 3  # each endpoint measured in this many slices, the endpoints alternating
ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn with 2 sync workers on a free loopback port."""

    def __init__(self, extra_env: dict | None = None):
        self.port = free_port()
        env = {**os.environ, **(extra_env or {})}
        log_dir = ROOT / "var" / "bench"
        log_dir.mkdir(parents=True, exist_ok=True)
        self.log = open(log_dir / "gunicorn.log", "a", encoding="utf-8")  # noqa: SIM115
        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        self.process = subprocess.Popen(
            [
                gunicorn,
                "townhall.wsgi",
                "--workers",
                "2",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--log-level",
                "warning",
                "--timeout",
                "60",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.base = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(self.base + "/bench/api/list", timeout=5) as r:  # noqa: S310
                    if r.status == 200:
                        break
            except OSError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not start")
            time.sleep(0.3)

    def workers(self) -> list[int]:
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(p) for p in path.read_text().split()]

    def memory(self) -> dict:
        """VmRSS and VmHWM (peak) of each worker, in MB."""
        out = []
        for pid in self.workers():
            status = Path(f"/proc/{pid}/status").read_text().splitlines()
            values = {
                line.split(":")[0]: int(line.split()[1]) / 1024
                for line in status
                if line.startswith(("VmRSS", "VmHWM"))
            }
            out.append({"pid": pid, "rss_mb": values["VmRSS"], "peak_mb": values["VmHWM"]})
        return {
            "workers": out,
            "rss_mb": max(w["rss_mb"] for w in out),
            "peak_mb": max(w["peak_mb"] for w in out),
        }

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


# --- load generators ------------------------------------------------------------------------
LUA = r"""
local requests = {REQUESTS}
local i = 0
request = function()
  i = i + 1
  local r = requests[(i % #requests) + 1]
  local headers = {}
  if r[3] ~= "" then headers["Authorization"] = "Bearer " .. r[3] end
  if r[2] ~= "" then
    headers["Content-Type"] = "application/json"
    return wrk.format("POST", r[1], headers, r[2])
  end
  return wrk.format("GET", r[1], headers)
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_s": %.3f, "errors": %d, "non_2xx": %d, ' ..
    '"p50_ms": %.3f, "p95_ms": %.3f, "p99_ms": %.3f, "max_ms": %.3f}\n',
    summary.requests, summary.duration / 1e6, e.connect + e.read + e.write + e.timeout,
    e.status, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000))
end
"""


def _lua_string(value: str) -> str:
    level = "=" * 3
    while f"]{level}]" in value:
        level += "="
    return f"[{level}[{value}]{level}]"


Request = tuple[str, str, str]  # path, JSON body ("" for a GET), bearer token ("" for none)


def run_wrk(base: str, requests: list[Request], duration: float) -> dict:
    table = (
        "{"
        + ",\n".join("{" + ", ".join(_lua_string(v) for v in request) + "}" for request in requests)
        + "}"
    )
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False, encoding="utf-8") as fh:
        fh.write(LUA.replace("{REQUESTS}", table))
        script = fh.name
    try:
        out = subprocess.run(
            [
                "wrk",
                "--threads",
                "1",
                "--connections",
                str(CONNECTIONS),
                "--duration",
                f"{duration:.0f}s",
                "--timeout",
                "30s",
                "--script",
                script,
                base + requests[0][0],
            ],
            capture_output=True,
            text=True,
            timeout=duration + 60,
            check=True,
        ).stdout
    finally:
        os.unlink(script)
    result = json.loads(out.strip().splitlines()[-1])
    ok = result["requests"] - result["non_2xx"]
    result["rps"] = ok / result["duration_s"]
    result["client"] = "wrk"
    return result


def run_python(base: str, requests: list[Request], duration: float) -> dict:
    """The fallback: CONNECTIONS threads, bounded by time and by a request count."""
    host, port = base.removeprefix("http://").split(":")
    deadline = time.monotonic() + duration
    latencies: list[float] = []
    counts = {"errors": 0, "non_2xx": 0}
    lock = threading.Lock()
    cap = int(duration * 5000)

    def worker(offset: int) -> None:
        i = offset
        while time.monotonic() < deadline and len(latencies) < cap:
            path, body, token = requests[i % len(requests)]
            i += CONNECTIONS
            conn = http.client.HTTPConnection(host, int(port), timeout=10)
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            start = time.perf_counter()
            try:
                if body:
                    headers["Content-Type"] = "application/json"
                    conn.request("POST", path, body.encode(), headers)
                else:
                    conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                elapsed = (time.perf_counter() - start) * 1000
                with lock:
                    latencies.append(elapsed)
                    if response.status >= 300:
                        counts["non_2xx"] += 1
            except OSError:
                with lock:
                    counts["errors"] += 1
            finally:
                conn.close()

    start = time.monotonic()
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(CONNECTIONS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - start
    ordered = sorted(latencies) or [0.0]

    def pct(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))]

    return {
        "requests": len(latencies),
        "duration_s": elapsed,
        "rps": (len(latencies) - counts["non_2xx"]) / elapsed,
        "p50_ms": pct(50),
        "p95_ms": pct(95),
        "p99_ms": pct(99),
        "max_ms": ordered[-1],
        "client": "python",
        **counts,
    }


def _busy_jiffies() -> int:
    """CPU time used by everything on the machine (user, nice, system, irq, softirq, steal)."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(v) for v in fields[:8])
    return user + nice + system + irq + softirq + steal


def _process_jiffies(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total


def _database_pids() -> list[int]:
    from django.db import connection

    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
        pids = [row[0] for row in cursor.fetchall()]
    connection.close()
    return pids


def load(server: "Server", requests: list[Request], duration: float) -> dict:
    """One bounded run, with the share of the CPU that other processes took meanwhile.

    Ours: the gunicorn master and workers, the load generator, and (PostgreSQL) the server
    processes connected to the benchmark database. Everything else is someone else's.
    """
    hz = os.sysconf("SC_CLK_TCK")
    own = [server.process.pid, *server.workers()]
    database = {pid: _process_jiffies([pid]) for pid in _database_pids()}
    wall, busy, mine = time.monotonic(), _busy_jiffies(), _process_jiffies(own)
    children = os.times()
    load_before = os.getloadavg()[0]
    if shutil.which("wrk"):
        result = run_wrk(server.base, requests, duration)
    else:
        result = run_python(server.base, requests, duration)
    children_after = os.times()
    wall = time.monotonic() - wall
    busy = _busy_jiffies() - busy
    mine = _process_jiffies(own) - mine
    client = (
        children_after.children_user
        + children_after.children_system
        - children.children_user
        - children.children_system
    ) * hz
    db = sum(_process_jiffies([pid]) - database.get(pid, 0) for pid in _database_pids())
    foreign = max(0.0, busy - mine - client - db)
    result["foreign_cpu_share"] = foreign / (wall * hz * (os.cpu_count() or 1))
    # Where each request's CPU went: the app (gunicorn), the database's server processes, the
    # load generator. What to make faster is read here, not guessed.
    done = max(1, result.get("requests", 0))
    for part, jiffies in (("app", mine), ("db", db), ("client", client)):
        result[f"{part}_cpu_ms"] = jiffies / hz * 1000 / done
    result["load_before"] = load_before
    result["load_after"] = os.getloadavg()[0]
    return result


# --- what is sent ---------------------------------------------------------------------------
def json_api() -> bool:
    """Whether the JSON API has `POST /api/v1/petitions` and bearer tokens (else bench views)."""
    from django.urls import Resolver404, resolve

    try:
        import townhall.api.auth  # noqa: F401

        resolve("/api/v1/petitions")
        resolve("/api/v1/cases")
    except (ImportError, Resolver404):
        return False
    return True


def token_for(username: str) -> str:
    from townhall.accounts.models import User
    from townhall.api.auth import token_create

    _, token = token_create(user=User.objects.get(username=username), name="bench")
    return token


def intake_bodies(api: bool, count: int = 500, seed: int = 11) -> list[str]:
    """Distinct, realistic petitions in two-level communes, received a minute ago."""
    from django.utils import timezone

    from townhall.accounts.models import User
    from townhall.petitions.models import Topic
    from townhall.units.models import Agency

    from .generate import CLERK
    from .texts import TOPIC_WEIGHTS, compose, person_name

    rng = random.Random(seed)
    clerk = User.objects.get(username=CLERK)
    agencies = list(
        Agency.objects.filter(
            kind="peoples_committee", unit__era="two_level", unit__level="commune"
        ).values_list("id", "unit_id", "unit__code", "unit__name")
    )
    topics = dict(Topic.objects.values_list("code", "id"))
    received = timezone.localtime(timezone.now() - dt.timedelta(minutes=1)).isoformat()
    bodies = []
    for _ in range(count):
        agency_id, unit_id, unit_code, unit_name = rng.choice(agencies)
        topic = rng.choice(list(TOPIC_WEIGHTS))
        name = person_name(rng)
        person = {
            "name": name,
            "phone": f"09{rng.randint(10_000_000, 99_999_999)}",
            "id_number": f"0{rng.randint(10_000_000_000, 99_999_999_999)}",
            "address": f"thôn {rng.randint(1, 12)}, {unit_name}",
        }
        common = {
            "kind": rng.choice(["recommendation", "reflection", "complaint"]),
            "channel": "portal",
            "text": compose(rng, topic, unit_name, name=name),
            "submitters": [person],
        }
        if api:
            body = {
                **common,
                "unit": unit_code,
                "unit_era": "two_level",
                "received_at": received,
                "topic": topic,
                "receiving_agency": agency_id,
            }
        else:
            body = {
                **common,
                "actor": clerk.pk,
                "unit": unit_id,
                "topic": topics[topic],
                "agency": agency_id,
            }
        bodies.append(json.dumps(body, ensure_ascii=False))
    return bodies


def worklist_requests(api: bool) -> list[Request]:
    from .worklist import USERS

    out = []
    for user, (_, names) in USERS.items():
        token = token_for(user) if api else ""
        for name in names:
            if api:
                out.append((f"/api/v1/cases?worklist={name}", "", token))
            else:
                out.append((f"/bench/api/worklist?user={user}&name={name}", "", ""))
    return out


def measure(duration: float) -> dict:
    import django
    from django.db import connections

    django.setup()
    from . import baseline

    baseline.seed_rows()
    api = json_api()
    if api:
        from .generate import ADMIN

        # The administrator registers petitions for any commune (a clerk only for their own).
        token = token_for(ADMIN)
        intake = [("/api/v1/petitions", b, token) for b in intake_bodies(api)]
    else:
        intake = [("/bench/api/intake", b, "") for b in intake_bodies(api)]
    scenarios = {
        "bare_insert": [("/bench/insert", "{}", "")],
        "bare_list": [("/bench/api/list", "", "")],
        "intake": intake,
        "worklist": worklist_requests(api),
    }
    connections.close_all()
    results: dict = {"endpoints": "json_api" if api else "bench_views", "slices": SLICES}
    last_case = _last_case_id()
    server = Server()
    try:
        # Each endpoint's whole request list first: every worker's caches of the units,
        # agencies and texts these requests name, and its connection, warmed alike.
        for requests in scenarios.values():
            load(server, requests, WARMUP_SECONDS)
        # Then each endpoint in slices, the endpoints alternating (ABBA), so that an app
        # endpoint and its baseline are measured over the same minutes of this host.
        parts: dict[str, list[dict]] = {name: [] for name in scenarios}
        for i in range(SLICES):
            order = list(scenarios) if i % 2 == 0 else list(reversed(scenarios))
            for name in order:
                parts[name].append(load(server, scenarios[name], duration / SLICES))
        for name in scenarios:
            results[name] = combine(parts[name])
            print(
                f"http {name}: {results[name]['rps']:.0f} req/s, "
                f"p95 {results[name]['p95_ms']:.1f} ms, other processes took "
                f"{results[name]['foreign_cpu_share']:.0%} of the CPU; CPU per request: "
                f"app {results[name]['app_cpu_ms']:.2f} ms, database "
                f"{results[name]['db_cpu_ms']:.2f} ms, load generator "
                f"{results[name]['client_cpu_ms']:.2f} ms",
                file=sys.stderr,
            )
        results["memory"] = server.memory()
    finally:
        server.stop()
        results["load_rows_removed"] = remove_cases_above(last_case)
    return results


def _last_case_id() -> int:
    from townhall.petitions.models import Case

    return Case.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def remove_cases_above(last: int) -> dict:
    """Remove the cases the load created (ids above `last`) with every row that names them or
    their petitions, so that a `--reuse` run measures the database as generated: an intake
    adds an open case and its 42 band rows, and the thousands a run adds would make the next
    run's band index several times larger than its size says.

    One transaction; a row of a table that names those rows and is not removed here makes it
    fail and keeps everything (printed, not raised: the figures are measured already)."""
    from django.db import DatabaseError, connection, transaction

    from townhall.petitions.models import Case, Petition

    from .similarity import vacuum

    quote = connection.ops.quote_name
    petition_table = quote(Petition._meta.db_table)
    of_new_cases = f"SELECT id FROM {petition_table} WHERE case_id > %s"  # noqa: S608  # nosec B608
    # (model, column, condition on the column): names from the models only
    deletes = [
        (relation.related_model, relation.field.column, condition)
        for model, condition in ((Petition, f"IN ({of_new_cases})"), (Case, "> %s"))
        for relation in model._meta.get_fields(include_hidden=True)  # hidden: the band rows'
        if relation.auto_created
        and not relation.concrete
        and (relation.one_to_many or relation.one_to_one)
        and relation.related_model not in (Case, Petition)
    ]
    deletes += [(Petition, "case_id", "> %s"), (Case, "id", "> %s")]
    statements = [
        (
            model._meta.label,
            f"DELETE FROM {quote(model._meta.db_table)} WHERE {quote(column)} {condition}",  # noqa: S608  # nosec B608
        )
        for model, column, condition in deletes
    ]
    removed: dict = {}
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            for label, sql in statements:
                cursor.execute(sql, [last])
                removed[label] = removed.get(label, 0) + max(cursor.rowcount, 0)
    except DatabaseError as error:
        print(f"http: the load's cases were left in place ({error})", file=sys.stderr)
        return {}
    if not connection.in_atomic_block:  # a test's transaction: VACUUM cannot run in one
        vacuum()
    print(f"http: removed the load's rows {removed}", file=sys.stderr)
    return removed


def combine(parts: list[dict]) -> dict:
    """One endpoint's slices as one figure: requests over the time of all slices, CPU per
    request over all requests, and for latency the worst slice's percentiles (slices'
    percentiles cannot be merged exactly; the worst is the figure to meet a target with)."""
    done = sum(p["requests"] - p["non_2xx"] for p in parts)
    seconds = sum(p["duration_s"] for p in parts)
    weights = [max(1, p["requests"]) for p in parts]
    out = {
        "requests": sum(p["requests"] for p in parts),
        "duration_s": seconds,
        "errors": sum(p["errors"] for p in parts),
        "non_2xx": sum(p["non_2xx"] for p in parts),
        "rps": done / seconds,
        "slices_rps": [round(p["rps"], 1) for p in parts],
        "client": parts[0].get("client"),
        "load_before": parts[0]["load_before"],
        "load_after": parts[-1]["load_after"],
        "foreign_cpu_share": sum(p["foreign_cpu_share"] * p["duration_s"] for p in parts) / seconds,
    }
    for key in ("p50_ms", "p95_ms", "p99_ms", "max_ms"):
        out[key] = max(p[key] for p in parts)
    for key in ("app_cpu_ms", "db_cpu_ms", "client_cpu_ms"):
        out[key] = sum(p[key] * w for p, w in zip(parts, weights, strict=True)) / sum(weights)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=15)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    result = measure(args.duration)
    with open(args.out, "w", encoding="utf-8") as fh:
        json.dump(result, fh, indent=1)


if __name__ == "__main__":
    main()
