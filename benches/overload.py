"""Overload drill: far more load than the server can take, then none.

Run through `benches/load.sh overload`. On a fresh scale database it:

1. measures capacity: wrk with 64 connections on the parent home page;
2. overloads: 10x and ~30x those connections (640 and 2,000) for 20 s
   each, on the parent home page and on reflection submits, counting every
   status, timeouts and socket errors, while sampling the server's memory;
3. stops, and times how long until a parent's page answers 200 quickly
   again, then runs 5 s at 64 connections to check throughput is back.

Passes (exit 0) when no request timed out or failed at the socket, every
answer was 200/303 or 503 with Retry-After, memory stayed under 150 MB,
and the server was itself again within 10 s.
"""

import argparse
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import loadlib as L  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", type=int, default=1000)
    ap.add_argument("--seconds", type=int, default=20)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    L.ensure_wrk()
    folder = tempfile.mkdtemp(prefix="attune-overload-")
    data = L.make_scale_db(args.scale, folder)
    server = L.Server(data.db_path).start()
    ok = True
    try:
        base = server.base
        parents = [L.sign_in_parent(base, link, s) for link, s in data.parents[:64]]
        home = dict(url=base, **L.home_requests(parents))
        submit = dict(url=base, **L.submit_requests(parents, lambda i: f"Overload drill answer {i}."))
        L.wrk(seconds=3, connections=16, threads=args.threads, **home)
        cap = L.wrk(seconds=10, connections=64, threads=args.threads, **home)
        print(f"capacity (parent home, 64 connections): {cap.rps:.0f}/s, p99 {cap.p99_ms:.1f} ms, statuses {cap.statuses}")
        print()
        print("| load | connections | answered/s | x capacity | 200/303 per s | 503 per s | other | timeouts | p99 ms | RSS peak |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for label, spec in (("parent home", home), ("reflection submit", submit)):
            for conns in (640, 2000):
                with L.RssSampler(server) as rss:
                    r = L.wrk(seconds=args.seconds, connections=conns, threads=args.threads, timeout="5s", **spec)
                served = sum(v for k, v in r.statuses.items() if k in ("200", "303"))
                refused = r.statuses.get("503", 0)
                other = sum(v for k, v in r.statuses.items() if k not in ("200", "303", "503"))
                secs = args.seconds
                print(
                    f"| {label} | {conns} | {r.rps:,.0f} | {r.rps / cap.rps:.1f} | {served / secs:,.0f} | "
                    f"{refused / secs:,.0f} | {other} | {r.timeouts} | {r.p99_ms:.1f} | {rss.peak_kb / 1024:.0f} MB |"
                )
                socket_errors = r.errors - (r.requests - served) - r.timeouts
                if other or r.timeouts or socket_errors > 0 or rss.peak_kb > 150 * 1024:
                    ok = False
                    print(f"  !! {label} at {conns}: other={other} timeouts={r.timeouts} socket errors={socket_errors} statuses={r.statuses}")
                # Back to normal within 10 s?
                stopped = time.monotonic()
                back = None
                while time.monotonic() - stopped < 30:
                    t0 = time.monotonic()
                    try:
                        status, _, _ = L.request(base, "GET", "/me", cookie=parents[0].cookie, timeout=2)
                    except OSError:
                        status = 0
                    if status == 200 and time.monotonic() - t0 < 0.05:
                        back = time.monotonic() - stopped
                        break
                    time.sleep(0.1)
                after = L.wrk(seconds=5, connections=64, threads=args.threads, **home)
                print(
                    f"  after: a parent's page answered normally {back:.2f} s after the load stopped; "
                    f"64 connections then gave {after.rps:,.0f}/s ({after.rps / cap.rps:.0%} of capacity), "
                    f"p99 {after.p99_ms:.1f} ms, statuses {after.statuses}"
                    if back is not None
                    else "  after: NOT back within 30 s"
                )
                if back is None or back > 10 or after.errors:
                    ok = False
        rss_after = server.rss_kb()
        print(f"\nRSS after the drill: {rss_after / 1024:.0f} MB; server log: {server.log_path}")
    finally:
        server.stop()
    print("overload drill:", "PASS" if ok else "FAIL")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
