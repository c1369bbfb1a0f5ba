"""Fuzz every sm-teamkit route with malformed bodies, odd paths and queries and deep nesting
(a table of cases plus seeded random ones): never a 5xx, error answers stay short JSON, the
home is unchanged and no app is deleted. Issue 17."""

from __future__ import annotations

import json
import os
import random
import re
from pathlib import Path

import pytest
from tornado.httpclient import HTTPClientError

from sm_teamkit.routes import MESSAGE_LIMIT, ROUTES

DEEP = 100_000
BODIES: list[bytes] = [
    b"",
    b"{",
    b"}",
    b"[]",
    b"null",
    b"1",
    b'"x"',
    b"true",
    b"NaN",
    b"\xff\xfe\x00",
    b"\xef\xbb\xbf{}",
    b"[" * DEEP,
    b"{" * DEEP,
    b'{"a":' * DEEP,
    b'{"paths": ' + b"[" * DEEP,
    b'{"environment": ' + b"[" * DEEP,
    b'{"action": ' + b"{" * DEEP,
    *[
        json.dumps(v).encode()
        for v in [
            {"paths": ["\u0000"]},
            {"paths": ["/tmp/\u0000x"]},
            {"paths": "x"},
            {"paths": [1]},
            {"paths": [None]},
            {"paths": ["/"]},
            {"paths": ["/etc"]},
            {"paths": ["~/../../"]},
            {"paths": [[]]},
            {"paths": {"a": 1}},
            {"paths": [""]},
            {"paths": ["x" * 5000]},
            {"action": 1},
            {"action": None},
            {"action": []},
            {"action": "CANCEL"},
            {"action": {}},
            {"action": "cancel "},
            {"action": "scan", "paths": 7},
            {"environment": "x" * 2_000_000},
            {"environment": ["a"]},
            {"environment": {"$ne": 1}},
            {"environment": "../../etc/passwd"},
            {"environment": "\u0000"},
            {"environment": None},
            {"environment": "; rm -rf ~"},
            {"environment": "$(id)"},
            {"environment": 1e308},
        ]
    ],
]
SEGMENTS = [
    "x",
    "\x00",
    "..",
    "../..",
    "%2e%2e",
    "a" * 3000,
    "é",
    "\udcff".encode("utf-8", "surrogatepass").decode("latin-1"),
    "; rm -rf ~",
    "$(id)",
    "`id`",
    "*",
    "default",
    "JupyterLab",
    "trash",
]
QUERIES = [
    {},
    {"space": "\x00"},
    {"space": "../x"},
    {"space": "s" * 5000},
    {"path": "\x00"},
    {"path": "/"},
    {"path": "../.."},
    {"path": "p" * 5000},
    {"path": ""},
    {"token": "x"},
]


def _verbs(handler) -> list[str]:
    return [
        v
        for v in ("get", "post", "delete", "put", "patch")
        if any(v in k.__dict__ for k in handler.__mro__ if k.__module__.startswith("sm_teamkit"))
    ]


def _fill(pattern: str, segment: str) -> list[str]:
    """Path parts for a route pattern with every group replaced by ``segment``."""
    return re.sub(r"\([^)]*\)", lambda _: segment.replace("/", "\x01"), pattern).split("/")


def _cases(seed: int = 17, extra: int = 120):
    """(method, path parts, query, body) for every route: the table, then seeded random ones."""
    rng = random.Random(seed)
    cases = []
    for pattern, handler in ROUTES:
        for verb in _verbs(handler):
            method = verb.upper()
            segments = SEGMENTS if "(" in pattern else ["x"]
            for segment in segments:
                parts = [p.replace("\x01", "/") for p in _fill(pattern, segment)]
                query = rng.choice(QUERIES)
                if segment == "trash":  # a real category: only with a path it must refuse
                    query = rng.choice([q for q in QUERIES if "path" in q])
                cases.append((method, parts, query, rng.choice(BODIES) if method != "GET" else None))
            if method in ("POST", "PUT", "PATCH"):
                parts = [
                    p.replace("\x01", "/") for p in _fill(pattern, "x" if pattern != "kernels/([a-z-]+)" else "repair")
                ]
                cases += [(method, parts, {}, body) for body in BODIES]
    alphabet = '{}[]":,0123456789.eE-+ \\u0000atrfnlsxNI\n\t\x00\xff'
    for _ in range(extra):
        pattern, handler = rng.choice(ROUTES)
        method = rng.choice(_verbs(handler)).upper()
        segment = "".join(rng.choice(alphabet[10:]) for _ in range(rng.randint(1, 40))).replace("/", "")
        body = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 400))).encode("utf-8", "replace")
        parts = [p.replace("\x01", "/") for p in _fill(pattern, segment or "x")]
        cases.append((method, parts, rng.choice(QUERIES), body if method != "GET" else None))
    return cases


