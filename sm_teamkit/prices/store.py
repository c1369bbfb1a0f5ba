"""Each region's prices, best source first, never waited for inside a request.

The Price List is read in the background (one SingleFlight per region on a thread of the
store's own, every ``prices_refresh_hours``) and kept on disk with its publication date, so
a restarted server has it at once. Where the Price List cannot be read, the same refresh
reads the S3 table (``prices_s3_uri``), then the SSM parameters (``prices_ssm_parameter``); until either has answered, and when neither can,
the shipped table prices what it holds; what no table holds is "price unknown"."""

from __future__ import annotations

import dataclasses
import functools
import json
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from ..aws import AwsSettings, aws_error, client
from ..config_fields import FromConfig, trait
from ..errors import TeamkitError, Unavailable
from ..refresh import SingleFlight
from .price_list import API_REGION, SOURCE, fetch_region, fetch_storage
from .ssm import path_of, read_table
from .tables import RegionTable, from_document, origin_label, read_disk, shipped, state_dir, write_disk

RETRY_SECONDS = 3600.0  # a failed read is tried again after at most this


@dataclass(frozen=True, kw_only=True)
class PricesSettings(FromConfig):
    refresh_hours: float = trait("prices_refresh_hours")
    s3_uri: str = trait("prices_s3_uri")
    ssm_parameter: str = trait("prices_ssm_parameter")


def parse_s3_uri(uri: str) -> tuple[str, str]:
    if not uri.startswith("s3://") or "/" not in uri[5:]:
        raise Unavailable(f"prices_s3_uri {uri!r} is not s3://bucket/key.")
    bucket, key = uri[5:].split("/", 1)
    return bucket, key


class PriceStore:
    """Thread-safe. ``table(region)`` never blocks on the network; ``load(region)`` does
    (commands, tests)."""

    def __init__(
        self,
        settings: PricesSettings,
        aws: AwsSettings,
        folder: str | None = None,
        clock: Callable[[], float] = time.time,
    ):
        self.settings = settings
        self.aws = aws
        self.folder = folder or state_dir()
        self._clock = clock
        self._lock = threading.Lock()
        self._flights: dict[str, SingleFlight[RegionTable]] = {}
        self._disk: dict[str, RegionTable | None] = {}
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sm-teamkit-prices")

    @property
    def interval(self) -> float:
        hours = self.settings.refresh_hours
        return hours * 3600 if hours > 0 else 24 * 3600.0  # the S3 table alone: daily

    @property
    def enabled(self) -> bool:
        return self.settings.refresh_hours > 0 or bool(self.settings.s3_uri or self.settings.ssm_parameter)

    @functools.cached_property
    def pricing(self):
        return client("pricing", dataclasses.replace(self.aws, region=API_REGION))

    @functools.cached_property
    def s3(self):
        return client("s3", self.aws)

    @functools.cached_property
    def ssm(self):
        return client("ssm", self.aws)

    # --- reading ---------------------------------------------------------------------
    def _flight(self, region: str) -> SingleFlight[RegionTable] | None:
        if not self.enabled:
            return None
        with self._lock:
            if region not in self._flights:
                self._disk[region] = read_disk(self.folder, region)  # local: no network wait
                self._flights[region] = SingleFlight(
                    lambda: self._fetch(region),
                    self.interval,
                    min(self.interval, RETRY_SECONDS),
                    lambda exc: exc if isinstance(exc, TeamkitError) else aws_error(exc, f"read prices for {region}"),
                    clock=self._clock,
                    wall_clock=self._clock,
                )
            return self._flights[region]

    def _fetch(self, region: str) -> RegionTable:
        """The Price List (or a fresh enough copy on disk), else the S3 table; raises when
        neither answers."""
        disk = read_disk(self.folder, region)
        now = self._clock()
        if disk is not None and disk.fetched_at and now - disk.fetched_at < self.interval:
            return disk
        problems = []
        if self.settings.refresh_hours > 0:
            try:
                kinds, published = fetch_region(self.pricing, region)
                if kinds:
                    table = RegionTable(
                        region, "price-list", SOURCE, published, now, kinds, storage=self._storage(region)
                    )
                    write_disk(self.folder, table)
                    return table
                problems.append(f"the Price List holds no SageMaker prices for {region}")
            except Exception as exc:
                problems.append(aws_error(exc, "read AWS's Price List").message)
        shared = (
            (self.settings.s3_uri, self._from_s3, f"the price table {self.settings.s3_uri}"),
            (self.settings.ssm_parameter, self._from_ssm, f"the price table in SSM {self.settings.ssm_parameter}"),
        )
        for where, read, what in shared:  # the team's tables, where the Price List cannot be read
            if not where:
                continue
            try:
                table = read(region, now)
                write_disk(self.folder, table)
                return table
            except Exception as exc:
                problems.append(aws_error(exc, f"read {what}").message)
        raise Unavailable(" ".join(problems) or "No price source is configured.")

    def _storage(self, region: str) -> dict[str, float]:
        """The Studio volume (EBS) and EFS Standard rates from the Price List; a kind it has
        none for, or cannot say, is left out (then the shipped storage table prices it in the
        regions it holds, and it is "price unknown" elsewhere)."""
        try:
            return fetch_storage(self.pricing, region)
        except Exception:
            return {}

    def _from_s3(self, region: str, now: float) -> RegionTable:
        bucket, key = parse_s3_uri(self.settings.s3_uri)
        document = json.loads(self.s3.get_object(Bucket=bucket, Key=key)["Body"].read())
        table = from_document(document, region, "s3", now)
        if table is None:
            raise Unavailable(f"The price table {self.settings.s3_uri} has no prices for {region}.")
        return dataclasses.replace(table, source=f"{table.source} (read from {self.settings.s3_uri})")

    def _from_ssm(self, region: str, now: float) -> RegionTable:
        table = read_table(self.ssm, self.settings.ssm_parameter, region, now)
        where = path_of(self.settings.ssm_parameter, region)
        if table is None:
            raise Unavailable(f"The SSM parameters under {where} hold no complete price table.")
        return dataclasses.replace(table, source=f"{table.source} (read from SSM {where})")

    def table(self, region: str, refresh: bool = True) -> RegionTable | None:
        """The best table known now (starting a due refresh in the background unless
        ``refresh`` is False): the last read, else the copy on disk, else the shipped table;
        None when none has ``region``."""
        flight = self._flight(region)
        if flight is not None:
            if refresh:
                flight.prefetch(self._executor)
            snap = flight.peek()
            if snap.value is not None:
                return snap.value
            if self._disk.get(region) is not None:
                return self._disk[region]
        return shipped(region)

    def load(self, region: str) -> RegionTable | None:
        """The best table after waiting for a due refresh (a command's, a test's)."""
        flight = self._flight(region)
        if flight is not None:
            flight.get()
        return self.table(region)

    def status(self, region: str, refresh: bool = True) -> dict:
        """Where ``region``'s prices come from now (``label``: what a person reads), how old
        they are, the last error; ``refresh`` False: never starts a read (``sm-teamkit status``)."""
        table = self.table(region, refresh)
        flight = self._flight(region)
        error = flight.peek().error if flight is not None else None
        now = self._clock()
        return {
            "region": region,
            "origin": table.origin if table else "unknown",
            "label": origin_label(table),
            "source": table.source if table else "no price table has this region",
            "as_of": table.as_of if table else "",
            "age_seconds": None if table is None or table.age(now) is None else round(table.age(now) or 0, 1),
            "note": table.note if table else "",
            "refresh_hours": self.settings.refresh_hours,
            "error": error.to_json() if error else None,
        }

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
