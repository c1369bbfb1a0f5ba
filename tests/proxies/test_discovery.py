"""Spark UI discovery from /proc/net/tcp{,6} text and the redirect fix, on real kernel output
formats (lines copied from this machine while Spark ran)."""

from __future__ import annotations

import socket

from sm_teamkit.proxies.spark import (
    listening_sockets,
    parse_proc_net_tcp,
    same_host_location,
    user_spark_sockets,
)

from .defaults import spark_settings

TCP6 = """  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000000000000:0FC8 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 25806 1 000000002e433b52 100 0 0 10 0
   1: 00000000000000000000000001000000:0FC9 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 25807 1 000000002e433b52 100 0 0 10 0
   2: 0000000000000000FFFF00000100007F:0FCA 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 25808 1 000000002e433b52 100 0 0 10 0
"""
TCP4 = """  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:0FCB 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 31 1 0000000000000000 100 0 0 10 0
   1: 00000000:0FCC 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 32 1 0000000000000000 100 0 0 10 0
   2: 0200000A:0FCD 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 33 1 0000000000000000 100 0 0 10 0
   3: 0100007F:9418 0100007F:0FC8 06 00000000:00000000 03:0000176F 00000000     0        0 0 3 00000000bee11fb1
"""


def test_parses_listening_sockets_of_both_families_with_owner_and_inode():
    found = parse_proc_net_tcp(TCP6) + parse_proc_net_tcp(TCP4)
    assert [(s.port, s.address, s.uid, s.inode) for s in found] == [
        (4040, "::", 1000, 25806),
        (4041, "::1", 0, 25807),
        (4042, "127.0.0.1", 1000, 25808),  # IPv4-mapped
        (4043, "127.0.0.1", 1000, 31),
        (4044, "0.0.0.0", 1000, 32),
        (4045, "10.0.0.2", 1000, 33),
    ]  # the TIME_WAIT connection (st 06) is not a listener


def test_keeps_only_this_users_loopback_reachable_ports_in_the_range(tmp_path):
    (tmp_path / "tcp").write_text(TCP4)
    (tmp_path / "tcp6").write_text(TCP6)
    paths = (str(tmp_path / "tcp"), str(tmp_path / "tcp6"))
    sockets = listening_sockets(paths)
    assert sockets is not None and len(sockets) == 6
    # 4041 belongs to root, 4044 is past the range, 4045 listens on another interface only
    in_range = spark_settings(first_port=4040, port_count=4)
    assert user_spark_sockets(in_range, uid=1000, paths=paths) == {4040: 25806, 4042: 25808, 4043: 31}
    wider = spark_settings(first_port=4040, port_count=6)
    assert set(user_spark_sockets(wider, uid=1000, paths=paths)) == {4040, 4042, 4043, 4044}


def test_finds_a_real_listening_socket_of_this_process():
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        assert port in {s.port for s in listening_sockets() or []}
        assert user_spark_sockets(spark_settings(first_port=port, port_count=1))
    assert not user_spark_sockets(spark_settings(first_port=port, port_count=1))


def test_same_host_redirects_lose_scheme_and_host():
    ctx = "/jupyter/default/sparkui/4040"
    assert same_host_location("http://127.0.0.1:4040/jobs/", 4040, ctx) == "/jobs/"
    assert same_host_location("http://localhost:4040/stages/?id=1", 4040, ctx) == "/stages/?id=1"
    assert same_host_location("https://studio.example:443/jobs/", 4040, ctx, "studio.example:443") == "/jobs/"
    assert (
        same_host_location(
            "http://history.internal:18080/history/a/jobs/", 18080, "/sparkhistory", backend_host="history.internal"
        )
        == "/history/a/jobs/"
    )
    # already carrying the prefix (X-Forwarded-Context honoured): the proxy adds it back once
    assert same_host_location(f"http://127.0.0.1:4040{ctx}/jobs/", 4040, ctx) == "/jobs/"


def test_redirects_elsewhere_are_left_alone():
    ctx = "/jupyter/default/sparkui/4040"
    assert same_host_location("http://attacker.example/jobs/", 4040, ctx, "studio.example") is None
    assert same_host_location("http://127.0.0.1:4041/jobs/", 4040, ctx) is None
    assert same_host_location("/jobs/", 4040, ctx) is None
