#!/usr/bin/env python3
"""A fake text-message gateway for attune's tests (stdlib only).

It speaks Twilio's Messages API (form POST to
/2010-04-01/Accounts/{sid}/Messages.json with basic auth) and a generic
JSON webhook (POST /json, HMAC-SHA256 hex of the body in
X-Attune-Signature). It records every message it accepts and, when told,
answers the next requests with 429, 500, 400, a hang or garbage.

Control (for the tests):
  POST /_script   JSON list of answers for the next requests, in order:
                  "ok", "429", "500", "400", "hang", "garbage"
  GET  /_messages JSON list of accepted messages {id, to, from, body}
  POST /_inbound  JSON {url, from, body}: a signed inbound webhook as
                  Twilio would send it: {fields, signature} (HMAC-SHA1
                  over the URL and the sorted fields, base64)

Prints "PORT <n>" once listening.
"""

import argparse
import base64
import hashlib
import hmac
import json
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
MESSAGES = []
SCRIPT = []
ARGS = None


def next_answer():
    with LOCK:
        return SCRIPT.pop(0) if SCRIPT else "ok"


def twilio_signature(token, url, fields):
    data = url + "".join(k + v for k, v in sorted(fields))
    mac = hmac.new(token.encode(), data.encode(), hashlib.sha1).digest()
    return base64.b64encode(mac).decode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body, content_type="application/json"):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n)

    def do_GET(self):
        if self.path == "/_messages":
            with LOCK:
                return self.reply(200, json.dumps(MESSAGES))
        self.reply(404, json.dumps({"message": "not found"}))

    def do_POST(self):
        raw = self.body()
        if self.path == "/_script":
            with LOCK:
                SCRIPT.extend(json.loads(raw))
            return self.reply(200, "{}")
        if self.path == "/_inbound":
            ask = json.loads(raw)
            fields = [("From", ask["from"]), ("To", ARGS.number), ("Body", ask["body"]),
                      ("MessageSid", "SM" + hashlib.sha1(raw).hexdigest()[:32]),
                      ("AccountSid", ARGS.sid)]
            sig = twilio_signature(ARGS.token, ask["url"], fields)
            return self.reply(200, json.dumps({"fields": fields, "signature": sig}))
        if self.path == "/json":
            expected = hmac.new(ARGS.token.encode(), raw, hashlib.sha256).hexdigest()
            if not hmac.compare_digest(expected, self.headers.get("X-Attune-Signature", "")):
                return self.reply(401, json.dumps({"message": "bad signature"}))
            msg = json.loads(raw)
            return self.answer(msg["id"], msg["to"], msg.get("from", ""), msg["body"], "json")
        if self.path == f"/2010-04-01/Accounts/{ARGS.sid}/Messages.json":
            expected = "Basic " + base64.b64encode(f"{ARGS.sid}:{ARGS.token}".encode()).decode()
            if self.headers.get("Authorization") != expected:
                return self.reply(401, json.dumps({"code": 20003, "message": "Authenticate"}))
            form = dict(urllib.parse.parse_qsl(raw.decode(), keep_blank_values=True))
            if not form.get("To", "").startswith("+"):
                return self.reply(400, json.dumps({"code": 21211, "message": "Invalid 'To' Phone Number"}))
            key = self.headers.get("Idempotency-Key", "")
            return self.answer(key, form["To"], form.get("From", ""), form.get("Body", ""), "twilio")
        self.reply(404, json.dumps({"message": "not found"}))

    def answer(self, id_, to, from_, body, via):
        what = next_answer()
        if what == "hang":
            time.sleep(ARGS.hang)
            return self.reply(503, json.dumps({"message": "too late"}))
        if what == "garbage":
            return self.reply(200, "<html>this is not the API</html>", "text/html")
        if what in ("429", "500", "400"):
            return self.reply(int(what), json.dumps({"message": f"scripted {what}"}))
        with LOCK:
            MESSAGES.append({"id": id_, "to": to, "from": from_, "body": body, "via": via})
            n = len(MESSAGES)
        self.reply(201, json.dumps({"sid": f"SM{n:032d}", "status": "queued", "to": to}))


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A client that gave up on a hang closes its socket: not news.
        pass


def main():
    global ARGS
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--sid", default="ACtest")
    p.add_argument("--token", default="test-token")
    p.add_argument("--number", default="+15005550006")
    p.add_argument("--hang", type=float, default=20.0)
    ARGS = p.parse_args()
    server = Server(("127.0.0.1", ARGS.port), Handler)
    print(f"PORT {server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    sys.exit(0)


if __name__ == "__main__":
    main()
