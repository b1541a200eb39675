"""Shared parts of the load, overload and crash drills (Python standard
library only): a scale database, a real `attune serve`, signed-in parents
and facilitators, and wrk runs parsed into numbers."""

import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def attune_bin():
    """The release binary (benches/load.sh builds it)."""
    path = os.environ.get("ATTUNE_BIN")
    if path:
        return path
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    return os.path.join(target, "release", "attune")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class ScaleData:
    """What `attune demo --scale N --links FILE` made and printed."""

    db_path: str
    seconds: float
    facilitator_email: str
    facilitator_password: str
    cohort_id: int
    # (link path "/p/…", session number whose reflection is open)
    parents: list = field(default_factory=list)


def make_scale_db(n, folder):
    """A fresh SQLite database with `n` parents; returns ScaleData."""
    db_path = os.path.join(folder, f"scale{n}.db")
    links_path = os.path.join(folder, f"links{n}.txt")
    for p in (db_path, db_path + "-wal", db_path + "-shm", links_path):
        if os.path.exists(p):
            os.remove(p)
    env = dict(os.environ, DATABASE_URL=f"sqlite://{db_path}", LOG="warn")
    start = time.monotonic()
    out = subprocess.run(
        [attune_bin(), "demo", "--scale", str(n), "--links-file", links_path],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    seconds = time.monotonic() - start
    email = re.search(r"Sign in at \S+ as (\S+@\S+)", out)
    password = re.search(r"Password:\s*(\S+)", out)
    cohort = re.search(r"/cohorts/(\d+)", out)
    if not (email and password and cohort):
        raise SystemExit(f"could not read the scale output:\n{out}")
    parents = []
    with open(links_path) as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 2:
                parents.append((parts[0], int(parts[1])))
    return ScaleData(db_path, seconds, email.group(1), password.group(1), int(cohort.group(1)), parents)


class Server:
    """`attune serve` on a free port, killed on exit."""

    def __init__(self, db_path, extra_env=None, log_path=None):
        self.db_path = db_path
        self.port = free_port()
        self.extra_env = extra_env or {}
        self.log_path = log_path or os.path.join(tempfile.gettempdir(), f"attune-load-{self.port}.log")
        self.proc = None

    @property
    def base(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self, wait=30.0):
        env = dict(
            os.environ,
            DATABASE_URL=f"sqlite://{self.db_path}",
            BIND=f"127.0.0.1:{self.port}",
            OUTBOX_WORKER="off",
            LOAD_TEST_ROUTE="on",
            LOG="warn",
        )
        env.update(self.extra_env)
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([attune_bin(), "serve"], env=env, stdout=self.log, stderr=self.log)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"attune serve exited with {self.proc.returncode}; see {self.log_path}")
            try:
                status, _, _ = request(self.base, "GET", "/healthz", timeout=1)
                if status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.05)
        raise SystemExit(f"attune serve did not answer within {wait} s; see {self.log_path}")

    def rss_kb(self, key="VmRSS"):
        try:
            with open(f"/proc/{self.proc.pid}/status") as f:
                for line in f:
                    if line.startswith(key + ":"):
                        return int(line.split()[1])
        except OSError:
            return None
        return None

    def kill(self, sig=signal.SIGKILL):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait()

    def stop(self):
        self.kill(signal.SIGTERM)


