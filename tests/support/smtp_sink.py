#!/usr/bin/env python3
"""Configurable local SMTP sink for attune's integration tests.

Built on aiosmtpd (``pip install aiosmtpd``) plus the standard library only;
nothing is downloaded at run time.  The server is driven directly through
``loop.create_server`` (no aiosmtpd Controller) so that the port can be chosen
and the server can be made to misbehave on purpose.

Usage::

    python3 tests/support/smtp_sink.py --port 0 --log /path/received.jsonl
        [--mode accept|451|550|drop|hang]   # what to do at end of DATA (default accept)
        [--transient-rate 0.3] [--seed 42]  # accept mode only: answer this fraction
                                            #   of DATA with 451 (random.Random(seed))
        [--hang-at greeting|data]           # mode hang only: never send the 220
                                            #   greeting, or never answer end of DATA
                                            #   (default data)
        [--keep-data]                       # also store the raw message text in the log
        [--delay-ms N]                      # sleep N ms before answering end of DATA

Behaviour:

* Binds 127.0.0.1.  ``--port 0`` picks a free port.  As soon as the socket is
  listening, ``PORT <n>`` is printed on its own line to stdout and flushed.
  SO_REUSEADDR is set, so a new instance can bind the same port right after a
  previous one was killed.
* Accepts any MAIL FROM / RCPT TO.  EHLO advertises ``SIZE 10485760``,
  ``8BITMIME`` and ``SMTPUTF8``.  No AUTH, no STARTTLS.  aiosmtpd enforces the
  RFC 5321 line length: a DATA line may be at most 1001 bytes including CRLF
  (i.e. 998 characters plus dot-stuffing); longer lines get
  ``500 Line too long``.
* End of DATA, by ``--mode``:

  - ``accept``: ``250 2.0.0 OK queued as <n>`` (n = 1, 2, ... accepted count)
    and exactly one JSON line appended to the log (see below).  With
    ``--transient-rate R`` each DATA independently gets ``451`` with
    probability R instead (not logged).
  - ``451``:  ``451 4.3.0 Please try again later`` (not logged).
  - ``550``:  ``550 5.1.1 <rcpt>: mailbox unavailable`` (first recipient;
    not logged).
  - ``drop``: the TCP connection is closed without an answer (not logged).
  - ``hang``: never answers (``--hang-at data``) or never even sends the 220
    greeting (``--hang-at greeting``).  The connection is kept open; other
    connections are not blocked.

  ``--transient-rate``/``--seed`` are ignored outside accept mode and
  ``--hang-at`` is ignored outside hang mode.

Log format (one JSON object per accepted message, UTF-8, line buffered and
flushed immediately, so it can be tailed while the server runs)::

    {"message_id": "<abc@example.com>" | null,
     "mail_from": "sender@example.com",
     "rcpt_tos": ["rcpt@example.com"],
     "subject": "decoded subject" | null,
     "headers": {"List-Unsubscribe": "...", "List-Unsubscribe-Post": "...",
                 "Content-Type": "..."},     # only those present, decoded
     "size": 1234,                           # bytes of the message (after
                                             #   dot-unstuffing)
     "received_at": 1700000000.123,
     "data": "raw message text"}             # only with --keep-data

Strings that are not valid UTF-8 are stored with U+FFFD replacement chars.

The process exits cleanly (status 0) on SIGTERM or SIGINT.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import logging
import random
import signal
import socket
import sys
import time
from email import policy
from email.parser import BytesParser
from typing import Any, Optional

from aiosmtpd.smtp import SMTP

DATA_SIZE_LIMIT = 10 * 1024 * 1024
HOSTNAME = "attune-smtp-sink.localhost"
LOGGED_HEADERS = ("List-Unsubscribe", "List-Unsubscribe-Post", "Content-Type")

_PARSER = BytesParser(policy=policy.default)


def _clean(value: Any) -> Optional[str]:
    """str() a header value / text and make it strict UTF-8 (no lone surrogates)."""
    if value is None:
        return None
    text = str(value)
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _header(msg: Any, name: str) -> Optional[str]:
    try:
        value = msg[name]
    except Exception:  # malformed header that policy.default cannot parse
        try:
            raw = msg.get_all(name, failobj=None)  # type: ignore[union-attr]
            value = raw[0] if raw else None
        except Exception:
            value = None
    return _clean(value)


def _header_block(raw: bytes) -> bytes:
    """The header section (up to and including the blank line), for speed."""
    end = raw.find(b"\r\n\r\n")
    if end >= 0:
        return raw[: end + 4]
    end = raw.find(b"\n\n")
    if end >= 0:
        return raw[: end + 2]
    return raw


class SinkSMTP(SMTP):
    """aiosmtpd SMTP protocol with an optional hang before the greeting."""

    def __init__(self, handler: "SinkHandler", **kwargs: Any) -> None:
        # aiosmtpd keeps command_size_limits as a *class* attribute shared by
        # all connections; give every connection its own copy.
        self.command_size_limits = collections.defaultdict(
            lambda: SMTP.command_size_limit
        )
        super().__init__(handler, **kwargs)
        self._sink = handler

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        self._sink.connections.add(self)

    def connection_lost(self, error: Optional[Exception]) -> None:
        self._sink.connections.discard(self)
        super().connection_lost(error)

    async def _handle_client(self) -> None:
        if self._sink.mode == "hang" and self._sink.hang_at == "greeting":
            # Never send "220": just keep the socket open until the peer
            # goes away (connection_lost cancels this task) or we shut down.
            await asyncio.get_running_loop().create_future()
            return
        await super()._handle_client()


class SinkHandler:
    def __init__(self, args: argparse.Namespace, log_file: Any) -> None:
        self.mode: str = args.mode
        self.hang_at: str = args.hang_at
        self.transient_rate: float = args.transient_rate
        self.rng = random.Random(args.seed)
        self.keep_data: bool = args.keep_data
        self.delay: float = max(0, args.delay_ms) / 1000.0
        self.log_file = log_file
        self.accepted = 0
        self.connections: set[SinkSMTP] = set()

    async def handle_DATA(self, server: SMTP, session: Any, envelope: Any) -> str:
        if self.delay:
            await asyncio.sleep(self.delay)

        mode = self.mode
        if mode == "hang":
            # Never answer; connection_lost() cancels us when the peer leaves.
            await asyncio.get_running_loop().create_future()
        if mode == "drop":
            if server.transport is not None:
                server.transport.close()
            # connection_lost() will cancel this coroutine; never answer.
            await asyncio.get_running_loop().create_future()
        if mode == "451":
            return "451 4.3.0 Please try again later"
        if mode == "550":
            rcpt = envelope.rcpt_tos[0] if envelope.rcpt_tos else ""
            return f"550 5.1.1 <{rcpt}>: mailbox unavailable"

        # accept
        if self.transient_rate > 0 and self.rng.random() < self.transient_rate:
            return "451 4.3.0 Please try again later"

        raw: bytes = envelope.original_content or b""
        try:
            msg = _PARSER.parsebytes(_header_block(raw), headersonly=True)
        except Exception:
            msg = None
        headers: dict[str, str] = {}
        message_id = subject = None
        if msg is not None:
            message_id = _header(msg, "Message-ID")
            if message_id is not None:
                message_id = message_id.strip()
            subject = _header(msg, "Subject")
            for name in LOGGED_HEADERS:
                value = _header(msg, name)
                if value is not None:
                    headers[name] = value
        record: dict[str, Any] = {
            "message_id": message_id,
            "mail_from": _clean(envelope.mail_from),
            "rcpt_tos": [_clean(r) for r in envelope.rcpt_tos],
            "subject": subject,
            "headers": headers,
            "size": len(raw),
            "received_at": time.time(),
        }
        if self.keep_data:
            record["data"] = raw.decode("utf-8", "replace")

        self.accepted += 1
        n = self.accepted
        # Single asyncio thread => lines never interleave.
        self.log_file.write(json.dumps(record, ensure_ascii=False) + "\n")
        self.log_file.flush()
        return f"250 2.0.0 OK queued as {n}"


def parse_args(argv: Optional[list[str]] = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description="Configurable local SMTP sink (aiosmtpd) for tests."
    )
    p.add_argument("--port", type=int, default=0, help="TCP port (0 = pick a free one)")
    p.add_argument("--log", required=True, help="JSONL file; one line per accepted message")
    p.add_argument(
        "--mode",
        choices=["accept", "451", "550", "drop", "hang"],
        default="accept",
        help="what to do at end of DATA (default accept)",
    )
    p.add_argument(
        "--transient-rate",
        type=float,
        default=0.0,
        help="accept mode: fraction of DATA answered with 451 (0..1)",
    )
    p.add_argument("--seed", type=int, default=None, help="seed for --transient-rate")
    p.add_argument(
        "--hang-at",
        choices=["greeting", "data"],
        default="data",
        help="hang mode: never send the greeting, or never answer end of DATA",
    )
    p.add_argument("--keep-data", action="store_true", help="store raw message text in the log")
    p.add_argument("--delay-ms", type=int, default=0, help="sleep before answering end of DATA")
    args = p.parse_args(argv)
    if not 0.0 <= args.transient_rate <= 1.0:
        p.error("--transient-rate must be between 0 and 1")
    return args


async def serve(args: argparse.Namespace) -> None:
    loop = asyncio.get_running_loop()
    log_file = open(args.log, "a", buffering=1, encoding="utf-8")
    handler = SinkHandler(args, log_file)
    # Keep hung connections open (aiosmtpd's idle timeout would close them).
    timeout = 86400.0 if args.mode == "hang" else 300.0

    def factory() -> SinkSMTP:
        return SinkSMTP(
            handler,
            data_size_limit=DATA_SIZE_LIMIT,
            enable_SMTPUTF8=True,
            decode_data=False,
            hostname=HOSTNAME,  # avoid a getfqdn() DNS lookup per connection
            timeout=timeout,
            loop=loop,
        )

    server = await loop.create_server(
        factory,
        host="127.0.0.1",
        port=args.port,
        family=socket.AF_INET,
        reuse_address=True,
        backlog=1024,
    )
    port = server.sockets[0].getsockname()[1]
    sys.stdout.write(f"PORT {port}\n")
    sys.stdout.flush()

    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        server.close()
        for conn in list(handler.connections):
            if conn.transport is not None:
                conn.transport.abort()
        # Give aborted connections one loop turn to run connection_lost().
        await asyncio.sleep(0)
        log_file.flush()
        log_file.close()


def main(argv: Optional[list[str]] = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr,
                        format="smtp_sink: %(levelname)s %(name)s: %(message)s")
    try:
        asyncio.run(serve(args))
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
