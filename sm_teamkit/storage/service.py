"""StorageService: scans in a background thread (on an interval and on request), keeps the
last report with its time, cleans recognised categories and publishes the team metric."""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from ..config_fields import FromConfig, trait
from ..errors import BadRequest, Conflict, TeamkitError, shorten
from ..threads import stop_thread
from .cleanup import apply_to_report, clean
from .efs import EfsLookup
from .mounts import efs_mounts, skipped_folders
from .recovery import user_home
from .report import RootPlace, build_report, place_of
from .roots import drop_nested, requested_roots
from .scan import RootSpec, ScanCancelled, ScanProgress, StorageScanner
from .state import default_state_path, expected_entries, load_report, save_report

log = logging.getLogger("sm_teamkit.storage")
ACTIONS = ("scan", "cancel")  # what POST storage may ask for


@dataclass(frozen=True, kw_only=True)
class StorageSettings(FromConfig):
    """What to scan and how often. Each ``trait(...)`` field is that c.SmTeamkit setting (its
    default lives there: build with ``from_config``). Empty ``home`` means the user's home
    (Path.home(); in Studio's recovery mode the space's real home, see recovery.py)."""

    include_home: bool = trait("storage_include_home")
    roots: tuple[str, ...] = trait("storage_roots")
    detect_efs: bool = trait("storage_detect_efs")
    interval_seconds: float = trait("storage_scan_interval_seconds")
    start_delay_seconds: float = trait("storage_start_delay_seconds")
    top_n: int = trait("storage_top_n")
    prices: dict[str, float] = trait("storage_prices")
    publish_metrics: bool = trait("storage_publish_metrics")
    metric_namespace: str = trait("storage_metric_namespace")
    workers: int = trait("storage_scan_workers")
    io_threads: int = trait("storage_scan_io_threads")
    home: str = ""
    mounts_path: str = "/proc/mounts"
    progress_every: int = 4096
    state_path: str = ""  # where the last report is kept; "" = ~/.local/state/sm-teamkit/...
    persist: bool = True


