"""`python -m bench`: build a fresh database per engine and size, measure, print the tables.

    python -m bench [--sizes 100000,1000000] [--databases sqlite,postgres] [--quick]

For each database and size: a fresh database (SQLite file under var/bench/, PostgreSQL database
`townhall_bench` created from template0 in UTF-8 and dropped afterwards), `migrate` and
`units_load`, the synthetic data (bench/generate.py), then the similar-case lookup
(bench/similarity.py), the staff worklists (bench/worklist.py) and the HTTP figures with their
baselines (bench/http.py), each stage in its own process with the production settings (DEBUG
off). Results go to var/bench/results-<database>-<size>.json and docs/benchmarks.md.
"""

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var" / "bench"
DOC = ROOT / "docs" / "benchmarks.md"
PG_SERVER = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")
PG_NAME = "townhall_bench"


QUIET_LOAD = float(os.environ.get("BENCH_QUIET_LOAD", "1.0"))
QUIET_WAIT = float(os.environ.get("BENCH_QUIET_WAIT", "600"))


def wait_for_quiet() -> float:
    """Wait (at most QUIET_WAIT s) until the 1-minute load average is below QUIET_LOAD.

    Other processes on a 2-core machine (a test suite, a build) change every figure; the load
    average seen when a measurement starts and ends is recorded beside it.
    """
    deadline = time.monotonic() + QUIET_WAIT
    said = False
    while os.getloadavg()[0] >= QUIET_LOAD and time.monotonic() < deadline:
        if not said:
            print(
                f"   waiting for a quiet machine (load {os.getloadavg()[0]:.1f}, "
                f"want < {QUIET_LOAD})",
                file=sys.stderr,
                flush=True,
            )
            said = True
        time.sleep(5)
    return os.getloadavg()[0]


PACE_STEPS = 2_000_000


def pace() -> float:
    """Seconds a pure-Python loop of 10 million additions takes now (timed on 2 million).

    How fast this host runs Python when a stage starts. A shared host's pace has varied
    ninefold between runs here (0.18 s and 1.77 s on 29/11/2026): a ratio to a baseline of
    the same run survives that, an absolute figure (requests/s, milliseconds) does not."""
    start = time.perf_counter()
    total = 0
    for i in range(PACE_STEPS):
        total += i
    return (time.perf_counter() - start) * 10_000_000 / PACE_STEPS


def _run(args: list[str], env: dict, label: str, *, measure: bool = False) -> dict:
    before = wait_for_quiet() if measure else os.getloadavg()[0]
    paced = pace() if measure else None
    start = time.perf_counter()
    print(f"-- {label}", file=sys.stderr, flush=True)
    subprocess.run(args, env=env, cwd=ROOT, check=True)
    seconds = time.perf_counter() - start
    after = os.getloadavg()[0]
    print(
        f"   {label}: {seconds:.0f} s (load average {before:.1f} before, {after:.1f} after)",
        file=sys.stderr,
        flush=True,
    )
    return {"seconds": seconds, "load_before": before, "load_after": after, "pace_s": paced}


def _psql(sql: str) -> None:
    subprocess.run(
        ["psql", f"{PG_SERVER}/postgres", "-v", "ON_ERROR_STOP=1", "-qc", sql],
        check=True,
        cwd=ROOT,
    )


def pg_name(size: int) -> str:
    return f"{PG_NAME}_{size}"


def database_url(engine: str, size: int) -> str:
    if engine == "sqlite":
        return f"sqlite:///{VAR / f'bench-{size}.sqlite3'}"
    return f"{PG_SERVER}/{pg_name(size)}"


def fresh_database(engine: str, size: int) -> str:
    if engine == "sqlite":
        VAR.mkdir(parents=True, exist_ok=True)
        path = VAR / f"bench-{size}.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}"
    _psql(f"DROP DATABASE IF EXISTS {pg_name(size)} WITH (FORCE)")
    _psql(
        f"CREATE DATABASE {pg_name(size)} TEMPLATE template0 ENCODING 'UTF8' "
        "LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'"
    )
    return database_url(engine, size)


def drop_database(engine: str, size: int) -> None:
    if engine == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{VAR / f'bench-{size}.sqlite3'}{suffix}").unlink(missing_ok=True)
    else:
        _psql(f"DROP DATABASE IF EXISTS {pg_name(size)} WITH (FORCE)")


