"""The team's idle policy for kernels and terminals, applied through Jupyter's own culling.

Kernels: the server's ``MappingKernelManager`` culls them (``cull_idle_timeout``,
``cull_interval``, ``cull_connected=True``, ``cull_busy=False``); terminals: jupyter_server_terminals'
``TerminalManager`` (``cull_inactive_timeout``, ``cull_interval``). Both managers start their
culler on their first kernel or terminal, so setting the traits when the extension loads is
enough; a culler already initialised without a timeout is initialised again. The only check of
our own is the busy cap (``idle_cull_busy_after_hours``): a kernel seen busy at every tick for
that long is shut down with the manager's ``shutdown_kernel``. Nothing here touches a kernel's
or terminal's ``last_activity`` except :meth:`IdleCuller.keep`, the user's "Keep"."""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone

from ..config_fields import FromConfig, trait
from ..errors import BadRequest, NotFound

log = logging.getLogger(__name__)

MAX_INTERVAL_SECONDS = 60  # how often the managers look, at most (a tenth of the timeout below that)


@dataclass(frozen=True, kw_only=True)
class CullSettings(FromConfig):
    """The policy (0: off)."""

    kernel_minutes: float = trait("idle_kernel_minutes")
    terminal_minutes: float = trait("idle_terminal_minutes")
    busy_cap_hours: float = trait("idle_cull_busy_after_hours")
    warning_minutes: float = trait("idle_warning_minutes")

    @property
    def kernel_seconds(self) -> int:
        return _seconds(self.kernel_minutes * 60)

    @property
    def terminal_seconds(self) -> int:
        return _seconds(self.terminal_minutes * 60)

    @property
    def busy_cap_seconds(self) -> int:
        return _seconds(self.busy_cap_hours * 3600)

    @property
    def enabled(self) -> bool:
        return bool(self.kernel_seconds or self.terminal_seconds or self.busy_cap_seconds)

    def interval(self, timeout: int) -> int:
        """Seconds between two looks for a timeout (Jupyter's cull_interval is whole seconds)."""
        return max(1, min(MAX_INTERVAL_SECONDS, timeout // 10))

    def warning_seconds(self, timeout: int) -> float:
        return min(self.warning_minutes * 60, timeout / 2)

    def to_json(self) -> dict:
        return {
            "enabled": self.enabled,
            "kernel_minutes": self.kernel_minutes,
            "terminal_minutes": self.terminal_minutes,
            "busy_cap_hours": self.busy_cap_hours,
            "warning_minutes": self.warning_minutes,
        }


def _seconds(value: float) -> int:
    """Whole seconds, at least 1 when the value is positive (0 or less: off)."""
    return max(1, round(value)) if value > 0 else 0


def _epoch(value) -> float | None:
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).timestamp()
    return None


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).isoformat()


