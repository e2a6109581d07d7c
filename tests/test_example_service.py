"""examples/service: the embedded engine and SQLite store driven over HTTP on localhost."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import pathways as pw
from pathways.clock import SimulatedClock

from .conftest import REPO

T0 = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)


def _load_app() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "pathways_example_service", REPO / "examples" / "service" / "app.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


P = pw.load("pathways/kh/csa-in-person.yaml")
TOKENS = {f"t-{r.id}": pw.Actor(id=f"{r.id}-1", role=r.id) for r in P.roles}
# a social worker employed by APLE (the legal-aid NGO), not by DoSVY
TOKENS["t-aple-social"] = pw.Actor(id="aple-sw", role="social_worker", agency="aple")


class Client:
    def __init__(self, base: str) -> None:
        self.base = base

    def call(
        self, method: str, path: str, body: Any = None, role: str | None = "police_officer"
    ) -> tuple[int, Any]:
        data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        if role is not None:
            request.add_header("Authorization", f"Bearer t-{role}")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            with exc:
                return exc.code, json.loads(exc.read())


@pytest.fixture
def service(tmp_path: Path) -> Iterator[tuple[Client, Any, SimulatedClock]]:
    app = _load_app()
    clock = SimulatedClock(T0)
    server = app.make_server(P, str(tmp_path / "cases.db"), TOKENS, clock=clock, timeout=1.0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    try:
        yield Client(f"http://{host}:{port}"), server, clock
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def test_a_case_travels_through_the_service(
    service: tuple[Client, Any, SimulatedClock],
) -> None:
    """Open, fire, refer and decline over HTTP; the store and the outbox follow."""
    client, server, clock = service
    status, case = client.call(
        "POST",
        "/cases",
        {
            "data": {"hours_since_incident": 10, "risk": "high"},
            "entry": "report_police",
            "case_id": "c-1",
        },
    )
    assert status == 201 and case["step"] == "report_police" and case["version"] == 1
    assert [d["id"] for d in case["due"]] == ["pep-window"]
    # the medical, police and social-work tracks start together at start_tracks (SPEC 7.1);
    # "at" names the track where the case has several
    walk = [
        ("to_notify", "police_officer", None),
        ("to_consent", "police_officer", None),
        ("to_start_tracks", "social_worker", None),
        ("tracks", "social_worker", None),
        ("to_medical_urgent", "social_worker", "timing_check"),
        ("to_placement_shelter", "social_worker", "risk_assessment"),
    ]
    for event, role, track in walk:
        clock.advance(hours=2)
        status, case = client.call(
            "POST", "/cases/c-1/events", {"event": event, "at": track}, role=role
        )
        assert status == 200, case
    steps = [t["step"] for t in case["tracks"]]
    assert steps == ["medical_urgent", "interview", "placement_shelter"] and case["step"] is None
    assert case["referrals"][0]["answer"] is None
    status, case = client.call(
        "POST", "/cases/c-1/decline", {"reason": "full"}, role="shelter_caseworker"
    )
    assert status == 200 and "placement_kin" in [t["step"] for t in case["tracks"]]
    status, body = client.call("GET", "/cases?step=placement_kin")
    assert body == {"cases": ["c-1"]}
    status, stored = client.call("GET", "/cases/c-1", role="shelter_caseworker")
    assert stored["version"] == 8 and len(stored["history"]) == 8
    assert stored["withheld"] == {"fields": 0, "notes": 0}
    assert (
        pw.Engine(server.RequestHandlerClass.service.engine.pathway)
        .restore({k: v for k, v in stored.items() if k not in ("due", "overdue_now", "withheld")})
        .verify()
    )
    status, outbox = client.call("GET", "/notifications")
    assert [n["step"] for n in outbox["notifications"]][-2:] == [
        "placement_shelter",
        "placement_kin",
    ]
    assert outbox["notifications"][-1]["agency"] == "dosvy"


def test_refusals_map_to_http_errors_and_change_nothing(
    service: tuple[Client, Any, SimulatedClock],
) -> None:
    """400 bad data, 403 wrong role (in the access log), 404 unknown case, 422 event not
    allowed, 409 conflict."""
    client, server, _ = service
    status, body = client.call(
        "POST", "/cases", {"data": {"risk": "mid"}, "entry": "report_police"}
    )
    assert status == 400 and "'risk'" in body["error"]
    client.call("POST", "/cases", {"entry": "report_police", "case_id": "c-2"})
    status, body = client.call("POST", "/cases/c-2/events", {"event": "to_notify"}, role="doctor")
    assert status == 403 and "'doctor'" in body["error"]
    (denial,) = server.RequestHandlerClass.service.store.denials()
    assert (denial["actor"], denial["case"]) == ("doctor-1", "c-2")
    assert denial["action"] == "POST /cases/c-2/events" and "'doctor'" in denial["reason"]
    status, body = client.call("POST", "/cases/c-2/events", {"event": "to_closed"})
    assert status == 422 and body["error"].startswith("Can't to_closed when in report_police")
    status, body = client.call("GET", "/cases/nope")
    assert status == 404
    status, body = client.call("POST", "/cases", {"entry": "report_police", "case_id": "c-2"})
    assert status == 409
    status, case = client.call("GET", "/cases/c-2")
    assert case["version"] == 1 and len(case["history"]) == 1
    status, body = client.call("GET", "/cases?overdue_at=2026-03-05T00:00:00%2B00:00")
    assert body == {"cases": ["c-2"]}  # the 72 h PEP window ran out


def test_another_agency_is_refused_until_the_case_is_referred_to_it(
    service: tuple[Client, Any, SimulatedClock],
) -> None:
    """A social worker of APLE may not act on DoSVY's step of a case not referred to APLE:
    403, one message naming the actor, the step and both agencies, recorded in the access log
    with the agency; DoSVY's own social worker then acts."""
    client, server, _ = service
    client.call("POST", "/cases", {"entry": "report_police", "case_id": "c-3"})
    for event in ("to_notify", "to_consent"):
        assert client.call("POST", "/cases/c-3/events", {"event": event})[0] == 200
    status, body = client.call(
        "POST", "/cases/c-3/events", {"event": "to_start_tracks"}, role="aple-social"
    )
    assert status == 403
    assert body["error"] == (
        "actor 'aple-sw' ('social_worker' of agency 'aple') may not fire 'to_start_tracks' at "
        "'consent' of case 'c-3': the step belongs to agency 'dosvy' and the case is not "
        "referred to 'aple' (it is referred to no agency)"
    )
    (denial,) = server.RequestHandlerClass.service.store.denials()
    assert (denial["actor"], denial["agency"], denial["case"]) == ("aple-sw", "aple", "c-3")
    status, case = client.call(
        "POST", "/cases/c-3/events", {"event": "to_start_tracks"}, role="social_worker"
    )
    assert status == 200 and case["version"] == 4


