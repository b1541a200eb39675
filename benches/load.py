"""Load test: a real `attune serve` on scale databases, measured with wrk.

Run it through benches/load.sh (it installs wrk and builds the release
binary). For each scale it makes a fresh SQLite database with
`attune demo --scale N`, starts the server, signs in a facilitator and 64
parents, then measures in one run:

- static: `/load-test/static/{bytes}`, a fixed page the size of a parent's
  home page through the same middleware: the machine's yardstick;
- parent home: `/me` for 64 parents in turn;
- cohort page: `/cohorts/{id}` for a facilitator;
- reflection submit: POST `/me/sessions/{n}/reflection` for 64 parents;
- tonight's sheet: `/cohorts/{id}/meetings/{m}/sheet` for a facilitator
  (the goal: under 20 ms for a 30-parent group at 100k parents);
- RSVP submit: POST `/me/rsvp` for 64 parents, changing their answer for
  the next meeting each time. A reminder's `/r/<token>` link is single-use,
  so its POST cannot be repeated under load; it runs the same upsert and
  audit row after one token lookup by its hash.

Pages are measured at 16 and 64 connections, submits at 16. It prints a
Markdown table and writes JSON beside it.
"""

import argparse
import json
import os
import re
import sys
import urllib.parse
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import loadlib as L  # noqa: E402


def sheet_path(base, cohort_id, fac):
    """The first meeting of the facilitator's group, as tonight's sheet."""
    _, _, page = L.request(base, "GET", f"/cohorts/{cohort_id}", cookie=fac)
    m = re.search(rb"/cohorts/%d/meetings/(\d+)" % cohort_id, page)
    if not m:
        raise SystemExit("the cohort page links no meeting")
    return f"/cohorts/{cohort_id}/meetings/{int(m.group(1))}/sheet"


def rsvp_requests(base, parents):
    """wrk requests: each parent answers for their next meeting, coming and
    can't-come in turn (an upsert each time). None if no meeting is ahead."""
    out = []
    for i, p in enumerate(parents):
        _, _, home = L.request(base, "GET", "/me", cookie=p.cookie)
        m = re.search(rb'name="meeting" value="(\d+)"', home)
        if not m:
            return None
        answer = "coming" if i % 2 == 0 else "apologies"
        body = urllib.parse.urlencode(
            {"csrf_token": p.token, "meeting": m.group(1).decode(), "answer": answer, "reason": "", "note": ""}
        )
        out.append(("POST", "/me/rsvp", {"Cookie": p.cookie, "Content-Type": "application/x-www-form-urlencoded"}, body))
    return dict(requests_lua=out)