def _snapshot(root: Path) -> dict[str, tuple]:
    found = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            st = os.lstat(path)
            found[os.path.relpath(path, root)] = (st.st_mode, st.st_size, st.st_mtime_ns)
    return found


@pytest.fixture
def lived_in_home(jp_home_dir: Path) -> Path:
    """A home with things a careless route could delete: trash, a pip cache, a notebook."""
    for rel, text in {
        ".local/share/Trash/files/old.csv": "a,b\n" * 100,
        ".cache/pip/wheels/x.whl": "w" * 5000,
        "work/analysis.ipynb": "{}",
        ".ssh/id_rsa": "secret",
    }.items():
        path = jp_home_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return jp_home_dir


@pytest.fixture
def teamkit_config(teamkit_config, lived_in_home):
    return {
        **teamkit_config,
        "storage_start_delay_seconds": -1,
        "storage_scan_interval_seconds": 0,
        "kernels_registration": False,
    }


async def test_malformed_requests_to_every_route_never_give_a_5xx_nor_change_the_home(
    jp_fetch, lived_in_home, emulator
):
    await jp_fetch("sm-teamkit", "storage", method="POST", body="{}")  # a scan, so cleanup has targets
    before, deletes = _snapshot(lived_in_home), emulator.count("DeleteApp")
    failures = []
    for method, parts, query, body in _cases():
        try:
            response = await jp_fetch(
                "sm-teamkit",
                *parts,
                method=method,
                params=query,
                body=body,
                allow_nonstandard_methods=True,
                request_timeout=120,
            )
            code, text = response.code, response.body
        except HTTPClientError as err:
            code, text = err.code, (err.response.body if err.response is not None else b"")
        label = f"{method} {'/'.join(parts)[:80]!r} {str(query)[:40]} {(body or b'')[:40]!r}"
        if code >= 500:
            failures.append(f"{code} {label}: {text[:300]!r}")
        elif code >= 400 and text.startswith(b'{"error"'):
            error = json.loads(text)["error"]
            if len(error["message"]) > MESSAGE_LIMIT + 40 or len(text) > 4 * MESSAGE_LIMIT:
                failures.append(f"long error ({len(text)} bytes) for {label}")
    assert failures == []
    assert _snapshot(lived_in_home) == before
    assert emulator.count("DeleteApp") == deletes


@pytest.mark.parametrize("action", [1, None, [], "CANCEL", {}, "scan now"])
async def test_a_storage_action_other_than_cancel_is_refused_and_starts_no_scan(jp_fetch, action):
    with pytest.raises(HTTPClientError) as info:
        await jp_fetch("sm-teamkit", "storage", method="POST", body=json.dumps({"action": action}))
    assert info.value.code == 400
    assert '"scan" or "cancel"' in json.loads(info.value.response.body)["error"]["message"]
    status = json.loads((await jp_fetch("sm-teamkit", "storage")).body)
    assert status["state"] == "idle" and status["report"] is None


@pytest.mark.parametrize("path", ["kernels/repair", "kernels/no-such-action", "storage"])
async def test_deeply_nested_json_is_a_400_that_says_so(jp_fetch, path):
    with pytest.raises(HTTPClientError) as info:
        await jp_fetch("sm-teamkit", *path.split("/"), method="POST", body="[" * DEEP)
    assert info.value.code == 400
    assert "nested too deeply" in json.loads(info.value.response.body)["error"]["message"]


async def test_a_null_byte_in_a_scan_path_is_a_400(jp_fetch):
    with pytest.raises(HTTPClientError) as info:
        await jp_fetch("sm-teamkit", "storage", method="POST", body=json.dumps({"paths": ["\u0000"]}))
    assert info.value.code == 400
    assert "NUL" in json.loads(info.value.response.body)["error"]["message"]


async def test_a_huge_echoed_value_gives_a_short_error(jp_fetch):
    with pytest.raises(HTTPClientError) as info:
        await jp_fetch(
            "sm-teamkit", "kernels", "repair", method="POST", body=json.dumps({"environment": "x" * 10_000_000})
        )
    assert info.value.code == 404
    error = json.loads(info.value.response.body)["error"]
    assert len(info.value.response.body) < 2000
    assert error["message"].startswith("No environment 'xxx") and error["message"].endswith("characters)")
    assert len(error["message"]) < MESSAGE_LIMIT + 40
