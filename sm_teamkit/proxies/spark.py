"""Live Spark UIs of this user: listening sockets in the Spark UI port range, named by the
Spark REST API; the table of listening sockets the proxies' own-port checks share; and the
redirect fix that keeps the UI under the proxy prefix."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv6Address, ip_address
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from ..config_fields import FromConfig, trait

PROC_NET = ("/proc/net/tcp", "/proc/net/tcp6")
TCP_LISTEN = "0A"
# How long one reading of /proc/net serves the own-port checks: a port closed this recently may
# still pass the check (the connection then fails); a port opened since is found by a re-read.
SOCKETS_FRESH_SECONDS = 1.0
ROUTE = "sparkui"  # no "proxy" or "history" segment: Spark's own JS treats those specially


@dataclass(frozen=True)
class SparkSettings(FromConfig):
    """Ports where Spark UIs may listen (Spark tries 4040, 4041, ... up to its maxRetries),
    and the Spark History Server: c.SmTeamkit settings (their defaults live there)."""

    first_port: int = trait("spark_ui_first_port")
    port_count: int = trait("spark_ui_port_count")
    history_url: str = trait("spark_history_url")

    def allows(self, port: int) -> bool:
        return self.first_port <= port < self.first_port + self.port_count

    @property
    def ports(self) -> range:
        return range(self.first_port, self.first_port + self.port_count)


@dataclass(frozen=True)
class ListeningSocket:
    port: int
    address: str
    uid: int
    inode: int = 0  # a new socket (a new Spark app on the same port) has a new inode


@dataclass(frozen=True)
class SparkUi:
    """One live Spark application UI. ``link`` is a path under the Jupyter base URL."""

    port: int
    app_id: str
    name: str
    user: str
    started: float  # seconds since the epoch, 0 when unknown
    spark_version: str
    link: str


def _decode_address(hex_address: str) -> IPv4Address | IPv6Address:
    raw = bytes.fromhex(hex_address)
    # The kernel prints each 32-bit word in host (little-endian) order.
    words = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
    address = ip_address(words)
    if isinstance(address, IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def parse_proc_net_tcp(text: str) -> list[ListeningSocket]:
    """Listening sockets from the text of /proc/net/tcp or /proc/net/tcp6."""
    sockets = []
    for line in text.splitlines()[1:]:
        fields = line.split()
        if len(fields) < 8 or fields[3] != TCP_LISTEN:
            continue
        address_hex, _, port_hex = fields[1].partition(":")
        try:
            address = _decode_address(address_hex)
            sockets.append(
                ListeningSocket(
                    int(port_hex, 16), str(address), int(fields[7]), int(fields[9]) if len(fields) > 9 else 0
                )
            )
        except ValueError:
            continue
    return sockets


def listening_sockets(paths: tuple[str, ...] = PROC_NET) -> list[ListeningSocket] | None:
    """Every listening TCP socket on this host, or None where /proc/net is not available."""
    found: list[ListeningSocket] = []
    readable = False
    for path in paths:
        try:
            text = Path(path).read_text()
        except OSError:
            continue
        readable = True
        found.extend(parse_proc_net_tcp(text))
    return found if readable else None


def reachable_from_loopback(address: str) -> bool:
    ip = ip_address(address)
    return ip.is_loopback or ip.is_unspecified


def user_spark_sockets(
    settings: SparkSettings, uid: int | None = None, paths: tuple[str, ...] = PROC_NET
) -> dict[int, int]:
    """{port: socket inode} for ports in the Spark range with a listening socket owned by
    ``uid`` (default: this process's user) and reachable on 127.0.0.1. Without /proc, the
    ports that accept a connection (inode 0)."""
    uid = os.geteuid() if uid is None else uid
    sockets = listening_sockets(paths)
    if sockets is None:
        return {port: 0 for port in settings.ports if _accepts(port)}
    return {
        s.port: s.inode
        for s in sorted(sockets, key=lambda s: s.port)
        if settings.allows(s.port) and s.uid == uid and reachable_from_loopback(s.address)
    }


@dataclass(frozen=True)
class SocketTable:
    """One reading of /proc/net/tcp{,6}, indexed for the per-request checks: the ports each
    uid listens on where 127.0.0.1 or ::1 reaches them. ``readable`` False: no /proc."""

    ports_by_uid: dict[int, frozenset[int]]
    taken: float  # clock time the reading began
    readable: bool = True
    # The same sockets in full (port, address, inode) for the panel's web apps list.
    sockets_by_uid: dict[int, tuple[ListeningSocket, ...]] = field(default_factory=dict)

    @classmethod
    def read(cls, paths: tuple[str, ...], taken: float) -> SocketTable:
        sockets = listening_sockets(paths)
        by_uid: dict[int, list[ListeningSocket]] = {}
        for s in sockets or ():
            if reachable_from_loopback(s.address):
                by_uid.setdefault(s.uid, []).append(s)
        return cls(
            {uid: frozenset(s.port for s in found) for uid, found in by_uid.items()},
            taken,
            sockets is not None,
            {uid: tuple(found) for uid, found in by_uid.items()},
        )

    def listens(self, port: int, uid: int) -> bool:
        """Does ``uid`` listen on ``port`` reachable from loopback? True without /proc (no way
        to tell). A set lookup: the cost does not grow with the host's socket count."""
        return not self.readable or port in self.ports_by_uid.get(uid, ())


class ListeningSockets:
    """The host's listening sockets, read at most once per ``fresh_seconds`` and shared by every
    check; a miss re-reads once (a just-started app is found at once). Concurrent readers
    share one reading. Blocking reads run on the caller's thread (``listens``) or on the
    event loop's executor (``listens_async``), never on the loop itself."""

    def __init__(
        self, paths: tuple[str, ...] = PROC_NET, fresh_seconds: float = SOCKETS_FRESH_SECONDS, clock=time.monotonic
    ):
        self.paths, self.fresh_seconds, self.clock = paths, fresh_seconds, clock
        self._lock = threading.Lock()
        self._table: SocketTable | None = None
        self.reads = 0  # readings of /proc/net so far (tests, benchmarks)

    def cached(self) -> SocketTable | None:
        """The latest reading while it is fresh, else None. Never blocks."""
        table = self._table
        if table is not None and self.clock() - table.taken < self.fresh_seconds:
            return table
        return None

    def read(self, stale: SocketTable | None = None) -> SocketTable:
        """A reading other than ``stale`` (the one a caller found wanting): the latest one if
        another caller has replaced it meanwhile, else a new one."""
        with self._lock:
            table = self._table
            if table is not None and table is not stale:
                return table
            table = SocketTable.read(self.paths, self.clock())
            self.reads += 1
            self._table = table
            return table

    def table(self) -> SocketTable:
        """A fresh reading (blocking when the cached one is stale)."""
        seen = self._table
        return self.cached() or self.read(seen)

    def listens(self, port: int, uid: int | None = None) -> bool:
        """Does ``uid`` (default: this process's user) listen on ``port`` where loopback reaches it?"""
        uid = os.geteuid() if uid is None else uid
        seen = self._table
        table = self.cached()
        if table is not None and table.listens(port, uid):
            return True
        return self.read(seen).listens(port, uid)

    async def listens_async(self, port: int, uid: int | None = None) -> bool:
        """``listens`` for the event loop: a hit costs a set lookup; a miss or a stale reading
        awaits one re-read on the loop's executor."""
        uid = os.geteuid() if uid is None else uid
        seen = self._table
        table = self.cached()
        if table is not None and table.listens(port, uid):
            return True
        table = await asyncio.get_running_loop().run_in_executor(None, self.read, seen)
        return table.listens(port, uid)

    def own_ports(self, uid: int | None = None) -> set[int]:
        uid = os.geteuid() if uid is None else uid
        return set(self.table().ports_by_uid.get(uid, ()))


# One table per server process: the proxy/<port>/ and sparkui/<port>/ checks and the panel.
SOCKETS = ListeningSockets()


def own_listening_ports(uid: int | None = None) -> set[int]:
    """Loopback-reachable ports that ``uid``'s processes (default: this server's user) listen
    on, from the shared table (at most ``SOCKETS_FRESH_SECONDS`` old; blocking when stale:
    call it off the event loop). Empty where /proc/net cannot be read."""
    return SOCKETS.own_ports(uid)


def port_owner_ok(
    port: int, settings: SparkSettings, uid: int | None = None, sockets: ListeningSockets = SOCKETS
) -> bool:
    """May the proxy reach ``port``? Only Spark-range ports listened on by this user where
    loopback reaches them (no /proc, as on a macOS laptop: the range is the only guard)."""
    return settings.allows(port) and sockets.listens(port, uid)


def keep_spark_on_loopback(environ: dict | None = None) -> str:
    """Set ``SPARK_LOCAL_IP=127.0.0.1`` in the server's environment (``os.environ``), which
    every kernel it starts inherits (the image's own ``python3`` kernelspec included): a Spark
    session's UI then listens on loopback only, reached through the authenticated proxy. A
    value the user set already wins (a kernelspec's ``env`` wins over both). Returns the value
    kernels get."""
    env = os.environ if environ is None else environ
    env.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    return env["SPARK_LOCAL_IP"]


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def describe_spark_ui(port: int, timeout: float = 8.0) -> SparkUi | None:
    """Name the application behind ``port`` with Spark's REST API; None if it is not Spark."""
    url = f"http://127.0.0.1:{port}/api/v1/applications"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            apps = json.loads(response.read().decode("utf-8"))
    except (OSError, urllib.error.URLError, ValueError):
        return None
    if not isinstance(apps, list) or not apps or not isinstance(apps[0], dict):
        return None
    app = apps[0]
    attempt = (app.get("attempts") or [{}])[0] or {}
    started = attempt.get("startTimeEpoch") or 0
    return SparkUi(
        port=port,
        app_id=str(app.get("id", "")),
        name=str(app.get("name", "")),
        user=str(attempt.get("sparkUser", "")),
        started=float(started) / 1000.0 if started else 0.0,
        spark_version=str(attempt.get("appSparkVersion", "")),
        link=f"{ROUTE}/{port}/",
    )


class SparkUiDiscovery:
    """Live Spark UIs of this user, by port. Each UI is named once per listening socket: the
    first call to Spark's REST API can take seconds while Spark warms it up."""

    def __init__(self, settings: SparkSettings):
        self.settings = settings
        self._lock = threading.Lock()
        self._named: dict[tuple[int, int], SparkUi] = {}

    def discover(self) -> list[SparkUi]:
        live = user_spark_sockets(self.settings)
        with self._lock:
            self._named = {key: ui for key, ui in self._named.items() if live.get(key[0]) == key[1]}
            unnamed = [port for port, inode in live.items() if (port, inode) not in self._named or not inode]
        if unnamed:
            with ThreadPoolExecutor(max_workers=min(8, len(unnamed))) as pool:
                for port, ui in zip(unnamed, pool.map(describe_spark_ui, unnamed), strict=True):
                    if ui is not None:
                        with self._lock:
                            self._named[(port, live[port])] = ui
        with self._lock:
            return [self._named[(port, inode)] for port, inode in live.items() if (port, inode) in self._named]


def same_host_location(
    location: str, port: int, context_path: str, request_host: str = "", backend_host: str = ""
) -> str | None:
    """Spark answers ``/`` with an absolute ``Location: http://<host>/jobs/`` that would leave
    the proxy prefix. For a redirect to this backend or to the Jupyter host itself, return the
    bare path (the proxy then puts its prefix in front); None leaves the header alone."""
    parts = urlsplit(location)
    if not parts.netloc:
        return None
    same = {f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}"}
    if backend_host:
        same.add(f"{backend_host}:{port}".lower())
    if request_host:
        same.add(request_host.lower())
    if parts.netloc.lower() not in same:
        return None
    path = parts.path or "/"
    context = context_path.rstrip("/")
    if context and (path == context or path.startswith(context + "/")):
        path = path[len(context) :] or "/"  # already prefixed (X-Forwarded-Context honoured)
    return urlunsplit(("", "", path, parts.query, parts.fragment))
