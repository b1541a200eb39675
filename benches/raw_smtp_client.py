#!/usr/bin/env python3
"""Raw smtplib baseline for attune's SMTP sending benchmark.

Sends every message from a JSONL file to a local SMTP server (normally
tests/support/smtp_sink.py) over ONE connection with Python's smtplib, as fast
as it can, and prints the achieved rate.

Usage::

    python3 benches/raw_smtp_client.py --port N --messages /path/messages.jsonl

Each line of messages.jsonl is::

    {"from": "a@example.com", "to": ["b@example.com"],
     "data": "<full RFC 5322 message text with CRLF line endings>"}

Only the sending is timed (from connect to QUIT); reading the file happens
before.  Exactly one final line is printed to stdout::

    raw_smtplib messages=<n> seconds=<s:.3f> rate=<n/s:.1f>

Exits non-zero if the server refuses a message.  Standard library only.
"""

from __future__ import annotations

import argparse
import json
import smtplib
import sys
import time


def main() -> int:
    p = argparse.ArgumentParser(description="Raw smtplib SMTP benchmark baseline.")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--messages", required=True, help="JSONL file of messages")
    args = p.parse_args()

    messages = []
    with open(args.messages, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            m = json.loads(line)
            messages.append((m["from"], list(m["to"]), m["data"].encode("utf-8")))

    n = len(messages)
    start = time.perf_counter()
    smtp = smtplib.SMTP(args.host, args.port)
    smtp.ehlo()
    for mail_from, rcpt_tos, data in messages:
        smtp.sendmail(mail_from, rcpt_tos, data)
    smtp.quit()
    seconds = time.perf_counter() - start

    rate = n / seconds if seconds > 0 else 0.0
    print(f"raw_smtplib messages={n} seconds={seconds:.3f} rate={rate:.1f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