class StorageService:
    """One per server. ``status()`` is cheap and never waits for a scan."""

    def __init__(
        self,
        settings: StorageSettings,
        identity: Callable[[], object] | None = None,
        client: Callable[[str], object] | None = None,
        rates: Callable[[], object] | None = None,
        region: Callable[[], str] | None = None,
    ):
        self.settings = settings
        self._rates = rates or (lambda: None)  # the region's price table now (its storage rates), or None
        self._region = region  # where storage is priced; default: the identity's region
        self._identity = identity
        self._client = client
        self._efs = EfsLookup(lambda: client("efs")) if client else None
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._closing = threading.Event()
        self._thread: threading.Thread | None = None
        self._scanner: StorageScanner | None = None
        self._requested: list[RootSpec] | None = None
        self._report: dict | None = None
        self._last_error: dict | None = None
        self._last_publish: dict | None = None
        self._next_scan_at: float | None = None
        self._home_efs: str | None = None
        self._kept: dict | None = load_report(self.state_path) if settings.persist else None
        self._report = self._kept

    @classmethod
    def from_teamkit(cls, teamkit) -> StorageService:
        from ..aws import client

        return cls(
            StorageSettings.from_config(teamkit.config),
            identity=teamkit.identity,
            client=lambda service: client(service, teamkit.aws),
            rates=teamkit.price_table,
            region=teamkit.price_region,
        )

    # --- roots -----------------------------------------------------------------------------
    @property
    def home(self) -> str:
        return os.path.realpath(self.settings.home or user_home())

    @property
    def state_path(self) -> str:
        """The file that keeps the last report across restarts."""
        return self.settings.state_path or default_state_path()

    def roots(self) -> list[RootSpec]:
        """Home, configured roots and EFS mounts; real paths, each once, existing only."""
        specs: list[RootSpec] = []
        if self.settings.include_home:
            specs.append(RootSpec(self.home, "home"))
        specs += [RootSpec(os.path.realpath(os.path.expanduser(p)), "configured") for p in self.settings.roots]
        if self.settings.detect_efs:
            specs += [RootSpec(os.path.realpath(m.mount_point), "efs") for m in efs_mounts(self.settings.mounts_path)]
        seen: set[str] = {s["path"] for s in self.skipped()}
        unique = []
        for spec in specs:
            if spec.path not in seen and os.path.isdir(spec.path):
                seen.add(spec.path)
                unique.append(spec)
        return drop_nested(unique)

    def _requested_roots(self, paths: list[str] | None) -> list[RootSpec]:
        return requested_roots(self.roots(), paths)

    # --- background thread -----------------------------------------------------------------
    def start(self) -> None:
        """Start the scan thread: first scan after the start delay, then every interval."""
        if self._thread is not None:
            return
        delay = self.settings.start_delay_seconds
        self._next_scan_at = time.time() + delay if delay >= 0 else None
        self._thread = threading.Thread(target=self._run, name="sm-teamkit-storage", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._closing.set()
        if self._scanner is not None:
            self._scanner.cancel()
        stop_thread(self._thread, self._wake, timeout=10)

    def _run(self) -> None:
        while not self._closing.is_set():
            due = self._next_scan_at
            timeout = None if due is None else max(0.0, due - time.time())
            self._wake.wait(timeout)
            self._wake.clear()
            if self._closing.is_set():
                return
            with self._lock:
                requested = self._requested  # claimed by scan_now when its scanner starts
            if requested is None and (self._next_scan_at is None or time.time() < self._next_scan_at):
                continue
            try:
                self.scan_now(requested, claim=requested)
            except ScanCancelled:
                pass
            except Exception:  # noqa: BLE001 - logged; the thread keeps serving
                log.exception("sm_teamkit: storage scan failed")
            interval = self.settings.interval_seconds
            self._next_scan_at = time.time() + interval if interval > 0 else None

    # --- actions ---------------------------------------------------------------------------
    def act(self, action: object = "scan", paths: object = None) -> dict:
        """What POST storage asks: ``scan`` (of ``paths``, default every root) or ``cancel``."""
        if not isinstance(action, str) or action not in ACTIONS:
            raise BadRequest(
                f'`action` must be "scan" or "cancel", not {shorten(json.dumps(action), 100)}.',
                code="storage_bad_action",
            )
        return self.cancel_scan() if action == "cancel" else self.request_scan(paths)

    def request_scan(self, paths: list[str] | None = None) -> dict:
        """Ask the background thread for a scan now (of ``paths`` inside the roots, default
        all roots); a scan already running is left alone. Returns the status."""
        specs = self._requested_roots(paths)
        with self._lock:
            if self._scanner is None:
                self._requested = specs
        if self._thread is None:
            self.start()
        self._wake.set()
        return self.status()

    def cancel_scan(self) -> dict:
        """Stop the running scan (and forget a requested one). ``cancelled`` in the answer says
        whether a scan was running or queued: if so, it ends cancelled and keeps no report, however
        close to its end it was (the check and the report share the lock)."""
        with self._lock:
            scanner, queued, self._requested = self._scanner, self._requested, None
            if scanner is not None:
                scanner.cancel()
            elif queued is not None:
                self._last_error = self._cancelled_error()
        return {**self.status(), "cancelled": scanner is not None or queued is not None}

    @staticmethod
    def _cancelled_error() -> dict:
        return {"code": "storage_scan_cancelled", "message": "The scan was cancelled.", "hint": "", "at": time.time()}

    def scan_now(
        self,
        specs: list[RootSpec] | None = None,
        on_progress: Callable[[ScanProgress], None] | None = None,
        save: bool = True,
        claim: list[RootSpec] | None = None,
    ) -> dict:
        """Scan in the calling thread; returns the status with the new report, which is also
        kept on disk when ``save`` (and the settings' ``persist``). ``claim`` is the request the
        background thread took: it stays queued until this scan starts, and a cancel before
        then means no scan."""
        specs = self.roots() if specs is None else specs
        skipped = self.skipped()
        scanner = StorageScanner(
            top_n=self.settings.top_n,
            home=self.home,
            progress_every=self.settings.progress_every,
            workers=self.settings.workers,
            io_threads=self.settings.io_threads,
            mounts_path=self.settings.mounts_path,
            skip=frozenset(s["path"] for s in skipped),
        )
        with self._lock:
            previous = self._report or self._kept
        scanner.progress.expected_entries = expected_entries(previous, [s.path for s in specs])
        with self._lock:
            if self._scanner is not None:
                raise Conflict("A scan is already running.", code="storage_scan_running")
            if claim is not None:
                if self._requested is not claim:  # cancelled while queued
                    raise ScanCancelled()
                self._requested = None
            self._scanner = scanner
        try:
            result = scanner.scan(specs, on_progress=on_progress)
            efs = self._efs.describe if self._efs else None
            report = build_report(
                result, self._places(specs), self.settings.prices, efs, self._rates(), self._price_region()
            )
            report["skipped"] = skipped
            with self._lock:
                if scanner.cancelled:  # cancelled while the last folders were read
                    raise ScanCancelled()
                self._report = report
                self._last_error = None
                self._scanner = None
            if save and self.settings.persist:
                save_report(self.state_path, report)
        except ScanCancelled:
            with self._lock:
                self._last_error = self._cancelled_error()
            raise
        except TeamkitError as exc:
            with self._lock:
                self._last_error = {**exc.to_json(), "at": time.time()}
            raise
        finally:
            with self._lock:
                self._scanner = None
        if self.settings.publish_metrics:
            self._publish(report)
        return self.status()

    def clean(self, category: str, path: str | None = None) -> dict:
        """Empty a recognised category found by the last scan; returns what was freed."""
        with self._lock:
            if self._scanner is not None:
                raise Conflict("A scan is running.", "Wait for it to finish, then clean.", code="storage_scan_running")
            report = self._report
        roots = [r["path"] for r in report["roots"]] if report else []
        result = clean(report, roots, self.home, category, path)
        with self._lock:
            kept = self._report is report and report is not None
            if kept:
                apply_to_report(report, result)
        if kept and self.settings.persist:
            save_report(self.state_path, report)
        log.info(
            "sm_teamkit: emptied %s (%s), freed %d bytes",
            category,
            ", ".join(result.paths),
            result.freed_allocated_bytes,
        )
        return {"cleanup": result.to_json(), **self.status()}

    def status(self) -> dict:
        """The last report with its age, and the progress of a running scan."""
        with self._lock:
            scanner, report, queued = self._scanner, self._report, self._requested is not None
            error, publish = self._last_error, self._last_publish
        now = time.time()
        progress = scanner.progress.to_json() if scanner is not None else None
        state = "scanning" if scanner is not None else "queued" if queued else "idle"
        if scanner is not None and scanner.cancelled:
            state = "cancelling"
        return {
            "state": state,
            "progress": progress,
            "report": report,
            "scanned_at": report["finished_at"] if report else None,
            "age_seconds": round(now - report["finished_at"], 1) if report else None,
            "restored": report is not None and report is self._kept,
            "next_scan_at": self._next_scan_at if self._thread is not None else None,
            "interval_seconds": self.settings.interval_seconds,
            "last_error": error,
            "publish": publish,
        }

    # --- helpers ---------------------------------------------------------------------------
    def skipped(self) -> list[dict]:
        """Folders no scan enters, with why: S3 mounts and a Unified Studio project's ~/shared."""
        shared = (getattr(self._in_studio()[1], "project", None) or {}).get("shared_folder", "")
        return skipped_folders(self.home, self.settings.mounts_path, shared)

    def _in_studio(self) -> tuple[bool, object | None]:
        if self._identity is None:
            return False, None
        try:
            ident = self._identity()
        except Exception:  # noqa: BLE001 - identity problems are shown by the status route
            return False, None
        return bool(getattr(ident, "is_studio", False)), ident

    def _price_region(self) -> str:
        return self._region() if self._region is not None else getattr(self._in_studio()[1], "region", "") or ""

    def _places(self, specs: list[RootSpec]) -> dict[str, RootPlace]:
        in_studio, ident = self._in_studio()
        mounts = efs_mounts(self.settings.mounts_path)
        home_efs = self._home_efs_id(ident) if in_studio else ""
        return {
            s.path: place_of(s.path, mounts, in_studio, home_efs if s.kind == "home" else "", self.settings.mounts_path)
            for s in specs
        }

    def _home_efs_id(self, ident) -> str:
        """Studio Classic homes live on the domain's EFS (DescribeDomain), mounted over NFS
        without the fs-xxxx name in /proc/mounts; asked once, "" when unknown."""
        if getattr(ident, "flavor", "") != "classic" or self._client is None:
            return ""
        if self._home_efs is None:
            try:
                answer = self._client("sagemaker").describe_domain(DomainId=ident.domain_id)
                self._home_efs = answer.get("HomeEfsFileSystemId", "") or ""
            except Exception as exc:  # noqa: BLE001 - priced as EBS then; logged
                log.info("sm_teamkit: DescribeDomain for the home EFS failed: %s", exc)
                self._home_efs = ""
        return self._home_efs

    def _publish(self, report: dict) -> None:
        from .team import publish_usage

        _, ident = self._in_studio()
        try:
            if self._client is None or ident is None:
                raise Conflict("No AWS client or identity to publish with.", code="storage_team_unavailable")
            sent = publish_usage(self._client("cloudwatch"), ident, report, self.settings.metric_namespace)
            outcome = {"ok": True, **sent}
        except TeamkitError as exc:
            log.warning("sm_teamkit: storage metric not published: %s", exc.message)
            outcome = {"ok": False, "problem": exc.message, "at": time.time()}
        with self._lock:
            self._last_publish = outcome