class RssSampler:
    """Samples a process's resident memory every `every` seconds."""

    def __init__(self, server, every=0.1):
        self.server, self.every = server, every
        self.peak_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            kb = self.server.rss_kb()
            if kb:
                self.peak_kb = max(self.peak_kb, kb)
            time.sleep(self.every)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def request(base, method, path, body=None, cookie=None, timeout=10, headers=None):
    """One HTTP request without following redirects: (status, headers, body)."""
    u = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
    h = dict(headers or {})
    if cookie:
        h["Cookie"] = cookie
    if body is not None:
        if isinstance(body, dict):
            body = urllib.parse.urlencode(body)
        h["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        conn.request(method, path, body=body, headers=h)
        res = conn.getresponse()
        return res.status, res.headers, res.read()
    finally:
        conn.close()


def session_cookie(headers):
    for value in headers.get_all("Set-Cookie") or []:
        pair = value.split(";", 1)[0]
        if pair.startswith(("attune_session=", "__Host-attune=")):
            return pair
    return None


def form_token(html):
    m = re.search(rb'name="csrf_token" value="([^"]+)"', html)
    if not m:
        raise SystemExit("no form token on the page")
    return m.group(1).decode()


@dataclass
class Parent:
    cookie: str
    session: int
    token: str  # the form token on their session page


def sign_in_parent(base, link, session):
    """Opens a personal link, gives consent if asked, and reads the form
    token of the session whose reflection is open."""
    status, headers, _ = request(base, "GET", link)
    cookie = session_cookie(headers)
    if status not in (302, 303) or not cookie:
        raise SystemExit(f"personal link {link} gave {status}")
    status, _, body = request(base, "GET", "/me", cookie=cookie)
    if b'action="/me/consent"' in body:
        request(base, "POST", "/me/consent", {"csrf_token": form_token(body)}, cookie=cookie)
        status, _, body = request(base, "GET", "/me", cookie=cookie)
    if status != 200:
        raise SystemExit(f"/me gave {status}")
    status, _, body = request(base, "GET", f"/me/sessions/{session}", cookie=cookie)
    if status != 200 or b"/reflection" not in body:
        raise SystemExit(f"session {session} has no open reflection form ({status})")
    return Parent(cookie, session, form_token(body))


def sign_in_facilitator(base, email, password):
    status, headers, body = request(base, "GET", "/login")
    cookie = session_cookie(headers)
    status, headers, _ = request(
        base,
        "POST",
        "/login",
        {"csrf_token": form_token(body), "next": "", "email": email, "password": password},
        cookie=cookie,
    )
    cookie = session_cookie(headers) or cookie
    if status != 303:
        raise SystemExit(f"facilitator sign-in gave {status}")
    return cookie


def home_requests(parents):
    """wrk requests: each parent's home page in turn."""
    return dict(requests_lua=[("GET", "/me", {"Cookie": p.cookie}, None) for p in parents])


def submit_requests(parents, text):
    """wrk requests: each parent sends their open reflection in turn;
    `text(i)` is parent i's answer."""
    return dict(
        requests_lua=[
            (
                "POST",
                f"/me/sessions/{p.session}/reflection",
                {"Cookie": p.cookie, "Content-Type": "application/x-www-form-urlencoded"},
                reflection_body(p, text(i)),
            )
            for i, p in enumerate(parents)
        ]
    )


def reflection_body(parent, text):
    return urllib.parse.urlencode(
        {"csrf_token": parent.token, "answer_0": text, "answer_1": "", "action": "send"}
    )


@dataclass
class WrkResult:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int  # non-2xx/3xx plus socket errors
    timeouts: int
    statuses: dict

    def row(self):
        return {
            "rps": round(self.rps),
            "p50_ms": round(self.p50_ms, 2),
            "p99_ms": round(self.p99_ms, 2),
            "requests": self.requests,
            "errors": self.errors,
            "timeouts": self.timeouts,
            "statuses": self.statuses,
        }


def _ms(text):
    m = re.match(r"([\d.]+)(us|ms|s)", text)
    value, unit = float(m.group(1)), m.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value


LUA_COMMON = r"""
local threads = {}
function setup(thread) table.insert(threads, thread) end
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
function done(summary, latency, requests)
  local agg = {}
  for _, t in ipairs(threads) do
    local s = t:get("statuses")
    for k, v in pairs(s) do agg[tostring(k)] = (agg[tostring(k)] or 0) + v end
  end
  local parts = {}
  for k, v in pairs(agg) do table.insert(parts, string.format('"%s": %d', k, v)) end
  io.write("STATUSES {" .. table.concat(parts, ", ") .. "}\n")
end
"""


def wrk(url, connections, seconds, threads=2, requests_lua=None, headers=None, count_statuses=True, timeout="2s"):
    """Runs wrk and parses its summary. `requests_lua` is a list of
    (method, path, headers dict, body) cycled through per thread."""
    lua = "statuses = {}\n" if count_statuses else ""
    if count_statuses:
        lua += LUA_COMMON
    if requests_lua:
        items = []
        for method, path, hdrs, body in requests_lua:
            h = ", ".join(f'["{k}"] = {json.dumps(v)}' for k, v in hdrs.items())
            items.append(f"wrk.format({json.dumps(method)}, {json.dumps(path)}, {{{h}}}, {json.dumps(body) if body else 'nil'})")
        lua += "local reqs = nil\nlocal i = 0\n"
        lua += "function init(args) statuses = {}; reqs = {" + ", ".join(items) + "}; i = math.random(#reqs) end\n"
        lua += "function request() i = i % #reqs + 1; return reqs[i] end\n"
    elif count_statuses:
        lua += "function init(args) statuses = {} end\n"
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(lua)
        script = f.name
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", f"--timeout={timeout}", "-s", script]
    for k, v in (headers or {}).items():
        cmd += ["-H", f"{k}: {v}"]
    cmd.append(url)
    try:
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    finally:
        os.unlink(script)
    rps = float(re.search(r"Requests/sec:\s*([\d.]+)", out).group(1))
    p50 = _ms(re.search(r"^\s*50%\s+(\S+)", out, re.M).group(1))
    p99 = _ms(re.search(r"^\s*99%\s+(\S+)", out, re.M).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses:\s*(\d+)", out)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    socket_errors = sum(int(x) for x in sock.groups()[:3]) if sock else 0
    timeouts = int(sock.group(4)) if sock else 0
    statuses = {}
    m = re.search(r"^STATUSES (\{.*\})$", out, re.M)
    if m:
        statuses = json.loads(m.group(1))
    errors = (int(non2xx.group(1)) if non2xx else 0) + socket_errors + timeouts
    return WrkResult(rps, p50, p99, total, errors, timeouts, statuses)


def ensure_wrk():
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: run benches/load.sh, which installs it (apt-get install wrk)")
