#!/usr/bin/env python
"""The supervision benchmark (issue 20, "Benchmarks"): the problem models against a seeded-defect data set.

    .venv/bin/python bench/supervision.py --cases 100 --per 1 --repeat 1 --events 3   # SQLite, the smoke run
    .venv/bin/python bench/supervision.py --cases 2000 --demo-template                   # SQLite
    nice -n 10 .venv/bin/python bench/supervision.py --cases 100000 --demo-template \\
        --database-url postgres://postgres@127.0.0.1:5432/zhifa_bench_sup [--json out.json]

`--demo-template` keeps the freshly loaded demo (a copy of the SQLite file, or the PostgreSQL database
<name>_demo) and later runs start from it (then migrate), instead of loading the demo again.

The data: the demo region (IM-M rule pack, one county under AZ's) and `--cases` seeded cases from
bench/supervision_seed.py — mostly clean, and for each model it can plant, defects and near-miss controls at
`--rate` each (or `--per` each), with the truth in the table bench_supervision_truth. `--reuse` measures a
database seeded before (`--seed-only` seeds and stops).

Printed per model, each figure with its goal beside it:
  planted / found / recall (goal 1.0), alerts on the controls (goal 0), precision over the benchmark cases
  (goal 1.0), evaluation time (min / median / max of `--repeat` runs);
  the nightly run (the engine over everything; goal ≤ 10 min at 1 M cases on PostgreSQL);
  the event-driven cost: a typical event appended to one case (a new inquiry record), then the engine run for that
  case alone, median and p95 over `--events` cases (goal ≤ 5 ms median);
  the cockpit pages (if the cockpit's URLs exist): p95 and query counts at this size.
The engine is zhifa.supervision.services.run_models; while it is absent each registered model's `evaluate` is run
with a Context built here (params: the model's defaults, enabled), and the run says so.
"""

import argparse
import datetime as dt
import importlib
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import OUT, fresh_demo_database

GOALS = {"recall": "goal 1.0", "control": "goal 0", "precision": "goal 1.0", "nightly": "goal ≤ 600 s at 1 M (PG)",
         "event": "goal ≤ 5 ms median", "cockpit": "flat in rows"}


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("ZHIFA_LEDGER_KEY_FILE", str(OUT / "bench-ledger.key"))
    import django

    django.setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["*"]


def demo_template(database_url: str, *, save: bool) -> bool:
    """Save the demo database as a template, or start from a saved one (True when it did)."""
    import shutil

    if database_url.startswith("sqlite:///"):
        path = Path(database_url[len("sqlite:///"):])
        template = path.with_name(path.stem + "_demo" + path.suffix)
        if save:
            from django.db import connection

            with connection.cursor() as cur:
                cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            shutil.copyfile(path, template)
            return True
        if not template.exists():
            return False
        for suffix in ("-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        shutil.copyfile(template, path)
        return True
    import psycopg

    server, name = database_url.rsplit("/", 1)
    with psycopg.connect(server + "/postgres", autocommit=True) as conn:
        if save:
            from django.db import connection

            connection.close()
            conn.execute(f'DROP DATABASE IF EXISTS "{name}_demo"')
            conn.execute(f'CREATE DATABASE "{name}_demo" TEMPLATE "{name}"')
            return True
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [f"{name}_demo"]).fetchone():
            return False
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{name}_demo"')
        return True


def engine():
    """zhifa.supervision.services.run_models, or None while it does not exist."""
    try:
        services = importlib.import_module("zhifa.supervision.services")
    except ImportError:
        return None
    return getattr(services, "run_models", None)


IMPORT_ERRORS: dict[str, str] = {}


def load_models() -> dict:
    """The registry, with every problem module imported (the app may discover them itself; importing twice is
    harmless: register() accepts the same class again). A module that fails to import is reported, not fatal."""
    import pkgutil

    import zhifa.supervision.problems as problems
    from zhifa.supervision.registry import REGISTRY

    for info in pkgutil.iter_modules(problems.__path__):
        try:
            importlib.import_module(f"{problems.__name__}.{info.name}")
        except Exception as exc:  # a module being written while the benchmark runs
            IMPORT_ERRORS[info.name] = f"{type(exc).__name__}: {exc}"[:300]
    return REGISTRY