def measure(n, folder, seconds, threads):
    data = L.make_scale_db(n, folder)
    print(f"# {n} parents: database made in {data.seconds:.1f} s", file=sys.stderr)
    server = L.Server(data.db_path).start()
    try:
        base = server.base
        fac = L.sign_in_facilitator(base, data.facilitator_email, data.facilitator_password)
        parents = [L.sign_in_parent(base, link, s) for link, s in data.parents[:64]]
        if not parents:
            raise SystemExit("the scale data gave no parents with an open reflection")
        status, _, home = L.request(base, "GET", "/me", cookie=parents[0].cookie)
        status_c, _, cohort = L.request(base, "GET", f"/cohorts/{data.cohort_id}", cookie=fac)
        if status != 200 or status_c != 200:
            raise SystemExit(f"/me gave {status}, the cohort page gave {status_c}")
        time.sleep(1)
        idle_kb = server.rss_kb()

        routes = {
            "static": dict(url=f"{base}/load-test/static/{len(home)}"),
            "parent home": dict(url=base, **L.home_requests(parents)),
            "cohort page": dict(url=f"{base}/cohorts/{data.cohort_id}", headers={"Cookie": fac}),
            "tonight's sheet": dict(url=base + sheet_path(base, data.cohort_id, fac), headers={"Cookie": fac}),
        }
        rsvp = rsvp_requests(base, parents)
        if rsvp is None:
            print(f"# {n} parents: no meeting ahead, so no RSVP submit", file=sys.stderr)
        submit = dict(
            url=base,
            **L.submit_requests(parents, lambda i: f"Load test answer from parent {i}. We read a book together."),
        )
        # Warm up every path (page cache, prepared statements, allocator).
        for spec in list(routes.values()) + [submit] + ([rsvp] if rsvp else []):
            L.wrk(seconds=2, connections=16, threads=threads, **spec)

        results = {}
        with L.RssSampler(server) as rss:
            for name, spec in routes.items():
                for c in (16, 64):
                    r = L.wrk(seconds=seconds, connections=c, threads=threads, **spec)
                    results[f"{name} c{c}"] = r.row()
                    print(f"{n:>7} {name:<18} c{c:<3} {r.rps:>9.0f}/s p50 {r.p50_ms:6.2f} ms p99 {r.p99_ms:6.2f} ms errors {r.errors}", file=sys.stderr)
            r = L.wrk(seconds=seconds, connections=16, threads=threads, **submit)
            results["reflection submit c16"] = r.row()
            print(f"{n:>7} {'reflection submit':<18} c16 {r.rps:>9.0f}/s p50 {r.p50_ms:6.2f} ms p99 {r.p99_ms:6.2f} ms errors {r.errors}", file=sys.stderr)
            if rsvp:
                r = L.wrk(seconds=seconds, connections=16, threads=threads, **rsvp)
                results["rsvp submit c16"] = r.row()
                print(f"{n:>7} {'rsvp submit':<18} c16 {r.rps:>9.0f}/s p50 {r.p50_ms:6.2f} ms p99 {r.p99_ms:6.2f} ms errors {r.errors}", file=sys.stderr)
        return {
            "participants": n,
            "scale_seconds": round(data.seconds, 1),
            "page_bytes": {"parent home": len(home), "cohort page": len(cohort)},
            "rss_idle_mb": round(idle_kb / 1024, 1),
            "rss_peak_mb": round(rss.peak_kb / 1024, 1),
            "routes": results,
        }
    finally:
        server.stop()


def table(runs):
    lines = [
        "| participants | route | conns | requests/s | % of static | µs per request | p50 ms | p99 ms | errors |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for run in runs:
        routes = run["routes"]
        for key, r in routes.items():
            name, conns = key.rsplit(" c", 1)
            static = routes.get(f"static c{conns}", {}).get("rps")
            share = f"{100 * r['rps'] / static:.0f}%" if static and name != "static" else ""
            lines.append(
                f"| {run['participants']:,} | {name} | {conns} | {r['rps']:,} | {share} | "
                f"{1e6 / r['rps']:.0f} | {r['p50_ms']} | {r['p99_ms']} | {r['errors']} |"
            )
    lines.append("")
    lines.append("| participants | scale data made in | parent home bytes | cohort page bytes | RSS idle | RSS peak under load |")
    lines.append("|---:|---:|---:|---:|---:|---:|")
    for run in runs:
        lines.append(
            f"| {run['participants']:,} | {run['scale_seconds']} s | {run['page_bytes']['parent home']:,} | "
            f"{run['page_bytes']['cohort page']:,} | {run['rss_idle_mb']} MB | {run['rss_peak_mb']} MB |"
        )
    if len(runs) >= 2:
        a, b = runs[0], runs[-1]
        lines.append("")
        lines.append(f"Cost per request at {b['participants']:,} against {a['participants']:,} participants (1.00 = the same):")
        lines.append("")
        for key in a["routes"]:
            if key in b["routes"]:
                lines.append(f"- {key}: {a['routes'][key]['rps'] / b['routes'][key]['rps']:.2f}")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scales", default="1000,100000", help="participant counts, comma-separated")
    ap.add_argument("--seconds", type=int, default=10, help="seconds per measurement")
    ap.add_argument("--threads", type=int, default=2, help="wrk threads")
    ap.add_argument("--folder", default=None, help="where the databases go (default: a temporary folder)")
    ap.add_argument("--json", default=None, help="write the results here too")
    args = ap.parse_args()
    L.ensure_wrk()
    folder = args.folder or tempfile.mkdtemp(prefix="attune-load-")
    runs = [measure(int(n), folder, args.seconds, args.threads) for n in args.scales.split(",")]
    out = table(runs)
    print(out)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(runs, f, indent=2)


if __name__ == "__main__":
    main()
