"""How a service's settings dataclass names the c.SmTeamkit settings it takes.

Each such field is declared ``trait("kernels_watch_seconds")``: `grep kernels_watch_seconds`
finds the trait (config.py) and the one field that consumes it. ``FromConfig.from_config``
fills those fields from the config, so each default lives in its trait alone. No traitlets
here: the scheduled Lambda job imports settings classes without Jupyter."""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

S = TypeVar("S", bound="FromConfig")


def trait(name: str, **kwargs: Any) -> Any:
    """A dataclass field filled from ``c.SmTeamkit.<name>`` by ``from_config`` (lists become
    tuples, dicts are copied). ``kwargs`` go to ``dataclasses.field``."""
    return dataclasses.field(metadata={"trait": name}, **kwargs)


def trait_of(f: dataclasses.Field) -> str:
    """The trait a dataclass field takes ("" when none)."""
    return f.metadata.get("trait", "")


class FromConfig:
    """Mixin of the settings dataclasses: ``from_config(config, **given)``."""

    @classmethod
    def from_config(cls: type[S], config: Any = None, **given: Any) -> S:
        """From the config (None: the defaults): each ``trait(...)`` field takes its trait's
        value; ``given`` fields override (who and where from the identity, tests, the CLI);
        other fields keep the dataclass's own default."""
        if config is None:
            from .config import SmTeamkit

            config = SmTeamkit()
        values = {}
        for f in dataclasses.fields(cls):  # type: ignore[arg-type]
            if f.name in given:
                values[f.name] = given.pop(f.name)
            elif trait_of(f):
                value = getattr(config, trait_of(f))
                values[f.name] = (
                    tuple(value) if isinstance(value, list) else (dict(value) if isinstance(value, dict) else value)
                )
        if given:
            raise TypeError(f"{cls.__name__} has no field {', '.join(sorted(given))}")
        return cls(**values)