def direct_context(model, *, today, case_ids=None, agency_ids=None):
    from zhifa.supervision.registry import Context

    defaults = dict(getattr(model, "defaults", {}) or {})
    try:
        from zhifa.supervision import testing

        return testing.context_for(today, case_ids=case_ids, agency_ids=agency_ids)
    except (ImportError, AttributeError, TypeError):
        pass
    return Context(today=today, case_ids=frozenset(case_ids) if case_ids is not None else None,
                   agency_ids=frozenset(agency_ids) if agency_ids is not None else None,
                   params=lambda agency_id: {**defaults, "enabled": True})


def evaluate(model, *, today, case_ids=None) -> tuple[list, float, str]:
    """(hits, seconds, error) of one model's evaluate over everything (or `case_ids`)."""
    ctx = direct_context(model, today=today, case_ids=case_ids)
    t0 = time.perf_counter()
    try:
        hits = list(model.evaluate(ctx))
    except Exception as exc:  # a model that fails is a finding for its author, not the end of the benchmark
        return [], time.perf_counter() - t0, f"{type(exc).__name__}: {exc}"[:300]
    return hits, time.perf_counter() - t0, ""


def open_alerts() -> list[tuple[str, int | None, int, str]]:
    """(model, case_id, agency_id, level) of every open alert the engine left."""
    from zhifa.supervision.models import Alert

    return list(Alert.objects.filter(state="open").values_list("model", "case_id", "agency_id", "level"))


def score(truth: list[dict], hits_by_model: dict[str, list[tuple]], bench_cases: set[int], codes: list[str]) -> dict:
    """Per model: planted (counted by group: a pair of cases fined twice for one act is one defect), found, recall,
    alerts on its controls, precision over the benchmark cases (an alert where the truth tolerates it — a fine
    planted past the statutory maximum is also outside its tier — counts neither way), and the misses."""
    out = {}
    by_case = {t["case_id"]: t for t in truth}
    from bench.supervision_seed import AGENCY_SCOPE

    for code in codes:
        hits = hits_by_model.get(code, [])
        if code in AGENCY_SCOPE:
            out[code] = score_agencies(truth, code, hits)
            continue
        case_hits = {h[0] for h in hits if h[0] is not None and h[0] in bench_cases}
        agency_hits = [h for h in hits if h[0] is None]
        groups, control_groups = {}, {}
        for t in truth:
            if code in t["expected"]:
                groups.setdefault(t["group"], []).append(t)
            elif t["role"] == "control" and t["model"] == code:
                control_groups.setdefault(t["group"], []).append(t)
        found = [g for g, ts in groups.items() if any(t["case_id"] in case_hits for t in ts)]
        control_alerts = [g for g, ts in control_groups.items() if any(t["case_id"] in case_hits for t in ts)]
        true_pos = [c for c in case_hits if code in by_case.get(c, {}).get("expected", set())]
        tolerated = [c for c in case_hits if code in by_case.get(c, {}).get("tolerated", set())]
        false_pos = sorted(case_hits - set(true_pos) - set(tolerated))
        fp_kinds = {}
        for c in false_pos:
            t = by_case.get(c)
            kind = "clean" if t is None else f"{t['role']} of {t['model']}"
            fp_kinds[kind] = fp_kinds.get(kind, 0) + 1
        judged = len(true_pos) + len(false_pos)
        out[code] = {
            "planted": len(groups), "found": len(found), "recall": (len(found) / len(groups)) if groups else None,
            "controls": len(control_groups), "control_alerts": len(control_alerts),
            "alerts": len(case_hits), "tolerated_alerts": len(tolerated), "agency_alerts": len(agency_hits),
            "precision": (len(true_pos) / judged) if judged else None,
            "missed": [{"case_ids": [t["case_id"] for t in ts], "planted": ts[0]["note"]}
                       for g, ts in groups.items() if g not in found],
            "control_alerted": [{"case_ids": [t["case_id"] for t in ts], "control": ts[0]["note"]}
                                for g, ts in control_groups.items() if g in control_alerts],
            "false_positive_sources": fp_kinds, "false_positive_sample": false_pos[:10],
        }
    return out