def raw_request(base: str, text: bytes, wait: float = 5.0) -> bytes:
    """Send ``text`` on a plain socket and read the answer until the server closes."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=wait) as sock:
        sock.sendall(text)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_bad_requests_get_their_status_and_a_json_error(
    service: tuple[Client, Any, SimulatedClock], tmp_path: Path
) -> None:
    """401 without or with an unknown token, 405 for PUT/DELETE, 413 for a big body, 400 for
    deep JSON and bad JSON, 404 without the database path; ids are URL-decoded."""
    client, _, _ = service
    assert client.call("GET", "/cases", role=None)[0] == 401
    assert client.call("GET", "/cases", role="nobody")[0] == 401
    for method in ("PUT", "DELETE", "PATCH"):
        status, body = client.call(method, "/cases/c-1", {})
        assert status == 405 and "not allowed" in body["error"]
    status, body = client.call("POST", "/cases", {"note": "x" * (70 * 1024)})
    assert status == 413 and "error" in body
    status, body = client.call("POST", "/cases", b"[" * 5000 + b"]" * 5000)
    assert status == 400 and "JSON" in body["error"]
    status, body = client.call("POST", "/cases", {"entry": "report_police", "case_id": "a b/c"})
    assert status == 201
    status, body = client.call("GET", "/cases/a%20b%2Fc")
    assert status == 200 and body["id"] == "a b/c"
    status, body = client.call("GET", "/cases/nope")
    assert status == 404 and str(tmp_path) not in json.dumps(body) and ".db" not in body["error"]


def test_a_refused_request_notifies_no_one(service: tuple[Client, Any, SimulatedClock]) -> None:
    """Notifications go to the outbox with the save: a duplicate POST (409) sends nothing."""
    client, _, _ = service
    case = {"entry": "report_police", "case_id": "n-1"}
    assert client.call("POST", "/cases", case)[0] == 201
    assert client.call("POST", "/cases", case)[0] == 409
    _, body = client.call("GET", "/notifications")
    assert [n["case"] for n in body["notifications"]] == ["n-1"]


def test_a_slow_client_does_not_block_others(service: tuple[Client, Any, SimulatedClock]) -> None:
    """A client that promises a long body and sends a few bytes holds only its own thread,
    and is cut off after the server's timeout (1 s here)."""
    client, _, _ = service
    host, port = client.base.removeprefix("http://").split(":")
    slow = socket.create_connection((host, int(port)), timeout=10)
    slow.sendall(
        b"POST /cases HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer t-police_officer\r\n"
        b'Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"a'
    )
    started = time.monotonic()
    assert client.call("GET", "/cases")[0] == 200  # served while the slow one waits
    assert time.monotonic() - started < 1.0
    answer = b""
    while chunk := slow.recv(65536):
        answer += chunk
    slow.close()
    assert answer.startswith(b"HTTP/1.0 408") and b'"error"' in answer


def test_reminder_command_lists_unmet_deadlines_per_agency(
    service: tuple[Client, Any, SimulatedClock], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`app.py remind` prints, per agency, the open cases with a deadline falling due."""
    client, _, _ = service
    client.call("POST", "/cases", {"entry": "report_police", "case_id": "r-1"})
    app = _load_app()
    at = (T0 + dt.timedelta(days=10)).isoformat()
    assert (
        app.main(
            [
                "remind",
                "pathways/kh/csa-in-person.yaml",
                "--db",
                str(tmp_path / "cases.db"),
                "--at",
                at,
            ]
        )
        == 0
    )
    assert capsys.readouterr().out == "commune_police: r-1\n"
