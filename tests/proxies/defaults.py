"""Settings of the proxies as a server with the default config has them, some fields changed:
the defaults live in the SmTeamkit traits only."""

from __future__ import annotations

from sm_teamkit.config import SmTeamkit
from sm_teamkit.proxies.mlflow import MlflowSettings
from sm_teamkit.proxies.spark import SparkSettings


def spark_settings(**given) -> SparkSettings:
    return SparkSettings.from_config(SmTeamkit(), **given)


def mlflow_settings(**given) -> MlflowSettings:
    return MlflowSettings.from_config(SmTeamkit(), **given)