def score_agencies(truth: list[dict], code: str, hits: list[tuple]) -> dict:
    """A model judged by agency (its defects planted on some agencies, its controls on others)."""
    planted = {t["agency_id"]: t for t in truth if code in t["expected"]}
    controls = {t["agency_id"]: t for t in truth if t["role"] == "control" and t["model"] == code
                and t["agency_id"] not in planted}
    hit = {h[1] for h in hits}
    judged = hit & (set(planted) | set(controls))
    return {
        "by": "agency", "planted": len(planted), "found": len(hit & set(planted)),
        "recall": len(hit & set(planted)) / len(planted) if planted else None,
        "controls": len(controls), "control_alerts": len(hit & set(controls)), "alerts": len(hits),
        "tolerated_alerts": 0, "agency_alerts": sum(1 for h in hits if h[0] is None),
        "precision": len(hit & set(planted)) / len(judged) if judged else None,
        "missed": [{"case_ids": [t["case_id"]], "planted": f"agency {a}: {t['note']}"}
                   for a, t in planted.items() if a not in hit],
        "control_alerted": [{"case_ids": [t["case_id"]], "control": f"agency {a}: {t['note']}"}
                            for a, t in controls.items() if a in hit],
        "false_positive_sources": {}, "false_positive_sample": [],
    }


def fmt(x, spec="{:.3f}"):
    return "—" if x is None else spec.format(x)


def append_event(case_id: int, *, today) -> None:
    """A typical event: an inquiry record added to the case now, with its log entry (as cases.document_record
    writes them)."""
    from django.utils import timezone

    from bench.supervision_seed import canonical
    from zhifa.cases.models import CaseOfficer, Document
    from zhifa.ledger.models import Entry

    officers = list(CaseOfficer.objects.filter(case_id=case_id).values_list("person_id", flat=True))
    now = timezone.now()
    elements = {"time": now.isoformat(), "place": "询问室", "officers": officers, "target": "当事人",
                "content": "询问", "process": "告知权利义务后询问", "certificate_shown": True, "rights_told": True,
                "inquired_person": "当事人"}
    text, digest = canonical({"form": "inquiry_record", "version": 1})
    entry = Entry.objects.create(kind="cases.document_recorded", subject=f"cases.case:{case_id}", actor="system",
                                 at=now, payload=text, payload_sha256=digest)
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username="agency_head")
    Document.objects.create(case_id=case_id, form="inquiry_record", elements=elements, recorded_by=user, entry=entry)


