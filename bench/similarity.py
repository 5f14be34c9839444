"""Similar-case lookup at scale: recall, precision and latency of `selectors.similar_cases`.

The texts are real Vietnamese that no one here wrote: the VLSP 2013 sentences (the POS-tagged
test set) that the `underthesea` package ships, read from the installed package at run time and
never copied into this repository. Consecutive sentences are joined into petition-sized
documents; each is planted in the benchmark database as an open case (band keys in the database,
as the service writes them), and some get near-duplicate copies planted beside them (words
replaced at random rates, so their true similarity spreads across the threshold).

Queries are variants of planted documents that are *not* in the database:
- `no_diacritics`, `nfd`, `upper`: the same text typed without tone and vowel marks (đ as d), in
  Unicode NFD, in capitals. The lookup must find the original every time (1.00).
- `words_k`: k words replaced by words of another document.

Truth is exact: every open case one of whose petitions has a 5-gram shingle Jaccard with the
query of at least `SIMILARITY_THRESHOLD`, found by brute force over every petition of every open
case in the database (synthetic and planted alike).

Run inside a configured Django: `python -m bench.similarity --out FILE`.
"""

import argparse
import datetime as dt
import gc
import importlib.util
import json
import random
import statistics
import sys
import time
import unicodedata
from pathlib import Path

VLSP_FILE = "pipeline/pos_tag/models/pos_crf_vlsp2013_20230303/test_output.txt"
EXACT_VARIANTS = ("no_diacritics", "nfd", "upper")
EDITS = (1, 3, 6, 12)
NO_SPACE_BEFORE = set(",.;:!?)]}%…")
NO_SPACE_AFTER = set("([{")