def environment(database_url: str) -> dict:
    """Production-like settings: DEBUG off, real secrets, no HTTPS redirect on loopback."""
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DEBUG": "false",
        "SECRET_KEY": Fernet.generate_key().decode() + Fernet.generate_key().decode(),
        "FIELD_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_COOKIES": "false",
        "LOG_LEVEL": "ERROR",
        "PYTHONWARNINGS": "ignore::UserWarning",
    }


def run_one(engine: str, size: int, args: argparse.Namespace) -> dict:
    py = sys.executable
    started = dt.datetime.now(dt.UTC)
    tag = f"{engine}-{size}"
    out = {name: VAR / f"{tag}-{name}.json" for name in ("generate", "sim", "work", "http")}
    keys = VAR / f"{tag}-keys.json"
    stages = {}
    reuse = args.reuse and out["generate"].exists() and keys.exists()
    if reuse:
        # The database a --keep run left, with the keys its rows were encrypted under.
        env = {**environment(database_url(engine, size)), **json.loads(keys.read_text())}
        print(f"-- reusing the {engine} database of {size:,} cases", file=sys.stderr)
    else:
        env = environment(fresh_database(engine, size))
        keys.write_text(
            json.dumps({k: env[k] for k in ("SECRET_KEY", "FIELD_ENCRYPTION_KEY")}),
            encoding="utf-8",
        )
    try:
        _run(
            [py, "-m", "django", "migrate", "--run-syncdb", "--no-input", "-v", "0"], env, "migrate"
        )
        if reuse:
            stages["generate"] = json.loads(out["generate"].read_text()).get("stage", {})
        else:
            _run([py, "-m", "django", "units_load", "-v", "0"], env, "units_load")
            stages["generate"] = _run(
                [
                    py,
                    "-m",
                    "bench.generate",
                    "--cases",
                    str(size),
                    "--out",
                    str(out["generate"]),
                    "--max-minutes",
                    str(args.max_generate_minutes),
                ],
                env,
                f"generate {size:,} cases",
            )
            summary = json.loads(out["generate"].read_text())
            out["generate"].write_text(json.dumps({**summary, "stage": stages["generate"]}))
        if args.generate_only:
            return {}
        stages["similarity"] = _run(
            [py, "-m", "bench.similarity", "--sample", str(args.sample), "--out", str(out["sim"])],
            env,
            "similar-case lookup",
            measure=True,
        )
        stages["worklist"] = _run(
            [py, "-m", "bench.worklist", "--repeat", str(args.repeat), "--out", str(out["work"])],
            env,
            "worklists",
            measure=True,
        )
        stages["http"] = _run(
            [py, "-m", "bench.http", "--duration", str(args.duration), "--out", str(out["http"])],
            env,
            "HTTP",
            measure=True,
        )
    finally:
        if not args.keep:
            drop_database(engine, size)
    result = {
        "engine": engine,
        "size": size,
        "started": started.isoformat(timespec="seconds"),
        "machine": machine(),
        "stages": stages,
        "generate": json.loads(out["generate"].read_text()),
        "similarity": json.loads(out["sim"].read_text()),
        "worklist": json.loads(out["work"].read_text()),
        "http": json.loads(out["http"].read_text()),
    }
    (VAR / f"results-{tag}.json").write_text(json.dumps(result, ensure_ascii=False, indent=1))
    return result


