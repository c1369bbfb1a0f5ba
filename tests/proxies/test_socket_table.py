"""The table of listening sockets behind the own-port checks (issue 24): read at most once a
second and shared, re-read once on a miss, read off the event loop, a set lookup per check."""

from __future__ import annotations

import asyncio
import os
import socket
import threading
from concurrent.futures import ThreadPoolExecutor

from sm_teamkit.proxies import spark
from sm_teamkit.proxies.spark import ListeningSockets, SocketTable, own_listening_ports

from .test_discovery import TCP4, TCP6


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def listener() -> socket.socket:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen()
    return s


def test_a_hit_within_the_fresh_window_reads_nothing():
    clock = Clock()
    table = ListeningSockets(clock=clock)
    with listener() as s:
        port = s.getsockname()[1]
        assert table.listens(port)
        reads = table.reads
        for _ in range(100):
            clock.now += 0.005
            assert table.listens(port)
        assert table.reads == reads


def test_a_just_started_app_is_found_by_one_re_read():
    clock = Clock()
    table = ListeningSockets(clock=clock)
    table.read()
    before = table.reads
    with listener() as s:  # after the cached reading
        assert table.listens(s.getsockname()[1])
    assert table.reads == before + 1


def test_a_closed_port_passes_only_until_the_reading_is_stale():
    clock = Clock()
    table = ListeningSockets(clock=clock)
    with listener() as s:
        port = s.getsockname()[1]
        assert table.listens(port)
    assert table.listens(port)  # the cached reading: the connection would then fail
    clock.now += spark.SOCKETS_FRESH_SECONDS
    assert not table.listens(port)


def test_another_users_port_is_refused(tmp_path):
    (tmp_path / "tcp").write_text(TCP4)
    (tmp_path / "tcp6").write_text(TCP6)
    table = ListeningSockets(paths=(str(tmp_path / "tcp"), str(tmp_path / "tcp6")))
    assert table.listens(4040, uid=1000) and table.listens(4043, uid=1000) and table.listens(4044, uid=1000)
    assert not table.listens(4041, uid=1000)  # root's
    assert not table.listens(4045, uid=1000)  # another interface only
    assert table.own_ports(1000) == {4040, 4042, 4043, 4044}
    assert table.own_ports(0) == {4041}


def test_without_proc_every_port_passes_and_none_is_listed(tmp_path):
    table = ListeningSockets(paths=(str(tmp_path / "absent"),))
    assert table.listens(1234) and table.own_ports() == set()


def test_concurrent_misses_share_one_reading():
    table = ListeningSockets(clock=Clock())
    with listener() as s, ThreadPoolExecutor(8) as pool:
        port = s.getsockname()[1]
        assert all(pool.map(lambda _: table.listens(port), range(32)))
    assert table.reads == 1


def test_the_event_loop_never_reads_proc(monkeypatch):
    readers: list[threading.Thread] = []
    real = SocketTable.read.__func__

    def recording(cls, paths, taken):
        readers.append(threading.current_thread())
        return real(cls, paths, taken)

    monkeypatch.setattr(SocketTable, "read", classmethod(recording))
    table = ListeningSockets(clock=Clock())

    async def check(port: int) -> tuple[bool, threading.Thread]:
        return await table.listens_async(port), threading.current_thread()

    with listener() as s:
        found, loop_thread = asyncio.run(check(s.getsockname()[1]))
    assert found and readers and loop_thread not in readers


def test_own_listening_ports_names_this_users_loopback_listeners():
    with listener() as s:
        port = s.getsockname()[1]
        spark.SOCKETS.read(spark.SOCKETS._table)  # a reading that has it
        assert port in own_listening_ports()
        assert port not in own_listening_ports(uid=os.geteuid() + 1)
