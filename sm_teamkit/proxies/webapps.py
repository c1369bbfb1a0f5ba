"""The panel's "Web apps": the loopback ports this user's own processes listen on (the rule of
``proxy/<port>/``, read from the shared socket table), each named by the command that owns it
and linked through the proxy, with the flag a well-known app needs to be served there.

The owner of a socket is found by its inode among the ``/proc/<pid>/fd`` links of this user's
processes: one scan when a socket appears that was not seen before, none otherwise."""

from __future__ import annotations

import json
import os
import re
import threading
from dataclasses import asdict, dataclass
from pathlib import Path

from .spark import SOCKETS, ListeningSockets

COMMAND_LIMIT = 300  # characters of a command line sent to the panel
INTERPRETERS = re.compile(r"^(python[0-9.]*|pypy[0-9.]*|node|nodejs|bun|deno)$")
PYTHON_OPTIONS_WITH_VALUE = {"-X", "-W", "-Q"}


@dataclass(frozen=True)
class AppKind:
    """A well-known web app: how to recognise it and how it is served through the proxy.
    ``flag`` is what it needs for that (``{path}``: the link's path without its last slash);
    ``option`` is how its command line shows the flag was given ("" when it cannot: an
    environment variable or a call in code)."""

    name: str
    words: tuple[str, ...]
    absolute: bool = False  # served at proxy/absolute/<port>/: the app sees the full path
    flag: str = ""
    option: str = ""
    hidden: bool = False  # not a web app of its own (Spark's JVM: listed as Spark UIs)
    marks: tuple[str, ...] = ()  # an argument, or a folder of the program's path, that names it


# First match wins. Streamlit and TensorBoard are exercised by tests/ui/test_webapps.py; the
# other flags are the ones each project documents for serving under a path prefix.
KINDS: tuple[AppKind, ...] = (
    AppKind("Spark", (), hidden=True, marks=("org.apache.spark.deploy.SparkSubmit",)),
    # TensorBoard's own gRPC data server (.../tensorboard_data_server/bin/server), a child of it
    AppKind("TensorBoard data server", (), hidden=True, marks=("tensorboard_data_server",)),
    AppKind("Streamlit", ("streamlit",), True, "--server.baseUrlPath {path}", "--server.baseUrlPath"),
    AppKind("TensorBoard", ("tensorboard",)),
    AppKind("Gradio", ("gradio",), False, "GRADIO_ROOT_PATH={path}"),
    AppKind("code-server", ("code-server",)),
    AppKind("Voilà", ("voila",), True, "--Voila.base_url={path}/", "--Voila.base_url"),
    AppKind("Panel", ("panel",), True, "--prefix {path}", "--prefix"),
    AppKind("Bokeh", ("bokeh",), True, "--prefix {path}", "--prefix"),
    AppKind("Uvicorn", ("uvicorn",), False, "--root-path {path}", "--root-path"),
    AppKind("Gunicorn", ("gunicorn",)),
    AppKind("Flask", ("flask",)),
    AppKind("Dash", ("dash",), False, "DASH_REQUESTS_PATHNAME_PREFIX={path}/"),
    AppKind("http.server", ("http.server",)),
    AppKind("kernel", ("ipykernel_launcher", "ipykernel")),  # an app run inside a notebook
)


@dataclass(frozen=True)
class WebApp:
    """One listening port of this user. ``link`` is a path under the Jupyter base URL."""

    port: int
    app: str  # the well-known name, else the script's or executable's basename ("": owner unknown)
    command: str  # the owning process's command line, shortened
    pid: int  # 0 when no process of this user holds the socket (e.g. another container)
    link: str
    flag: str  # what the app needs to be served at ``link`` ("" nothing)
    flag_missing: bool  # its command line lacks that flag: restart it with the flag


@dataclass(frozen=True)
class Owner:
    pid: int
    argv: tuple[str, ...]


def command_words(argv: tuple[str, ...] | list[str]) -> list[str]:
    """The names a command goes by: the executable's basename and, for an interpreter, the
    module after ``-m`` or the script's basename (``python -m streamlit``, ``node .../code-server``)."""
    if not argv:
        return []
    # A process title set by the app itself (gunicorn: "gunicorn: master [app]") is one word.
    exe = os.path.basename(re.split(r"[\s:]", argv[0], maxsplit=1)[0])
    words = [exe]
    if INTERPRETERS.match(exe):
        args = iter(argv[1:])
        for arg in args:
            if arg == "-m":
                words.append(next(args, ""))
            elif arg.startswith("-m") and len(arg) > 2:
                words.append(arg[2:])
            elif arg == "-c":
                pass
            elif arg in PYTHON_OPTIONS_WITH_VALUE:
                next(args, None)
                continue
            elif arg.startswith("-"):
                continue
            else:
                words.append(os.path.basename(arg.rstrip("/")))
            break
    return words


def kind_of(argv: tuple[str, ...] | list[str]) -> AppKind | None:
    """The well-known app a command line runs, if any."""
    words = command_words(argv)
    folders = set(argv[0].split("/")) if argv else set()
    for kind in KINDS:
        if any(mark in folders or mark in argv for mark in kind.marks):
            return kind
        for word in kind.words:
            if any(w == word or w.startswith((word + ".", word + "-")) for w in words):
                return kind
    return None


