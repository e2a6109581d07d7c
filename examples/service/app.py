"""A small case-management service embedding pathways (standard library only).

Run it::

    python examples/service/app.py serve pathways/kh/csa-in-person.yaml --db cases.db \
        --tokens tokens.json --port 8080
    python examples/service/app.py remind pathways/kh/csa-in-person.yaml --db cases.db

``tokens.json`` maps each bearer token to the actor it authenticates:
``{"TOKEN": {"id": "u7", "role": "police_officer", "agency": "commune_police"}}`` ("agency"
optional: without it the actor counts as working for its role's agency). Every request needs
``Authorization: Bearer TOKEN``; the actor comes from the token, never from the body. An actor
acts at a step of its own agency, and at another agency's step only while the case is referred
to its agency (docs/deploying.md, "Access by agency").

Routes (JSON in, JSON out):

    POST /cases                      {"data": {...}, "entry": "...", "case_id": "..."}
    GET  /cases?step=S&overdue_at=T&unmet_at=T&agency=A&limit=N&after=ID   {"cases": [ids]}
    GET  /cases/<id>                 the case as the actor's clearance may read it, plus
                                     "due" and "overdue_now"
    POST /cases/<id>/events          {"event": "...", "note": "...", "data": {...}, "at": "STEP"}
    POST /cases/<id>/accept          {"note": "...", "at": "STEP"}
    POST /cases/<id>/decline         {"reason": "...", "at": "STEP"}
    GET  /notifications              the notifications sent so far

"at" (optional) names the track's step when the case runs several tracks (SPEC 7.1) and the
event could move more than one; the case's "tracks" lists them.

Errors are JSON objects {"error": ...} for every method: 400 bad input (bad JSON, nesting
deeper than 32), 401 no or unknown token, 403 the role or the agency may not do that (recorded
in the store's access log, with the actor's agency), 404 no such case or
route, 405 a method other than GET and POST, 408 the body did not arrive in time, 409 the case
changed since it was loaded (retry), 413 a body over 64 KiB, 422 the event is not allowed
now, 500 anything else (no details: those go to the log). Every write is load, act, save:
the store's optimistic concurrency turns a lost race into a 409, never a lost update.

Notifications (the ``on_enter`` hook: "tell the agency the case reached your step") are
written to the store's outbox in the same transaction as the case, and sent only after the
save committed: a refused or conflicting request notifies no one.

Why the standard library's server: the example has no dependencies, and everything a
deployment needs here (timeouts, size limits, one thread per connection so a slow client
blocks only its own thread) is a few lines on top of it. Behind a reverse proxy in production.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pathways as pw
from pathways.access import view
from pathways.clock import Clock
from pathways.store import SQLiteStore

_CASE = re.compile(r"^/cases/([^/]+)(?:/(events|accept|decline))?$")
MAX_BODY = 64 * 1024
MAX_DEPTH = 32
log = logging.getLogger("pathways.example")


class HTTPError(Exception):
    """A request refused with ``status`` and a JSON ``{"error": message}``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def depth(value: Any) -> int:
    """How deeply lists and objects nest in a parsed JSON value (iteratively)."""
    deepest, todo = 0, [(value, 1)]
    while todo:
        item, level = todo.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            if level > MAX_DEPTH:
                break
            todo.extend((v, level + 1) for v in (item.values() if isinstance(item, dict) else item))
    return deepest


