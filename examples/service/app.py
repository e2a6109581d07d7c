"""A small case-management service embedding pathways (standard library only).

Run it::

    python examples/service/app.py pathways/kh/csa-in-person.yaml --db cases.db --port 8080

Routes (JSON in, JSON out):

    POST /cases                      {"data": {...}, "entry": "...", "case_id": "...",
                                      "actor": {"id": "...", "role": "..."}}
    GET  /cases?step=S&overdue_at=T  {"cases": [ids]}
    GET  /cases/<id>                 the case snapshot plus "due" and "overdue_now"
    POST /cases/<id>/events          {"event": "...", "actor": {"id": "...", "role": "..."},
                                      "note": "...", "data": {...}}
    POST /cases/<id>/accept          {"actor": {...}}
    POST /cases/<id>/decline         {"actor": {...}, "reason": "..."}
    GET  /notifications              what the on_enter hook queued (the "notify the agency" outbox)

Errors: 400 bad input, 403 the role may not do that, 404 no such case, 409 the case changed
since it was loaded (retry), 422 the event is not allowed now. Every write is load, act, save:
the store's optimistic concurrency turns a lost race into a 409, never a lost update.

This is an example: it takes the actor from the request body. A real service takes the
identity and role from its authentication, never from the client.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pathways as pw
from pathways.clock import Clock
from pathways.store import SQLiteStore

_CASE = re.compile(r"^/cases/([^/]+)(?:/(events|accept|decline))?$")


class Service:
    """The engine, the store and the notification outbox behind the HTTP handler."""

    def __init__(self, pathway: pw.Pathway, db: str, clock: Clock | None = None) -> None:
        self.outbox: list[dict[str, str]] = []
        self._outbox_lock = threading.Lock()
        self.engine = pw.Engine(pathway, clock=clock, on_enter=self._notify)
        self.store = SQLiteStore(db)

    def _notify(self, step: str, case: pw.Case) -> None:
        # Runs after the case record changed. A real hook would queue a message to the agency
        # responsible for `step`; sending it after store.save() succeeded is the caller's job.
        agency = self.engine.pathway.agency_of(step) or ""
        with self._outbox_lock:
            self.outbox.append({"case": case.id, "step": step, "agency": agency})

    def view(self, case: pw.Case) -> dict[str, Any]:
        out = case.to_dict()
        out["due"] = [d.to_dict() for d in case.due()]
        out["overdue_now"] = [d.to_dict() for d in case.overdue(self.engine.clock.now())]
        return out


def _actor(body: dict[str, Any]) -> pw.Actor:
    actor = body.get("actor")
    if not isinstance(actor, dict):
        raise ValueError('"actor" must be an object {"id": ..., "role": ...}')
    return pw.Actor(id=actor.get("id"), role=actor.get("role"))  # type: ignore[arg-type]


class Handler(BaseHTTPRequestHandler):
    service: Service  # set by make_server
    server_version = "pathways-example/1"

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output quiet

    def _send(self, status: int, body: Any) -> None:
        data = json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> dict[str, Any]:
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        if not isinstance(body, dict):
            raise ValueError("the request body must be a JSON object")
        return body

    def _guarded(self, action: Any) -> None:
        try:
            status, body = action()
        except KeyError as exc:
            status, body = 404, {"error": str(exc.args[0]) if exc.args else "not found"}
        except pw.NotAuthorized as exc:
            status, body = 403, {"error": str(exc)}
        except pw.TransitionNotAllowed as exc:
            status, body = 422, {"error": str(exc)}
        except pw.ConflictError as exc:
            status, body = 409, {"error": str(exc)}
        except (pw.CaseError, ValueError) as exc:
            status, body = 400, {"error": str(exc)}
        self._send(status, body)

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        svc = self.service
        if url.path == "/cases":
            query = parse_qs(url.query)

            def listing() -> tuple[int, Any]:
                at = query.get("overdue_at", [None])[0]
                when = dt.datetime.fromisoformat(at) if at else None
                return 200, {"cases": svc.store.list(query.get("step", [None])[0], when)}

            return self._guarded(listing)
        if url.path == "/notifications":
            return self._send(200, {"notifications": list(svc.outbox)})
        match = _CASE.match(url.path)
        if match and match.group(2) is None:
            return self._guarded(lambda: (200, svc.view(svc.store.load(match[1], svc.engine))))
        return self._send(404, {"error": f"no route {url.path}"})

    def do_POST(self) -> None:
        url = urlsplit(self.path)
        svc = self.service
        if url.path == "/cases":

            def create() -> tuple[int, Any]:
                body = self._body()
                actor = _actor(body) if "actor" in body else None
                case = svc.engine.open(
                    data=body.get("data") or {},
                    entry=body.get("entry"),
                    case_id=body.get("case_id"),
                    actor=actor,
                )
                svc.store.save(case)
                return 201, svc.view(case)

            return self._guarded(create)
        match = _CASE.match(url.path)
        if not match or match.group(2) is None:
            return self._send(404, {"error": f"no route {url.path}"})
        case_id, verb = match[1], match[2]

        def act() -> tuple[int, Any]:
            body = self._body()
            actor = _actor(body)
            case = svc.store.load(case_id, svc.engine)
            if verb == "events":
                event = body.get("event")
                if not isinstance(event, str):
                    raise ValueError('"event" must be a string')
                case.fire(event, actor=actor, note=body.get("note"), data=body.get("data"))
            elif verb == "accept":
                case.accept(actor, note=body.get("note"))
            else:
                case.decline(actor, body.get("reason") or "")
            svc.store.save(case)
            return 200, svc.view(case)

        return self._guarded(act)


def make_server(
    pathway: pw.Pathway,
    db: str,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    clock: Clock | None = None,
) -> ThreadingHTTPServer:
    """A threaded HTTP server for ``pathway`` with cases in the SQLite file ``db``
    (port 0: an ephemeral port, read it from ``server.server_address``)."""
    handler = type("BoundHandler", (Handler,), {"service": Service(pathway, db, clock)})
    return ThreadingHTTPServer((host, port), handler)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pathway", help="the pathway file")
    parser.add_argument("--db", default="cases.db", help="the SQLite case store")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    args = parser.parse_args(argv)
    server = make_server(pw.load(args.pathway), args.db, host=args.host, port=args.port)
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
