"""examples/service: the embedded engine and SQLite store driven over HTTP on localhost."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import threading
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


class Client:
    def __init__(self, base: str) -> None:
        self.base = base

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
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
    server = app.make_server(
        pw.load("pathways/kh/csa-in-person.yaml"), str(tmp_path / "cases.db"), clock=clock
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    try:
        yield Client(f"http://{host}:{port}"), server, clock
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def actor(role: str) -> dict[str, str]:
    return {"id": f"{role}-1", "role": role}


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
            "actor": actor("police_officer"),
        },
    )
    assert status == 201 and case["step"] == "report_police" and case["version"] == 1
    assert [d["id"] for d in case["due"]] == ["pep-window"]
    pathway = server.RequestHandlerClass.service.engine.pathway
    walk = [
        "to_notify",
        "to_consent",
        "to_timing_check",
        "to_medical_urgent",
        "to_risk_assessment",
        "to_placement_shelter",
    ]
    for event in walk:
        clock.advance(hours=2)
        role = pathway.steps_by_id[case["step"]].role
        status, case = client.call(
            "POST", "/cases/c-1/events", {"event": event, "actor": actor(role)}
        )
        assert status == 200, case
    assert case["step"] == "placement_shelter" and case["referrals"][0]["answer"] is None
    status, case = client.call(
        "POST", "/cases/c-1/decline", {"actor": actor("shelter_caseworker"), "reason": "full"}
    )
    assert status == 200 and case["step"] == "placement_kin"
    status, body = client.call("GET", "/cases?step=placement_kin")
    assert body == {"cases": ["c-1"]}
    status, stored = client.call("GET", "/cases/c-1")
    assert stored["version"] == 8 and len(stored["history"]) == 8
    assert (
        pw.Engine(server.RequestHandlerClass.service.engine.pathway)
        .restore({k: v for k, v in stored.items() if k not in ("due", "overdue_now")})
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
    """400 bad data, 403 wrong role, 404 unknown case, 422 event not allowed, 409 conflict."""
    client, _, _ = service
    status, body = client.call(
        "POST", "/cases", {"data": {"risk": "mid"}, "entry": "report_police"}
    )
    assert status == 400 and "'risk'" in body["error"]
    client.call("POST", "/cases", {"entry": "report_police", "case_id": "c-2"})
    status, body = client.call(
        "POST", "/cases/c-2/events", {"event": "to_notify", "actor": actor("doctor")}
    )
    assert status == 403 and "'doctor'" in body["error"]
    status, body = client.call(
        "POST", "/cases/c-2/events", {"event": "to_closed", "actor": actor("police_officer")}
    )
    assert status == 422 and body["error"].startswith("Can't to_closed when in report_police")
    status, body = client.call("GET", "/cases/nope")
    assert status == 404
    status, body = client.call("POST", "/cases", {"entry": "report_police", "case_id": "c-2"})
    assert status == 409
    status, case = client.call("GET", "/cases/c-2")
    assert case["version"] == 1 and len(case["history"]) == 1
    status, body = client.call("GET", "/cases?overdue_at=2026-03-05T00:00:00%2B00:00")
    assert body == {"cases": ["c-2"]}  # the 72 h PEP window ran out