class Service:
    """The engine, the store, the tokens and the notifications behind the HTTP handler."""

    def __init__(
        self,
        pathway: pw.Pathway,
        db: str,
        tokens: dict[str, pw.Actor],
        clock: Clock | None = None,
    ) -> None:
        self.tokens = tokens
        self.sent: list[dict[str, str]] = []
        self._pending = threading.local()  # the notifications of the request in progress
        self._send_lock = threading.Lock()
        self.engine = pw.Engine(pathway, clock=clock, on_enter=self._notify)
        self.store = SQLiteStore(db)

    def _notify(self, step: str, case: pw.Case) -> None:
        # Runs after the case record changed, before it is saved: only collect here.
        agency = self.engine.pathway.agency_of(step) or ""
        self.pending().append({"case": case.id, "step": step, "agency": agency})

    def pending(self) -> list[dict[str, str]]:
        found: list[dict[str, str]] | None = getattr(self._pending, "messages", None)
        if found is None:
            found = self._pending.messages = []
        return found

    def save(self, case: pw.Case) -> None:
        """Save the case with the request's notifications in one transaction, then send."""
        messages, self._pending.messages = self.pending(), []
        self.store.save(case, outbox=messages)
        self.deliver()

    def deliver(self) -> None:
        """Send the committed notifications not sent yet (here: keep them in ``sent``)."""
        with self._send_lock:
            pending = self.store.outbox_pending()
            self.sent.extend(message for _, message in pending)
            self.store.outbox_sent(i for i, _ in pending)

    def view(self, case: pw.Case, actor: pw.Actor) -> dict[str, Any]:
        out = view(case, actor)
        out["due"] = [d.to_dict() for d in case.due()]
        out["overdue_now"] = [d.to_dict() for d in case.overdue(self.engine.clock.now())]
        return out

    def reminders(self, at: dt.datetime) -> dict[str, list[str]]:
        """Per agency, the open cases with a time limit not met that falls due before ``at``."""
        out = {}
        for agency in self.engine.pathway.agencies:
            found = self.store.list(unmet_deadlines_at=at, agency=agency.id)
            if found:
                out[agency.id] = found
        return out


def load_tokens(path: str) -> dict[str, pw.Actor]:
    """``{token: {"id": ..., "role": ..., "agency": ...}}`` from a JSON file ("agency"
    optional)."""
    with open(path, encoding="utf-8") as f:
        raw = json.load(f)
    return {
        token: pw.Actor(id=a["id"], role=a["role"], agency=a.get("agency"))
        for token, a in raw.items()
    }


class Handler(BaseHTTPRequestHandler):
    service: Service  # set by make_server
    server_version = "pathways-example/1"
    timeout = 10.0  # seconds a client may take to send its request (slow clients time out)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug(format, *args)

    def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _actor(self) -> pw.Actor:
        auth = self.headers.get("Authorization", "")
        scheme, _, token = auth.partition(" ")
        actor = self.service.tokens.get(token.strip()) if scheme.lower() == "bearer" else None
        if actor is None:
            raise HTTPError(401, "authentication required: Authorization: Bearer <token>")
        self.actor = actor
        return actor

    def _body(self) -> dict[str, Any]:
        text = self.headers.get("Content-Length")
        try:
            length = int(text) if text is not None else 0
        except ValueError:
            raise HTTPError(400, "Content-Length must be a number") from None
        if length < 0:
            raise HTTPError(400, "Content-Length must not be negative")
        if length > MAX_BODY:
            raise HTTPError(413, f"the body is over {MAX_BODY} bytes")
        try:
            raw = self.rfile.read(length) if length else b"{}"
        except TimeoutError:
            self.close_connection = True
            raise HTTPError(408, "the body did not arrive in time") from None
        if len(raw) < length:
            self.close_connection = True
            raise HTTPError(400, "the body is shorter than its Content-Length")
        try:
            body = json.loads(raw)
        except (ValueError, RecursionError):
            raise HTTPError(400, "the body is not valid JSON") from None
        if depth(body) > MAX_DEPTH:
            raise HTTPError(400, f"the body nests deeper than {MAX_DEPTH} levels")
        if not isinstance(body, dict):
            raise HTTPError(400, "the body must be a JSON object")
        return body

    def _guarded(self, action: Any) -> None:
        try:
            status, body = action()
        except HTTPError as exc:
            status, body = exc.status, {"error": str(exc)}
        except KeyError as exc:
            status, body = 404, {"error": str(exc.args[0]) if exc.args else "not found"}
        except pw.NotAuthorized as exc:
            status, body = 403, {"error": str(exc)}
            self._record_denial(str(exc))
        except pw.TransitionNotAllowed as exc:
            status, body = 422, {"error": str(exc)}
        except pw.ConflictError as exc:
            status, body = 409, {"error": str(exc)}
        except (pw.CaseError, ValueError) as exc:
            status, body = 400, {"error": str(exc)}
        except Exception:
            log.exception("request %s %s failed", self.command, self.path)
            status, body = 500, {"error": "internal error"}
        self._send(status, body)

    def _record_denial(self, reason: str) -> None:
        """Every NotAuthorized goes to the store's append-only access log."""
        actor = getattr(self, "actor", None)
        if actor is None:
            return
        match = _CASE.match(urlsplit(self.path).path)
        case_id = unquote(match[1]) if match else None
        self.service.store.record_denial(actor, f"{self.command} {self.path}", reason, case_id)

    def do_GET(self) -> None:
        self._guarded(self._get)

    def do_POST(self) -> None:
        self._guarded(self._post)

    def _not_allowed(self) -> None:
        self._send(405, {"error": f"{self.command} is not allowed"}, {"Allow": "GET, POST"})

    do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _not_allowed

    def _get(self) -> tuple[int, Any]:
        actor = self._actor()
        url = urlsplit(self.path)
        svc = self.service
        if url.path == "/cases":
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            times = {}
            for name in ("overdue_at", "unmet_at"):
                if name in query:
                    times[name] = dt.datetime.fromisoformat(query[name])
            limit = int(query["limit"]) if "limit" in query else None
            found = svc.store.list(
                query.get("step"),
                times.get("overdue_at"),
                unmet_deadlines_at=times.get("unmet_at"),
                agency=query.get("agency"),
                limit=limit,
                after=query.get("after"),
            )
            return 200, {"cases": found}
        if url.path == "/notifications":
            return 200, {"notifications": list(svc.sent)}
        match = _CASE.match(url.path)
        if match and match.group(2) is None:
            return 200, svc.view(svc.store.load(unquote(match[1]), svc.engine), actor)
        raise HTTPError(404, "no such route")

    def _post(self) -> tuple[int, Any]:
        actor = self._actor()
        url = urlsplit(self.path)
        svc = self.service
        body = self._body()
        svc._pending.messages = []
        if url.path == "/cases":
            case = svc.engine.open(
                data=body.get("data") or {},
                entry=body.get("entry"),
                case_id=body.get("case_id"),
                actor=actor,
            )
            svc.save(case)
            return 201, svc.view(case, actor)
        match = _CASE.match(url.path)
        if not match or match.group(2) is None:
            raise HTTPError(404, "no such route")
        case = svc.store.load(unquote(match[1]), svc.engine)
        verb = match[2]
        track = body.get("at")  # the track's step, when the case runs several (SPEC 7.1)
        if track is not None and not isinstance(track, str):
            raise ValueError('"at" must be a step id')
        if verb == "events":
            event = body.get("event")
            if not isinstance(event, str):
                raise ValueError('"event" must be a string')
            case.fire(event, actor=actor, note=body.get("note"), data=body.get("data"), at=track)
        elif verb == "accept":
            case.accept(actor, note=body.get("note"), at=track)
        else:
            case.decline(actor, body.get("reason") or "", at=track)
        svc.save(case)
        return 200, svc.view(case, actor)


