"""The one way a service's background thread is stopped."""

from __future__ import annotations

import threading


def stop_thread(thread: threading.Thread | None, *events: threading.Event, timeout: float) -> None:
    """Set ``events`` in order (stop, then wake) and wait up to ``timeout`` seconds for
    ``thread`` (if started) to end."""
    for event in events:
        event.set()
    if thread is not None:
        thread.join(timeout=timeout)