def cockpit_pages(client, repeat: int) -> list[dict]:
    """GET every cockpit URL that takes no argument: p95 and queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import URLPattern, URLResolver, get_resolver

    try:
        importlib.import_module("zhifa.cockpit.urls")
    except ImportError:
        return []
    found = []

    def walk(patterns, prefix):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                route = prefix + str(p.pattern)
                module = getattr(p.callback, "__module__", "")
                if module.startswith("zhifa.cockpit") and "<" not in route and "(?P" not in route:
                    found.append("/" + route.lstrip("^").rstrip("$"))

    walk(get_resolver().url_patterns, "")
    out = []
    for url in dict.fromkeys(found):
        try:
            first = client.get(url)
        except Exception as exc:  # a page that fails is a finding for its author, not the end of the benchmark
            out.append({"url": url, "status": f"error {type(exc).__name__}: {exc}"[:300]})
            continue
        if first.status_code != 200:
            out.append({"url": url, "status": first.status_code})
            continue
        times, queries = [], 0
        for _ in range(repeat):
            with CaptureQueriesContext(connection) as ctx:
                t = time.perf_counter()
                client.get(url)
                times.append((time.perf_counter() - t) * 1000)
            queries = len(ctx.captured_queries)
        times.sort()
        out.append({"url": url, "status": 200, "median_ms": statistics.median(times),
                    "p95_ms": times[int(0.95 * (len(times) - 1))], "queries": queries})
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--database-url", default=f"sqlite:///{OUT / 'supervision_bench.sqlite3'}")
    parser.add_argument("--repeat", type=int, default=3, help="runs per timing figure")
    parser.add_argument("--rate", type=float, default=0.002,
                        help="share of cases with a planted defect, per model (and as many controls)")
    parser.add_argument("--per", type=int, help="defects (and controls) per model, instead of --rate (smoke runs: 1)")
    parser.add_argument("--events", type=int, default=50, help="cases for the event-driven cost")
    parser.add_argument("--reuse", action="store_true", help="keep a database seeded by an earlier run")
    parser.add_argument("--demo-template", action="store_true",
                        help="keep the freshly loaded demo as a template (SQLite: a copy of the file; PostgreSQL: a "
                             "database <name>_demo) and start from it when it exists, instead of loading the demo")
    parser.add_argument("--json", help="write every figure to this file")
    parser.add_argument("--direct", action="store_true", help="call each model's evaluate, not the engine")
    parser.add_argument("--seed-only", action="store_true", help="load and seed, then stop (measure later with --reuse)")
    parser.add_argument("--today", help="the evaluation date (ISO; default: today)")
    args = parser.parse_args()
    t0 = time.perf_counter()
    if args.reuse:
        setup_django(args.database_url)
    elif args.demo_template and demo_template(args.database_url, save=False):
        setup_django(args.database_url)
        from django.core.management import call_command

        call_command("migrate", verbosity=0)  # the template may predate a migration written since
    else:
        fresh_demo_database(args.database_url)
        if args.demo_template:
            demo_template(args.database_url, save=True)
    from django.db import connection
    from django.utils import timezone

    from bench import supervision_seed

    today = dt.date.fromisoformat(args.today) if args.today else timezone.localdate()
    registry = load_models()
    codes = sorted(registry)
    report = {"database": connection.vendor, "cases": args.cases, "today": today.isoformat(), "models": codes,
              "import_errors": IMPORT_ERRORS}
    for name, error in IMPORT_ERRORS.items():
        print(f"problem module {name} failed to import: {error}")
    print(f"database: {connection.vendor}; demo ready in {time.perf_counter() - t0:.1f} s; "
          f"models registered: {', '.join(codes) or 'none'}")
    if not args.reuse:
        seeded = supervision_seed.seed(args.cases, today=today, rate=args.rate, per=args.per)
        report["seed"] = seeded
        print(f"seeded {seeded['cases']} cases ({seeded['planted']} planted defects, {seeded['controls']} controls) "
              f"in {seeded['seconds']:.1f} s", flush=True)
        if args.seed_only:
            return
    truth = supervision_seed.read_truth()
    from zhifa.cases.models import Case

    bench_cases = set(Case.objects.filter(number__startswith="SUPB-").values_list("id", flat=True))
    report["bench_cases"] = len(bench_cases)
    run_models = None if args.direct else engine()
    hits_by_model, times, errors = {}, {}, {}
    nightly = None
    if run_models:
        # The nightly run: the engine over everything, `--repeat` times; each model's time from its summary; the
        # hits are the open alerts the last run left.
        report["engine"] = "run_models"
        nightly, nightly_cpu = [], []
        for r in range(max(1, args.repeat)):
            t, c = time.perf_counter(), time.process_time()
            summary = run_models(today=today)
            nightly.append(time.perf_counter() - t)
            nightly_cpu.append(time.process_time() - c)
            print(f"  nightly run {r + 1}: {nightly[-1]:.1f} s wall, {nightly_cpu[-1]:.1f} s CPU of this process",
                  flush=True)
            for code in codes:
                times.setdefault(code, []).append(float(summary.get(code, {}).get("seconds", 0.0)))
                if summary.get(code, {}).get("error"):
                    errors[code] = summary[code]["error"]
        report["nightly_cpu_s"] = nightly_cpu
        report["engine_summary"] = json.loads(json.dumps(summary, default=str))
        for model, case_id, agency_id, level in open_alerts():
            hits_by_model.setdefault(model, []).append((case_id, agency_id, level))
    else:
        # No engine (or --direct): each model's evaluate over everything, `--repeat` runs; hits of the last.
        report["engine"] = "direct evaluate" + ("" if args.direct else " (engine absent)")
        for code in codes:
            runs = []
            for _ in range(max(1, args.repeat)):
                hits, seconds, error = evaluate(registry[code], today=today)
                runs.append(seconds)
            times[code] = runs
            print(f"  evaluated {code}: {len(hits)} hits, {statistics.median(runs):.3f} s"
                  + (f" ERROR {error}" if error else ""), flush=True)
            if error:
                errors[code] = error
            hits_by_model[code] = [(h.case_id, h.agency_id, h.level) for h in hits]
    scores = score(truth, hits_by_model, bench_cases, codes)
    report["scores"], report["times"], report["errors"] = scores, times, errors
    planters = set(supervision_seed.Seeder(today=today).planters())
    print(f"\nper model ({report['engine']}; precision over the {len(bench_cases)} benchmark cases; "
          f"times of {args.repeat} runs, s)")
    print(f"  {'model':<5} {'planted':>7} {'found':>6} {'recall':>7} ({GOALS['recall']})  {'controls':>8} "
          f"{'alerted':>7} ({GOALS['control']})  {'alerts':>6} {'precision':>9} ({GOALS['precision']})  "
          f"{'agency':>6}  time min/median/max")
    for code in codes:
        s = scores[code]
        t = times[code]
        mark = "" if code in planters else "  (not planted: no data the generator can write yet)"
        print(f"  {code:<5} {s['planted']:>7} {s['found']:>6} {fmt(s['recall']):>7}            {s['controls']:>8} "
              f"{s['control_alerts']:>7}           {s['alerts']:>6} {fmt(s['precision']):>9}             "
              f"{s['agency_alerts']:>6}  {min(t):.3f}/{statistics.median(t):.3f}/{max(t):.3f}{mark}")
        if code in errors:
            print(f"        ERROR: {errors[code]}")
    total_eval = sum(statistics.median(t) for t in times.values())
    report["models_total_s"] = total_eval
    if nightly:
        report["nightly_s"] = nightly
        print(f"\nnightly run (run_models over everything, {len(bench_cases)} benchmark cases): min {min(nightly):.2f} / "
              f"median {statistics.median(nightly):.2f} / max {max(nightly):.2f} s; models' own share (median) "
              f"{total_eval:.2f} s  ({GOALS['nightly']})")
    else:
        print(f"\nsum of the models' evaluate times (median): {total_eval:.2f} s  ({GOALS['nightly']}; "
              "the engine is absent: this stands in for the nightly run)")
    # Event-driven cost.
    import random

    rng = random.Random(7)
    sample = rng.sample(sorted(bench_cases), min(args.events, len(bench_cases)))
    costs, costs_triggered, per_model, cpu = [], [], {}, []
    triggered = [c for c in codes if "cases.document_recorded" in (getattr(registry[c], "triggers", ()) or ())]
    for cid in sample:
        append_event(cid, today=today)
        if run_models:
            t = time.perf_counter()
            if triggered:
                run_models(today=today, case_ids=[cid], codes=triggered)
            costs_triggered.append((time.perf_counter() - t) * 1000)
            t, c = time.perf_counter(), time.process_time()
            summary = run_models(today=today, case_ids=[cid])
            costs.append((time.perf_counter() - t) * 1000)
            cpu.append((time.process_time() - c) * 1000)
            for code, row in summary.items():
                per_model.setdefault(code, []).append(float(row.get("seconds", 0.0)) * 1000)
        else:
            t = time.perf_counter()
            for code in codes:
                evaluate(registry[code], today=today, case_ids=[cid])
            costs.append((time.perf_counter() - t) * 1000)

    def med_p95(values):
        values = sorted(values)
        return statistics.median(values), values[int(0.95 * (len(values) - 1))]

    if costs:
        med, p95 = med_p95(costs)
        how = "run_models(case_ids=[case]), every model" if run_models else "every model's evaluate(case_ids=[case])"
        print(f"event-driven cost per event ({how}, {len(costs)} events): median {med:.2f} ms, p95 {p95:.2f} ms  "
              f"({GOALS['event']})")
        report["event_ms"] = {"median": med, "p95": p95, "n": len(costs)}
        if cpu:
            print(f"  CPU of this process per event: median {statistics.median(cpu):.2f} ms (the machine's load "
                  f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs inflates the wall times)")
            report["event_cpu_ms"] = statistics.median(cpu)
        if costs_triggered:
            med, p95 = med_p95(costs_triggered)
            print(f"  only the models triggered by cases.document_recorded ({', '.join(triggered) or 'none'}): "
                  f"median {med:.2f} ms, p95 {p95:.2f} ms  ({GOALS['event']})")
            report["event_triggered_ms"] = {"median": med, "p95": p95, "codes": triggered}
        if per_model:
            slow = sorted(((statistics.median(v), c) for c, v in per_model.items()), reverse=True)[:6]
            print("  slowest models per event (median ms): " + ", ".join(f"{c} {m:.1f}" for m, c in slow))
            report["event_per_model_ms"] = {c: statistics.median(v) for c, v in per_model.items()}
    # Cockpit pages.
    from django.contrib.auth import get_user_model
    from django.test import Client

    from zhifa.core.testing import force_login_with_second_factor

    client = Client()
    force_login_with_second_factor(client, get_user_model().objects.get(username="region_supervisor"))
    if args.json:  # what is measured so far, in case a page fails hard
        Path(args.json).write_text(json.dumps(report, ensure_ascii=False, indent=1, default=str))
    pages = cockpit_pages(client, max(5, args.repeat * 5))
    report["cockpit"] = pages
    if pages:
        print(f"\ncockpit pages as region_supervisor ({GOALS['cockpit']}):")
        for p in pages:
            if p["status"] != 200:
                print(f"  {p['url']:<40} status {p['status']}")
            else:
                print(f"  {p['url']:<40} median {p['median_ms']:8.1f} ms  p95 {p['p95_ms']:8.1f} ms  "
                      f"queries {p['queries']}")
    else:
        print("\ncockpit: no URLs (zhifa/cockpit/urls.py absent or without argument-free pages)")
    # The misses: findings for the model authors.
    misses = {c: s for c, s in scores.items() if s["missed"] or s["control_alerted"]}
    if misses:
        print("\nmisses (planted defects not found, controls alerted):")
        for code, s in misses.items():
            for m in s["missed"][:5]:
                print(f"  {code} missed case {m['case_ids']}: {m['planted']}")
            if len(s["missed"]) > 5:
                print(f"  {code} … {len(s['missed']) - 5} more missed")
            for m in s["control_alerted"][:5]:
                print(f"  {code} alerted on control case {m['case_ids']}: {m['control']}")
    fps = {c: s["false_positive_sources"] for c, s in scores.items() if s["false_positive_sources"]}
    if fps:
        print("\nalerts on cases where the model was not planted (by what the case is):")
        for code, kinds in fps.items():
            print(f"  {code}: " + ", ".join(f"{k}: {v}" for k, v in sorted(kinds.items())))
    if args.json:
        Path(args.json).write_text(json.dumps(report, ensure_ascii=False, indent=1, default=str))
        print(f"\nwritten: {args.json}")


if __name__ == "__main__":
    main()