def vlsp_sentences() -> list[str]:
    """The VLSP 2013 test sentences from the installed underthesea package, detokenised."""
    spec = importlib.util.find_spec("underthesea")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(
            "underthesea is not installed: `make bench` installs it (the `bench` extra)"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / VLSP_FILE
    sentences, tokens = [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            if tokens:
                sentences.append(_detokenise(tokens))
            tokens = []
            continue
        tokens.append(line.split("\t")[0])
    if tokens:
        sentences.append(_detokenise(tokens))
    return sentences


def _detokenise(tokens: list[str]) -> str:
    out = ""
    for token in tokens:
        if not out or token in NO_SPACE_BEFORE or out[-1] in NO_SPACE_AFTER:
            out += token
        else:
            out += " " + token
    return out


def documents(sentences: list[str], min_chars: int = 250, max_chars: int = 700) -> list[str]:
    """Consecutive sentences joined into petition-sized documents (distinct texts only)."""
    from townhall.core import text

    docs, current = [], []
    for sentence in sentences:
        if len(sentence.split()) < 6:
            continue
        current.append(sentence)
        joined = " ".join(current)
        if len(joined) >= min_chars:
            docs.append(joined[:max_chars])
            current = []
    seen, unique = set(), []
    for doc in docs:
        key = text.fold(doc)
        if key not in seen:
            seen.add(key)
            unique.append(doc)
    return unique


def strip_diacritics(value: str) -> str:
    """What a typist without a Vietnamese keyboard writes: no marks, đ as d, case kept."""
    decomposed = unicodedata.normalize("NFD", value)
    bare = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return bare.replace("đ", "d").replace("Đ", "D")


def replace_words(rng: random.Random, value: str, k: int, pool: list[str]) -> str:
    words = value.split()
    for i in rng.sample(range(len(words)), min(k, len(words))):
        words[i] = rng.choice(pool)
    return " ".join(words)


def variants(rng: random.Random, doc: str, pool: list[str]) -> dict[str, str]:
    out = {
        "no_diacritics": strip_diacritics(doc),
        "nfd": unicodedata.normalize("NFD", doc),
        "upper": doc.upper(),
    }
    for k in EDITS:
        out[f"words_{k}"] = replace_words(rng, doc, k, pool)
    return out


# --- planting -------------------------------------------------------------------------------
def plant(docs: list[str], rng: random.Random, copies_share: float = 0.5) -> dict[str, int]:
    """Each document as an open case; for a share of them 1–3 edited copies as other cases.

    Returns {text: case id} of everything planted.
    """
    from django.db import transaction
    from django.db.models import Max
    from django.utils import timezone

    from townhall.core import text
    from townhall.petitions.models import Case, CaseScope, Petition, SimilarityBand, Topic
    from townhall.petitions.scope import with_ancestors
    from townhall.units.models import Agency, Unit

    from .generate import case_reference, tracking_code

    pool = [w for d in docs for w in d.split()]
    texts: list[str] = []
    for doc in docs:
        texts.append(doc)
        if rng.random() < copies_share:
            for _ in range(rng.randint(1, 3)):
                share = rng.uniform(0.05, 0.6)  # of the words replaced
                texts.append(replace_words(rng, doc, max(1, round(share * len(doc.split()))), pool))
    already = _planted_before([text.normalize(t) for t in texts])
    if already:  # a --reuse run: the same seed planted the same texts in this database before
        return already
    agencies = list(
        Agency.objects.filter(
            kind="peoples_committee", unit__era="two_level", unit__level="commune"
        )
        .values_list("id", "unit_id")
        .order_by("id")
    )
    topic = Topic.objects.get(code="other")
    now = timezone.now() - dt.timedelta(hours=2)
    case_id = (Case.objects.aggregate(m=Max("id"))["m"] or 0) + 1
    petition_id = (Petition.objects.aggregate(m=Max("id"))["m"] or 0) + 1
    cases, petitions, bands, planted = [], [], [], {}
    unit_paths = dict(Unit.objects.values_list("id", "path"))
    for content in texts:
        content = text.normalize(content)
        agency_id, unit_id = rng.choice(agencies)
        received_at = now - dt.timedelta(minutes=rng.randint(0, 60 * 24 * 5))
        received_on = timezone.localdate(received_at)
        cases.append(
            Case(
                id=case_id,
                reference=case_reference(case_id, received_on.year),
                kind="reflection",
                status="received",
                unit_id=unit_id,
                topic=topic,
                title=content[:120].strip(),
                receiving_agency_id=agency_id,
                received_at=received_at,
                received_on=received_on,
                acknowledge_due=received_on + dt.timedelta(days=14),
                search_text=text.fold(content)[:20_000],
            )
        )
        sig = text.signature(content)
        petitions.append(
            Petition(
                id=petition_id,
                case_id=case_id,
                tracking_code=tracking_code(petition_id),
                kind="reflection",
                channel="portal",
                received_at=received_at,
                receiving_agency_id=agency_id,
                unit_id=unit_id,
                topic=topic,
                text=content,
                signature=sig,
            )
        )
        bands += [
            SimilarityBand(key=k, petition_id=petition_id, case_id=case_id)
            for k in text.band_keys(sig)
        ]
        planted[content] = case_id
        case_id += 1
        petition_id += 1
    with transaction.atomic():
        Case.objects.bulk_create(cases, batch_size=500)
        CaseScope.objects.bulk_create(
            [
                CaseScope(case_id=c.id, path=path)
                for c in cases
                for path in sorted(with_ancestors([unit_paths[c.unit_id]]))
            ],
            batch_size=5000,
        )
        Petition.objects.bulk_create(petitions, batch_size=500)
        SimilarityBand.objects.bulk_create(bands, batch_size=5000)
    _reset_sequences()
    vacuum()
    return planted


def _planted_before(texts: list[str]) -> dict[str, int]:
    """{text: case id} when an earlier run on this database planted all of `texts` (copies
    planted by runs before planting was idempotent are deleted, keeping the first); else {}."""
    from townhall.petitions.models import Case, Petition

    found: dict[str, int] = {}
    extra: list[int] = []
    rows = Petition.objects.filter(text__in=texts).order_by("case_id")
    for content, case_id in rows.values_list("text", "case_id"):
        if content in found:
            extra.append(case_id)
        else:
            found[content] = case_id
    if len(found) < len(set(texts)):
        return {}
    if extra:  # petitions are protected from a case's deletion: remove them first
        Petition.objects.filter(case_id__in=extra).delete()
        Case.objects.filter(pk__in=extra).delete()
        vacuum()
    return found


def vacuum() -> None:
    """What autovacuum does on a live server within minutes of a bulk insert: the visibility
    map that lets the band look-up stay in the index (an index-only scan), and statistics."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.execute("ANALYZE")
            return
        for table in ("petitions_similarityband", "petitions_case", "petitions_petition"):
            cursor.execute(f"VACUUM ANALYZE {table}")


def _reset_sequences() -> None:
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for table in ("petitions_case", "petitions_petition"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                f"(SELECT max(id) FROM {table}))"
            )


# --- exact truth ----------------------------------------------------------------------------
def exact_truth(queries: list[str], threshold: float) -> tuple[list[dict[int, float]], int]:
    """For each query, {case id: exact Jaccard} of every open case at or above the threshold.

    Brute force over every petition of every open, unmerged case, streamed once: shingle-set
    intersections for all queries at once as a sparse product (scipy, a dependency of
    datasketch), then Jaccard = |q ∩ d| / (|q| + |d| - |q ∩ d|). Exact, no sampling, no index.
    Returns the truth and the number of petitions compared.
    """
    import numpy as np

    from townhall.core import text
    from townhall.petitions.models import OPEN_STATUSES, Petition

    qsets = [text.shingles(q) for q in queries]
    vocabulary: dict[str, int] = {}
    for s in qsets:
        for sh in s:
            vocabulary.setdefault(sh, len(vocabulary))
    qmatrix = _binary_rows([[vocabulary[sh] for sh in s] for s in qsets], len(vocabulary))
    qsizes = np.array([len(s) for s in qsets], dtype=np.float64)
    truth: list[dict[int, float]] = [{} for _ in queries]
    rows = (
        Petition.objects.filter(case__status__in=OPEN_STATUSES, case__merged_into__isnull=True)
        .values_list("case_id", "text")
        .iterator(chunk_size=5000)
    )
    compared = 0
    get = vocabulary.get
    batch: list[tuple[int, set]] = []

    def flush() -> None:
        dmatrix = _binary_rows(
            [[c for c in map(get, d) if c is not None] for _, d in batch], len(vocabulary)
        )
        inter = (dmatrix @ qmatrix.T).tocoo()
        dsizes = np.array([len(d) for _, d in batch], dtype=np.float64)
        scores = inter.data / (dsizes[inter.row] + qsizes[inter.col] - inter.data)
        for r, c, score in zip(inter.row, inter.col, scores, strict=True):
            if score >= threshold:
                case_id = batch[r][0]
                if score > truth[c].get(case_id, 0.0):
                    truth[c][case_id] = float(score)
        batch.clear()

    for case_id, content in rows:
        compared += 1
        batch.append((case_id, text.shingles(content)))
        if len(batch) == 5000:
            flush()
    if batch:
        flush()
    return truth, compared


def _binary_rows(rows: list[list[int]], width: int):
    import numpy as np
    from scipy import sparse

    indptr = np.zeros(len(rows) + 1, dtype=np.int64)
    indptr[1:] = np.cumsum([len(r) for r in rows])
    indices = np.fromiter((c for r in rows for c in r), dtype=np.int32, count=int(indptr[-1]))
    data = np.ones(len(indices), dtype=np.float32)
    return sparse.csr_matrix((data, indices, indptr), shape=(len(rows), width))


# --- the measurement ------------------------------------------------------------------------
def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def measure(sample: int, seed: int = 7, synthetic: int = 200) -> dict:
    from django.db import connection

    from townhall.accounts.models import User
    from townhall.core import text
    from townhall.petitions import selectors

    from .generate import ADMIN
    from .texts import TOPIC_WEIGHTS, compose

    rng = random.Random(seed)
    t0 = time.perf_counter()
    sentences = vlsp_sentences()
    docs = documents(sentences)
    planted = plant(docs, rng)
    print(
        f"similarity: {len(sentences)} VLSP 2013 sentences, {len(docs)} documents, "
        f"{len(planted)} planted cases ({len(planted) - len(docs)} edited copies)",
        file=sys.stderr,
    )
    pool = [w for d in docs for w in d.split()]
    originals = rng.sample(docs, min(sample, len(docs)))
    queries: list[tuple[str, str, str]] = []  # (variant, original, query text)
    for doc in originals:
        queries += [(name, doc, q) for name, q in variants(rng, doc, pool).items()]
    # Exact variants fold to the original's text: one truth computation serves all three.
    distinct = sorted({text.fold(q) for _, _, q in queries})
    truth_list, compared = exact_truth(distinct, text.SIMILARITY_THRESHOLD)
    truth = dict(zip(distinct, truth_list, strict=True))
    truth_seconds = time.perf_counter() - t0
    user = User.objects.get(username=ADMIN)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE petitions_similarityband")
    # What this process built to measure (the corpus, the exact truth) is not the app's: a
    # worker freezes what it loaded at start (townhall/wsgi.py), so its collections do not
    # walk it. Freeze ours too, or a full collection over it lands inside a look-up.
    gc.collect()
    gc.freeze()
    for _, _, q in queries[:20]:  # warm up
        selectors.similar_cases(user, q, limit=20)
    latencies, found_pairs, true_pairs, returned_pairs = [], 0, 0, 0
    by_variant: dict[str, list[int]] = {}
    exact_hits, exact_total = 0, 0
    for name, doc, q in queries:
        start = time.perf_counter()
        result = selectors.similar_cases(user, q, limit=20)
        latencies.append((time.perf_counter() - start) * 1000)
        returned = {s.case.pk for s in result}
        expected = set(truth[text.fold(q)])
        hit = len(returned & expected)
        found_pairs += hit
        true_pairs += len(expected)
        returned_pairs += len(returned)
        stats = by_variant.setdefault(name, [0, 0, 0])
        stats[0] += hit
        stats[1] += len(expected)
        stats[2] += len(returned)
        if name in EXACT_VARIANTS:
            exact_total += 1
            exact_hits += planted[text.normalize(doc)] in returned
    synthetic_latencies = []
    topics = list(TOPIC_WEIGHTS)
    for _ in range(synthetic):
        content = compose(rng, rng.choice(topics), "Xã Phú Thái")
        start = time.perf_counter()
        selectors.similar_cases(user, content, limit=5)
        synthetic_latencies.append((time.perf_counter() - start) * 1000)
    return {
        "sentences": len(sentences),
        "documents": len(docs),
        "planted": len(planted),
        "queries": len(queries),
        "originals": len(originals),
        "compared_petitions": compared,
        "truth_seconds": truth_seconds,
        "recall": found_pairs / true_pairs if true_pairs else 1.0,
        "precision": found_pairs / returned_pairs if returned_pairs else 1.0,
        "true_pairs": true_pairs,
        "returned_pairs": returned_pairs,
        "exact_variant_recall": exact_hits / exact_total if exact_total else 1.0,
        "exact_variants": exact_total,
        "by_variant": {
            name: {
                "recall": s[0] / s[1] if s[1] else None,
                "precision": s[0] / s[2] if s[2] else None,
                "true": s[1],
                "returned": s[2],
            }
            for name, s in by_variant.items()
        },
        "p50_ms": statistics.median(latencies),
        "p99_ms": percentile(latencies, 99),
        "max_ms": max(latencies),
        "synthetic_p50_ms": statistics.median(synthetic_latencies),
        "synthetic_p99_ms": percentile(synthetic_latencies, 99),
        "buckets": bucket_stats(),
    }


def bucket_stats() -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), avg(n), max(n) FROM (SELECT count(*) AS n "
            "FROM petitions_similarityband GROUP BY key) AS buckets"
        )
        keys, mean, biggest = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM petitions_similarityband")
        (rows,) = cursor.fetchone()
    return {"rows": rows, "keys": keys, "mean_rows_per_key": float(mean), "max_rows": biggest}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=300, help="original documents queried")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    import django

    django.setup()
    result = measure(args.sample)
    with open(args.out, "w", encoding="utf-8") as fh:
        json.dump(result, fh, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main()