def machine() -> dict:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{kb / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    pg = ""
    with contextlib.suppress(OSError, subprocess.CalledProcessError):
        pg = subprocess.run(
            ["psql", f"{PG_SERVER}/postgres", "-tAc", "SHOW server_version"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    import sqlite3

    return {
        "cores": os.cpu_count(),
        "cpu": cpu,
        "memory": memory,
        "python": platform.python_version(),
        "postgresql": pg,
        "sqlite": sqlite3.sqlite_version,
    }


# --- the table ------------------------------------------------------------------------------
def _ms(*values: float) -> str:
    return " / ".join(f"{v:.1f}" for v in values)


def rows(r: dict) -> list[tuple[str, str, str, str, str, str]]:
    """(measure, value, baseline, ratio, target, met?) for one database and size."""
    h, s, w = r["http"], r["similarity"], r["worklist"]
    pg = r["engine"] == "postgres"
    ins, lst, intake, work = h["bare_insert"], h["bare_list"], h["intake"], h["worklist"]
    yes = {True: "yes", False: "**no**"}

    def ratio(a: float, b: float) -> float:
        return a / b if b else 0.0

    out = []
    r_intake = ratio(intake["rps"], ins["rps"])
    intake_ok = r_intake >= 0.25 and (intake["rps"] >= 300 or not pg)
    errors = intake["non_2xx"] + intake.get("errors", 0)
    out.append(
        (
            "intake over HTTP, requests/s" + (f" ({errors} failed)" if errors else ""),
            f"{intake['rps']:.0f}",
            f"{ins['rps']:.0f} (bare insert)",
            f"{r_intake:.2f}",
            "≥ 300/s and ≥ 0.25×" if pg else "≥ 0.25×",
            yes[intake_ok and not errors],
        )
    )
    out.append(
        (
            "intake p50 / p95 / p99, ms",
            _ms(intake["p50_ms"], intake["p95_ms"], intake["p99_ms"]),
            _ms(ins["p50_ms"], ins["p95_ms"], ins["p99_ms"]),
            f"{ratio(intake['p95_ms'], ins['p95_ms']):.1f} (p95)",
            "p95 ≤ 50",
            yes[intake["p95_ms"] <= 50],
        )
    )
    r_work = ratio(work["rps"], lst["rps"])
    werr = work["non_2xx"] + work.get("errors", 0)
    out.append(
        (
            "staff worklist page over HTTP, requests/s" + (f" ({werr} failed)" if werr else ""),
            f"{work['rps']:.1f}",
            f"{lst['rps']:.0f} (bare list)",
            f"{r_work:.3f}",
            "≥ 0.5×",
            yes[r_work >= 0.5 and not werr],
        )
    )
    out.append(
        (
            "staff worklist page over HTTP p50 / p95, ms",
            _ms(work["p50_ms"], work["p95_ms"]),
            _ms(lst["p50_ms"], lst["p95_ms"]),
            f"{ratio(work['p95_ms'], lst['p95_ms']):.0f} (p95)",
            "p95 ≤ 50",
            yes[work["p95_ms"] <= 50],
        )
    )
    out.append(
        (
            "staff worklist page in-process (count + 20 rows) p50 / p95, ms",
            _ms(w["p50_ms"], w["p95_ms"]),
            "",
            "",
            "p95 ≤ 50",
            yes[w["p95_ms"] <= 50],
        )
    )
    out.append(
        (
            "  'flagged' worklist in-process p95, ms",
            f"{w['flagged_p95_ms']:.0f}",
            "",
            "",
            "p95 ≤ 50",
            yes[w["flagged_p95_ms"] <= 50],
        )
    )
    out.append(
        (
            "similar-case lookup p50 / p99, ms (VLSP 2013 queries)",
            _ms(s["p50_ms"], s["p99_ms"]),
            "",
            "",
            "p99 ≤ 5",
            yes[s["p99_ms"] <= 5],
        )
    )
    out.append(
        (
            "  same, synthetic petition queries p50 / p99, ms",
            _ms(s["synthetic_p50_ms"], s["synthetic_p99_ms"]),
            "",
            "",
            "p99 ≤ 5",
            yes[s["synthetic_p99_ms"] <= 5],
        )
    )
    out.append(
        (
            f"similar-case recall vs exact Jaccard ≥ 0.5 ({s['true_pairs']} true pairs)",
            f"{s['recall']:.3f}",
            "",
            "",
            "≥ 0.95",
            yes[s["recall"] >= 0.95],
        )
    )
    out.append(
        (
            f"similar-case precision ({s['returned_pairs']} returned)",
            f"{s['precision']:.3f}",
            "",
            "",
            "≥ 0.90",
            yes[s["precision"] >= 0.90],
        )
    )
    out.append(
        (
            f"original found, accent-less / NFD / upper-case variants ({s['exact_variants']})",
            f"{s['exact_variant_recall']:.2f}",
            "",
            "",
            "1.00",
            yes[s["exact_variant_recall"] >= 1.0],
        )
    )
    mem = h["memory"]
    out.append(
        (
            "app worker resident memory after the load (peak), MB",
            f"{mem['rss_mb']:.0f} ({mem['peak_mb']:.0f})",
            "",
            "",
            "≤ 250",
            yes[mem["rss_mb"] <= 250 and mem["peak_mb"] <= 250],
        )
    )
    return out


def table(r: dict) -> str:
    header = ("measure", "value", "baseline", "ratio", "target", "met?")
    lines = [
        "| " + " | ".join(header) + " |",
        "|" + "|".join("---" for _ in header) + "|",
    ]
    lines += ["| " + " | ".join(row) + " |" for row in rows(r)]
    return "\n".join(lines)


def title(r: dict) -> str:
    engine = "PostgreSQL" if r["engine"] == "postgres" else "SQLite"
    return f"{engine}, {r['size']:,} cases"


def generation_line(r: dict) -> str:
    g = r["generate"]
    rows_ = ", ".join(f"{k} {v:,}" for k, v in g["rows"].items())
    return (
        f"Generated {g['rows_total']:,} rows ({rows_}) in {g['load_seconds']:.0f} s "
        f"({g['rows_per_second']:,.0f} rows/s), then {g['finish_seconds']:.0f} s for indexes "
        f"and ANALYZE."
    )


def conditions(r: dict) -> str:
    """How quiet the machine was: other processes' CPU share during each HTTP run, load."""
    h, st = r["http"], r.get("stages", {})
    shares = ", ".join(
        f"{name} {h[name]['foreign_cpu_share']:.0%}"
        for name in ("bare_insert", "bare_list", "intake", "worklist")
        if name in h and h[name].get("foreign_cpu_share") is not None
    )
    measuring = {n: v for n, v in st.items() if n in ("similarity", "worklist", "http")}
    loads = ", ".join(f"{name} {v['load_before']:.1f}" for name, v in measuring.items())
    paces = ", ".join(
        f"{name} {v['pace_s']:.2f} s"
        for name, v in measuring.items()
        if v.get("pace_s") is not None
    )
    paced = (
        f" The host's pace when each measuring stage started (a 10-million-step Python loop; "
        f"0.18 s on the quickest run so far): {paces}."
        if paces
        else ""
    )
    endpoints = (
        "Intake and worklists over the JSON API (`POST /api/v1/petitions`, "
        "`GET /api/v1/cases?worklist=…`, bearer tokens)"
        if h.get("endpoints") == "json_api"
        else "Intake and worklists through bench-only views (the JSON API lacked the endpoints)"
    )
    cpu = "; ".join(
        f"{name.replace('_', ' ')} {h[name]['app_cpu_ms']:.2f} / {h[name]['db_cpu_ms']:.2f} / "
        f"{h[name]['client_cpu_ms']:.2f} ms"
        for name in ("bare_insert", "bare_list", "intake", "worklist")
        if name in h and h[name].get("app_cpu_ms") is not None
    )
    spent = f" CPU per request (app / database / load generator): {cpu}." if cpu else ""
    each = "; ".join(
        f"{name.replace('_', ' ')} " + ", ".join(f"{v:,.0f}" for v in h[name]["slices_rps"])
        for name in ("bare_insert", "intake", "bare_list", "worklist")
        if name in h and h[name].get("slices_rps")
    )
    slices = (
        f" Requests/s of each slice (endpoints alternating, after a 5-second warm-up): {each}."
        if each
        else ""
    )
    return (
        f"{endpoints}. "
        f"Other processes' share of the 2 cores during each HTTP run: {shares}.{spent} "
        f"1-minute load average when each measuring stage started: {loads}.{paced} "
        f"Load generator: {h['bare_list'].get('client', '?')}, {4} connections." + slices
    )


def detail(r: dict) -> str:
    w, s = r["worklist"], r["similarity"]
    lines = ["Worklist pages in-process, per user (count + 20 rows):", ""]
    lines += [
        "| user | worklist | cases | p50 ms | p95 ms | samples |",
        "|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {x['user']} | {x['worklist']} | {x['count']:,} | {x['p50_ms']:.1f} | "
        f"{x['p95_ms']:.1f} | {x['n']} |"
        for x in w["rows"]
    ]
    lines += ["", "Similar-case lookup by query variant:", ""]
    lines += ["| variant | recall | precision | true pairs | returned |", "|---|---|---|---|---|"]
    for name, v in s["by_variant"].items():
        rec = "—" if v["recall"] is None else f"{v['recall']:.3f}"
        pre = "—" if v["precision"] is None else f"{v['precision']:.3f}"
        lines.append(f"| {name} | {rec} | {pre} | {v['true']} | {v['returned']} |")
    b = s["buckets"]
    lines += [
        "",
        f"{s['sentences']:,} VLSP 2013 sentences → {s['documents']:,} documents, "
        f"{s['planted']:,} planted cases, {s['queries']:,} queries from {s['originals']} "
        f"originals; truth by brute force over {s['compared_petitions']:,} open petitions. "
        f"Band table: {b['rows']:,} rows, {b['keys']:,} keys, {b['mean_rows_per_key']:.1f} rows "
        f"per key on average, {b['max_rows']:,} in the largest bucket.",
    ]
    return "\n".join(lines)


START, END = "<!-- bench:tables:start -->", "<!-- bench:tables:end -->"


def _kept_sections(old: str, measured: set[str]) -> dict[str, str]:
    """The tables already in the document for databases and sizes not measured in this run
    (a fresh machine has no results of earlier runs): kept as they are, by title."""
    if START not in old or END not in old:
        return {}
    inside = old.split(START, 1)[1].split(END, 1)[0]
    kept = {}
    for section in inside.split("\n### ")[1:]:
        name = section.split(" — ", 1)[0]
        if name not in measured:
            kept[name] = "### " + section.rstrip("\n") + "\n"
    return kept


def _order(name: str) -> tuple[str, int]:
    engine, size = name.split(", ", 1)
    return (
        "postgres" if engine == "PostgreSQL" else "sqlite",
        int(size.split()[0].replace(",", "")),
    )


def write_doc(results: list[dict]) -> None:
    """Rewrite the measured part of docs/benchmarks.md; text outside the markers is kept, and
    so are the tables of databases and sizes this run did not measure."""
    m = results[0]["machine"]
    old = DOC.read_text(encoding="utf-8") if DOC.exists() else ""
    sections = _kept_sections(old, {title(r) for r in results})
    for r in results:
        sections[title(r)] = "\n".join(
            [
                f"### {title(r)} — measured {r['started'][:16].replace('T', ' ')} UTC",
                "",
                table(r),
                "",
                generation_line(r),
                "",
                conditions(r),
                "",
                detail(r),
                "",
            ]
        )
    parts = [
        START,
        "",
        f"Machine: {m['cores']} cores ({m['cpu']}), {m['memory']}, Python {m['python']}, "
        f"PostgreSQL {m['postgresql']} (default configuration), SQLite {m['sqlite']}.",
        "",
    ]
    parts += [sections[name] for name in sorted(sections, key=_order)]
    parts.append(END)
    generated = "\n".join(parts)
    if START in old and END in old:
        head, rest = old.split(START, 1)
        tail = rest.split(END, 1)[1]
        text = head + generated + tail
    else:
        text = (
            "# Benchmarks\n\nMeasured by `make bench` (`python -m bench`; bench/README.md says "
            "what each figure is and how it is measured). Each table comes from one run, its "
            "baselines measured in the same run with the same server.\n\n" + generated + "\n"
        )
    DOC.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000")
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--quick", action="store_true", help="20,000 cases, short runs")
    parser.add_argument("--duration", type=float, default=15, help="seconds of load each")
    parser.add_argument("--sample", type=int, default=300, help="VLSP documents queried")
    parser.add_argument("--repeat", type=int, default=30, help="worklist pages per user/list")
    parser.add_argument("--keep", action="store_true", help="keep the databases afterwards")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="measure on the database a --keep run left, instead of generating it again",
    )
    parser.add_argument(
        "--generate-only", action="store_true", help="generate (and keep) the databases only"
    )
    parser.add_argument(
        "--max-generate-minutes",
        type=float,
        default=25,
        help="give up a size whose generation is projected to take longer (0: no limit)",
    )
    parser.add_argument(
        "--report", action="store_true", help="only rewrite docs/benchmarks.md from var/bench"
    )
    args = parser.parse_args()
    if args.generate_only:
        args.keep = True
    if args.quick:
        args.sizes, args.duration, args.sample, args.repeat = "20000", 5, 60, 10
    VAR.mkdir(parents=True, exist_ok=True)
    if not args.report:
        for engine in [d.strip() for d in args.databases.split(",") if d.strip()]:
            if engine not in ("sqlite", "postgres"):
                raise SystemExit(f"unknown database {engine!r}: sqlite or postgres")
            for size in [int(s) for s in args.sizes.split(",") if s.strip()]:
                try:
                    r = run_one(engine, size, args)
                except subprocess.CalledProcessError as exc:
                    print(f"!! {engine}, {size:,} cases not measured: {exc}", file=sys.stderr)
                    continue
                if not r:
                    continue
                print(
                    f"\n## {title(r)}\n\n{table(r)}\n\n{generation_line(r)}\n\n{conditions(r)}\n",
                    flush=True,
                )
    results = [json.loads(p.read_text()) for p in sorted(VAR.glob("results-*.json"))]
    if results:
        write_doc(results)
        print(f"wrote {DOC.relative_to(ROOT)} ({len(results)} tables)", file=sys.stderr)


if __name__ == "__main__":
    main()
