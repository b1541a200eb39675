"""Crash drill: SIGKILL `attune serve` 30 times while parents send
reflections, then check that nothing acknowledged was lost.

Run through `benches/load.sh crash`. On a fresh SQLite scale database,
8 parents each send their open reflection again and again, every answer
numbered ("crash drill answer <parent> #<n>"). Each time, the server is
killed with SIGKILL at a random moment 0.2-1.5 s into the sending, then
started again. A send counts as acknowledged when the server answered it
with its 303 redirect.

Afterwards: `PRAGMA integrity_check` must say ok; each parent's saved
answer (read back through their own page on a restarted server) must be
their last acknowledged number or a later one that was in flight at the
kill, never an earlier one; and the audit log must hold a row for every
acknowledged send (written in the same transaction), and no more rows
than sends attempted.
"""

import argparse
import html
import os
import random
import re
import signal
import sqlite3
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import loadlib as L  # noqa: E402


def sender(base, parent, index, state, stop):
    """Sends numbered answers until the server dies or `stop` is set."""
    while not stop.is_set():
        n = state["sent"][index] + 1
        state["sent"][index] = n
        body = L.reflection_body(parent, f"crash drill answer {index} #{n}")
        try:
            status, headers, _ = L.request(
                base,
                "POST",
                f"/me/sessions/{parent.session}/reflection",
                body=body,
                cookie=parent.cookie,
                timeout=5,
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )
        except OSError:
            return  # killed mid-request: not acknowledged
        if status == 303:
            state["acked"][index] = n
            state["acks"] += 1
        elif status == 503:
            state["busy"] += 1
        else:
            state["other"].append(status)


def saved_number(base, parent, index):
    status, _, page = L.request(base, "GET", f"/me/sessions/{parent.session}", cookie=parent.cookie)
    if status != 200:
        raise SystemExit(f"parent {index}: their page gave {status} after the drill")
    m = re.search(rf"crash drill answer {index} #(\d+)", html.unescape(page.decode()))
    return int(m.group(1)) if m else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kills", type=int, default=30)
    ap.add_argument("--parents", type=int, default=8)
    ap.add_argument("--seed", type=int, default=None)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    folder = tempfile.mkdtemp(prefix="attune-crash-")
    data = L.make_scale_db(200, folder)
    server = L.Server(data.db_path).start()
    parents = [L.sign_in_parent(server.base, link, s) for link, s in data.parents[: args.parents]]
    if len(parents) < args.parents:
        raise SystemExit("not enough parents with an open reflection")
    state = {
        "sent": [0] * len(parents),
        "acked": [0] * len(parents),
        "acks": 0,
        "busy": 0,
        "other": [],
    }
    count_sql = "SELECT count(*) FROM audit_log WHERE action = 'reflection.send'"
    conn = sqlite3.connect(data.db_path)
    audit_before = conn.execute(count_sql).fetchone()[0]
    conn.close()
    started = time.monotonic()
    for kill in range(args.kills):
        if kill:
            server = L.Server(data.db_path, log_path=server.log_path).start()
        stop = threading.Event()
        threads = [
            threading.Thread(target=sender, args=(server.base, p, i, state, stop), daemon=True)
            for i, p in enumerate(parents)
        ]
        for t in threads:
            t.start()
        time.sleep(rng.uniform(0.2, 1.5))
        server.kill(signal.SIGKILL)
        stop.set()
        for t in threads:
            t.join(10)
        print(f"kill {kill + 1:>2}: {state['acks']} sends acknowledged so far", file=sys.stderr)

    # The database after the last kill, before anything opens it again.
    conn = sqlite3.connect(data.db_path)
    integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
    # Each send writes its audit row in the same transaction as the answer.
    audit_rows = conn.execute(count_sql).fetchone()[0] - audit_before
    conn.close()

    server = L.Server(data.db_path, log_path=server.log_path).start()
    lost = []
    try:
        for i, p in enumerate(parents):
            saved = saved_number(server.base, p, i)
            if saved < state["acked"][i] or saved > state["sent"][i]:
                lost.append((i, state["acked"][i], saved, state["sent"][i]))
    finally:
        server.stop()

    print(f"kills: {args.kills} in {time.monotonic() - started:.0f} s")
    print(f"sends acknowledged: {state['acks']}; answered 503 (busy): {state['busy']}; other answers: {state['other'] or 'none'}")
    print(f"PRAGMA integrity_check: {integrity}")
    total_sent = sum(state["sent"])
    print(f"audit rows of sends: {audit_rows} (acknowledged {state['acks']}, attempted {total_sent})")
    audit_ok = state["acks"] <= audit_rows <= total_sent
    for i in range(len(parents)):
        print(f"parent {i}: last acknowledged #{state['acked'][i]}, last sent #{state['sent'][i]}")
    if lost:
        for i, acked, saved, sent in lost:
            print(f"LOST: parent {i} acknowledged #{acked} but #{saved} is saved (last sent #{sent})")
    ok = integrity == "ok" and not lost and not state["other"] and audit_ok
    print("crash drill:", "PASS" if ok else "FAIL")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