def make_server(
    pathway: pw.Pathway,
    db: str,
    tokens: dict[str, pw.Actor],
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    clock: Clock | None = None,
    timeout: float = 10.0,
) -> ThreadingHTTPServer:
    """A threaded HTTP server for ``pathway`` with cases in the SQLite file ``db`` and the
    actors of ``tokens`` (port 0: an ephemeral port, read it from ``server.server_address``).
    ``timeout``: the seconds a client may take to send a request."""
    handler = type(
        "BoundHandler",
        (Handler,),
        {"service": Service(pathway, db, tokens, clock), "timeout": timeout},
    )
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the HTTP service")
    remind = commands.add_parser("remind", help="list unmet deadlines per agency")
    for sub in (serve, remind):
        sub.add_argument("pathway", help="the pathway file")
        sub.add_argument("--db", default="cases.db", help="the SQLite case store")
    serve.add_argument(
        "--tokens", required=True, help="JSON file: token -> {id, role, agency (optional)}"
    )
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    remind.add_argument("--at", help="ISO time (default now): deadlines falling due before it")
    args = parser.parse_args(argv)
    pathway = pw.load(args.pathway)
    if args.command == "remind":
        at = dt.datetime.fromisoformat(args.at) if args.at else dt.datetime.now(dt.UTC)
        service = Service(pathway, args.db, {})
        for agency, cases in service.reminders(at).items():
            print(f"{agency}: {' '.join(cases)}")
        return 0
    server = make_server(pathway, args.db, load_tokens(args.tokens), host=args.host, port=args.port)
    print(f"serving {args.pathway} on http://{args.host}:{server.server_address[1]}")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