def _argv(pid: int, proc: Path) -> tuple[str, ...]:
    try:
        raw = (proc / str(pid) / "cmdline").read_bytes()
    except OSError:
        return ()
    if not raw:
        return ()  # a kernel thread or a zombie
    return tuple(part.decode(errors="replace") for part in raw.rstrip(b"\0").split(b"\0"))


def socket_owners(inodes: set[int], uid: int, proc: Path = Path("/proc")) -> dict[int, Owner]:
    """{inode: owner} for the sockets among ``inodes`` that a process of ``uid`` holds open.
    Several processes may share one (a server's forked workers): the well-known app among
    them, else the lowest pid (usually the parent)."""
    wanted = {f"socket:[{inode}]": inode for inode in inodes}
    holders: dict[int, list[int]] = {}
    try:
        entries = list(os.scandir(proc))
    except OSError:
        return {}
    for entry in entries:
        if not entry.name.isdigit():
            continue
        try:
            if entry.stat(follow_symlinks=False).st_uid != uid:
                continue
            fds = list(os.scandir(os.path.join(entry.path, "fd")))
        except OSError:
            continue  # gone, or not ours to read
        for fd in fds:
            try:
                target = os.readlink(fd.path)
            except OSError:
                continue
            inode = wanted.get(target)
            if inode is not None:
                holders.setdefault(inode, []).append(int(entry.name))
    owners = {}
    for inode, pids in holders.items():
        candidates = [Owner(pid, _argv(pid, proc)) for pid in sorted(set(pids))]
        known = [c for c in candidates if kind_of(c.argv) is not None]
        owners[inode] = (known or candidates)[0]
    return owners


def kernel_ports(kernel_manager) -> set[int]:
    """The ZMQ ports of every kernel a Jupyter kernel manager runs (its connection info)."""
    ports: set[int] = set()
    if kernel_manager is None:
        return ports
    for kernel_id in list(kernel_manager.list_kernel_ids()):
        try:
            info = kernel_manager.get_kernel(kernel_id).get_connection_info()
        except Exception:  # a kernel shutting down meanwhile
            continue
        ports.update(int(v) for k, v in info.items() if k.endswith("_port") and v)
    return ports


@dataclass(frozen=True)
class JupyterRuntime:
    """What a command outside the server knows of it from Jupyter's runtime folder: its base
    URL and process (``jpserver-<pid>.json``) and its kernels' ZMQ ports (``kernel-*.json``)."""

    base_url: str = "/"
    server_pids: frozenset[int] = frozenset()
    kernel_ports: frozenset[int] = frozenset()

    @classmethod
    def read(cls, runtime_dir: str | None = None) -> JupyterRuntime:
        if runtime_dir is None:
            from jupyter_core.paths import jupyter_runtime_dir

            runtime_dir = jupyter_runtime_dir()
        servers, ports = [], set()
        try:
            names = sorted(os.listdir(runtime_dir))
        except OSError:
            return cls()
        for name in names:
            if not name.endswith(".json") or not name.startswith(("jpserver-", "kernel-")):
                continue
            try:
                with open(os.path.join(runtime_dir, name), encoding="utf-8") as f:
                    info = json.load(f)
            except (OSError, ValueError):
                continue
            if not isinstance(info, dict):
                continue
            if name.startswith("jpserver-") and _alive(info.get("pid")):
                servers.append(info)
            elif name.startswith("kernel-"):
                ports.update(int(v) for k, v in info.items() if k.endswith("_port") and isinstance(v, int))
        base = servers[0].get("base_url", "/") if len(servers) == 1 else "/"  # several: no telling which
        return cls(base, frozenset(int(s["pid"]) for s in servers), frozenset(ports))


def _alive(pid) -> bool:
    try:
        os.kill(int(pid), 0)
    except (TypeError, ValueError, ProcessLookupError):
        return False
    except PermissionError:
        return True
    return True


def _shorten(argv: tuple[str, ...]) -> str:
    """The command line as the panel shows it: the program (and an interpreter's script) by
    its basename, the arguments as given, cut at COMMAND_LIMIT characters."""
    words = command_words(argv)
    head = list(argv[:1])
    if len(words) > 1 and len(argv) > 1 and os.path.basename(argv[1].rstrip("/")) == words[1]:
        head.append(words[1])  # python /path/to/bin/streamlit ... -> python streamlit ...
    if not words:
        return ""
    first = words[0] if os.path.basename(argv[0]) == words[0] else argv[0]  # a process title as set
    text = " ".join([first, *head[1:], *argv[len(head) :]])
    return text if len(text) <= COMMAND_LIMIT else text[: COMMAND_LIMIT - 1] + "…"


def _given(argv: tuple[str, ...], option: str) -> str | None:
    """The value given to ``option`` (``--opt value`` or ``--opt=value``), without a last slash."""
    for i, arg in enumerate(argv):
        name, eq, value = arg.partition("=")
        if name == option:
            value = value if eq else (argv[i + 1] if i + 1 < len(argv) else "")
            return value.rstrip("/")
    return None