class IdleCuller:
    """Sets the policy on the server's kernel and terminal managers, checks the busy cap, and
    says which kernels and terminals are about to be shut down. Runs on the server's event loop
    (the managers are not thread-safe); no tornado here."""

    def __init__(
        self,
        settings: CullSettings,
        kernel_manager,
        terminal_manager: Callable[[], object | None],
        clock: Callable[[], float] = time.time,
    ):
        self.settings = settings
        self.km = kernel_manager
        self._terminal_manager = terminal_manager  # jupyter_server_terminals may load after us
        self._clock = clock
        self._busy_since: dict[str, float] = {}
        self._terminals_set = False
        self._task: asyncio.Task | None = None

    # --- applying the policy -----------------------------------------------------------------
    def apply_to_kernels(self) -> None:
        s, km = self.settings, self.km
        if km is None or not s.kernel_seconds:
            return
        km.cull_idle_timeout = s.kernel_seconds
        km.cull_interval = s.interval(s.kernel_seconds)
        km.cull_connected = True  # an open tab on an idle kernel is not activity either
        km.cull_busy = False  # busy kernels: only the busy cap
        if getattr(km, "_initialized_culler", False) and getattr(km, "_culler_callback", None) is None:
            km._initialized_culler = False  # initialised before with no timeout: once more
            km.initialize_culler()

    def apply_to_terminals(self) -> None:
        s, tm = self.settings, self._terminal_manager()
        if self._terminals_set or tm is None or not s.terminal_seconds:
            return
        tm.cull_inactive_timeout = s.terminal_seconds
        tm.cull_interval = s.interval(s.terminal_seconds)
        if getattr(tm, "_initialized_culler", False) and getattr(tm, "_culler_callback", None) is None:
            tm._initialized_culler = False
            tm._initialize_culler()
        self._terminals_set = True

    def start(self) -> None:
        """On the event loop: apply the policy and start the busy-cap check (when set)."""
        if not self.settings.enabled:
            return
        self.apply_to_kernels()
        self.apply_to_terminals()
        log.info("sm_teamkit: idle policy %s", self.settings.to_json())
        self._task = asyncio.get_running_loop().create_task(self._run())

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()

    async def _run(self) -> None:
        s = self.settings
        tick = min(s.interval(t) for t in (s.kernel_seconds, s.terminal_seconds, s.busy_cap_seconds) if t)
        while True:
            await asyncio.sleep(tick)
            try:
                self.apply_to_terminals()
                await self.check_busy()
            except Exception:  # the loop must outlive one bad tick
                log.exception("sm_teamkit: idle policy check failed")

    # --- the busy cap ----------------------------------------------------------------------
    def _kernels(self) -> dict[str, object]:
        out = {}
        for kernel_id in list(self.km.list_kernel_ids()) if self.km is not None else []:
            try:
                out[kernel_id] = self.km.get_kernel(kernel_id)
            except KeyError:  # ended meanwhile
                continue
        return out

    def _note_busy(self, now: float) -> dict[str, object]:
        kernels = self._kernels()
        for kernel_id, kernel in kernels.items():
            if getattr(kernel, "execution_state", "") == "busy":
                self._busy_since.setdefault(kernel_id, now)
            else:
                self._busy_since.pop(kernel_id, None)
        for gone in set(self._busy_since) - set(kernels):
            del self._busy_since[gone]
        return kernels

    async def check_busy(self) -> list[str]:
        """Shut down the kernels busy for longer than the cap; their ids."""
        now = self._clock()
        self._note_busy(now)
        cap = self.settings.busy_cap_seconds
        if not cap:
            return []
        over = [k for k, since in self._busy_since.items() if now - since > cap]
        for kernel_id in over:
            log.warning("sm_teamkit: shutting down kernel %s, busy for over %d s (idle policy)", kernel_id, cap)
            self._busy_since.pop(kernel_id, None)
            result = self.km.shutdown_kernel(kernel_id)
            if inspect.isawaitable(result):
                await result
        return over

    # --- what the panel shows, and Keep ------------------------------------------------------
    def report(self) -> dict:
        """The policy and what it will shut down within its warning time, soonest first."""
        s, now = self.settings, self._clock()
        soon: list[dict] = []
        if not s.enabled:
            return {"policy": s.to_json(), "culling": soon}
        kernels = self._note_busy(now)
        for kernel_id, kernel in kernels.items():
            busy = kernel_id in self._busy_since
            if busy and s.busy_cap_seconds:
                at, timeout, reason = self._busy_since[kernel_id] + s.busy_cap_seconds, s.busy_cap_seconds, "busy"
            elif not busy and s.kernel_seconds and _epoch(getattr(kernel, "last_activity", None)) is not None:
                at, timeout, reason = _epoch(kernel.last_activity) + s.kernel_seconds, s.kernel_seconds, "idle"
            else:
                continue
            if at - now <= s.warning_seconds(timeout):
                name = getattr(kernel, "kernel_name", "")
                soon.append(_entry("kernel", kernel_id, name, at, now, reason))
        tm = self._terminal_manager()
        if s.terminal_seconds and tm is not None:
            for name, term in list(getattr(tm, "terminals", {}).items()):
                last = _epoch(getattr(term, "last_activity", None))
                if last is None:
                    continue
                at = last + s.terminal_seconds
                if at - now <= s.warning_seconds(s.terminal_seconds):
                    soon.append(_entry("terminal", name, f"Terminal {name}", at, now, "idle"))
        soon.sort(key=lambda e: e["seconds_left"])
        return {"policy": s.to_json(), "culling": soon}

    def annotate(self, report: dict) -> dict:
        """The apps answer with the policy and, on this app's row, what it means together
        with Studio's idle shutdown (``idle.policy_note``)."""
        report["idle_policy"] = self.report()
        for app in report.get("apps", []):
            if app.get("this_app") and app.get("idle") and self.settings.enabled:
                app["idle"]["policy_note"] = policy_note(self.settings, app["idle"])
        return report

    def keep(self, kind: str, item_id: str) -> dict:
        """The user's Keep: counts as activity for that kernel or terminal (and restarts its
        busy cap), so the shutdown moves a whole timeout away."""
        now = datetime.now(timezone.utc)
        if kind == "kernel":
            try:
                kernel = self.km.get_kernel(item_id)
            except KeyError:
                raise NotFound(f"No kernel {item_id!r} is running.") from None
            kernel.last_activity = now
            if item_id in self._busy_since:
                self._busy_since[item_id] = self._clock()
        elif kind == "terminal":
            term = getattr(self._terminal_manager(), "terminals", {}).get(item_id)
            if term is None:
                raise NotFound(f"No terminal {item_id!r} is open.")
            term.last_activity = now
        else:
            raise BadRequest(f"Keep what? {kind!r} is neither 'kernel' nor 'terminal'.")
        return {"kept": True, "kind": kind, "id": item_id, "last_activity": now.isoformat()}


def _minutes(minutes: float) -> str:
    return f"{minutes:g} min" if minutes < 120 else f"{minutes / 60:g} h"


def policy_note(s: CullSettings, idle: dict) -> str:
    """ "idle kernels shut down after 60 min; then Studio stops this app after 120 min"."""
    parts = []
    if s.kernel_seconds:
        parts.append(f"idle kernels shut down after {_minutes(s.kernel_minutes)}")
    if s.terminal_seconds:
        parts.append(f"idle terminals close after {_minutes(s.terminal_minutes)}")
    if s.busy_cap_seconds:
        parts.append(f"kernels busy for {s.busy_cap_hours:g} h are shut down")
    if idle.get("enabled") and idle.get("minutes"):
        parts.append(f"then Studio stops this app after {_minutes(idle['minutes'])}")
    else:
        parts.append("Studio's idle shutdown is off for this app, so it keeps running")
    return "; ".join(parts)


def _entry(kind: str, item_id: str, name: str, at: float, now: float, reason: str) -> dict:
    return {
        "kind": kind,
        "id": item_id,
        "name": name,
        "reason": reason,
        "culls_at": _iso(at),
        "seconds_left": max(0, round(at - now)),
    }