def _path(base_url: str, absolute: bool, port: int | str) -> str:
    return f"{base_url.rstrip('/')}/proxy/{'absolute/' if absolute else ''}{port}"


def starting_flags(base_url: str = "/") -> list[dict]:
    """How to start each well-known app that needs a flag so it is served through the proxy
    (``<port>`` stands for the port it is started on)."""
    return [
        {
            "app": kind.name,
            "link": _path("", kind.absolute, "<port>").lstrip("/") + "/",
            "flag": kind.flag.format(path=_path(base_url, kind.absolute, "<port>")),
        }
        for kind in KINDS
        if kind.flag
    ]


class WebAppsDiscovery:
    """This user's listening ports as web apps. The socket table is the shared one (at most
    ``SOCKETS_FRESH_SECONDS`` old); owners are cached by socket inode. Blocking: call it off
    the event loop."""

    def __init__(self, sockets: ListeningSockets = SOCKETS, proc: Path = Path("/proc"), uid: int | None = None):
        self.sockets, self.proc = sockets, proc
        self.uid = os.geteuid() if uid is None else uid
        self._lock = threading.Lock()
        self._owners: dict[int, Owner | None] = {}  # inode -> owner (None: no process of ours)
        self.scans = 0  # /proc scans so far (tests)

    def owners(self, inodes: set[int]) -> dict[int, Owner | None]:
        with self._lock:
            unknown = inodes - self._owners.keys()
            if unknown:
                found = socket_owners(unknown, self.uid, self.proc)
                self.scans += 1
                self._owners.update({inode: found.get(inode) for inode in unknown})
            self._owners = {inode: owner for inode, owner in self._owners.items() if inode in inodes}
            return dict(self._owners)

    def discover(
        self,
        base_url: str = "/",
        kernel_ports: set[int] = frozenset(),
        service_ports: set[int] = frozenset(),
        server_pids: set[int] = frozenset(),
    ) -> list[WebApp]:
        """The web apps, by port. Not listed: the kernels' ZMQ ports (``kernel_ports``), and
        every port of the processes behind ``service_ports`` (MLflow, Spark UIs: listed in
        their own section), of this process and the Jupyter servers' (``server_pids``), and
        Spark's JVMs."""
        own = self.sockets.table().sockets_by_uid.get(self.uid, ())
        inodes_by_port: dict[int, set[int]] = {}
        for s in own:
            inodes_by_port.setdefault(s.port, set()).add(s.inode)
        owners = self.owners({i for found in inodes_by_port.values() for i in found if i})
        internal = {os.getpid(), *server_pids}
        for port in service_ports:
            internal.update(o.pid for i in inodes_by_port.get(port, ()) if (o := owners.get(i)) is not None)
        apps = []
        for port in sorted(inodes_by_port):
            if port in kernel_ports or port in service_ports:
                continue
            owner = next((o for i in sorted(inodes_by_port[port]) if (o := owners.get(i)) is not None), None)
            if owner is not None and owner.pid in internal:
                continue
            app = self._describe(port, owner, base_url)
            if app is not None:
                apps.append(app)
        return apps

    @staticmethod
    def _describe(port: int, owner: Owner | None, base_url: str) -> WebApp | None:
        argv = owner.argv if owner else ()
        kind = kind_of(argv)
        if kind is not None and kind.hidden:
            return None
        absolute = bool(kind and kind.absolute)
        flag = kind.flag.format(path=_path(base_url, absolute, port)) if kind else ""
        missing = bool(kind and kind.option) and _given(argv, kind.option) != _path(base_url, absolute, port)
        words = command_words(argv)
        return WebApp(
            port=port,
            # python app.py: "app.py"; python -m pytest: "pytest"; my-server: "my-server"
            app=kind.name if kind else (words[-1] if words else ""),
            command=_shorten(argv),
            pid=owner.pid if owner else 0,
            link=_path("", absolute, port).lstrip("/") + "/",
            flag=flag,
            flag_missing=missing,
        )

    def overview(
        self, base_url: str = "/", kernel_ports=frozenset(), service_ports=frozenset(), server_pids=frozenset()
    ) -> dict:
        apps = self.discover(base_url, set(kernel_ports), set(service_ports), set(server_pids))
        return {
            "apps": [asdict(app) for app in apps],
            "starting": starting_flags(base_url),
        }


def keep_tensorboard_in_proxy(base_url: str, environ: dict | None = None) -> str:
    """Set ``TENSORBOARD_PROXY_URL`` in the server's environment, which every kernel it starts
    inherits (as ``SPARK_LOCAL_IP``): TensorBoard's ``%tensorboard`` magic then frames
    ``<base_url>proxy/<its port>/`` (``%PORT%`` is TensorBoard's placeholder) instead of
    ``localhost:<port>``, which a Studio browser cannot reach. A value the user set wins.
    Returns the value kernels get."""
    env = os.environ if environ is None else environ
    env.setdefault("TENSORBOARD_PROXY_URL", _path(base_url, False, "%PORT%") + "/")
    return env["TENSORBOARD_PROXY_URL"]
