"""Figures too slow to compute while a page waits (the agreement report of a project of 100k items takes half a
minute), computed in the background (a thread, which may run the work in a child process: ``apart``) and served as
the newest finished result.

A page asks for the figures of the data as it is now (its ``version``). If they are ready, it gets them. If not,
it gets the newest figures finished before (of fewer answers), marked as not fresh, while the new ones are
computed: a reviewer who opens the page after one new answer reads the figures at once and sees them update,
instead of waiting half a minute. One computation per key runs at a time; a version asked for while another is
being computed is computed after it (when a page asks again). The results live in this process (one per key),
as ``st.cache_data`` entries would; this exists because ``st.cache_data`` can only make the caller wait.
"""

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

from feedback.errors import FeedbackError


@dataclass(frozen=True)
class Figures:
    """A finished computation: the ``value`` computed for ``version``."""

    version: str
    value: Any


@dataclass
class _Slot:
    done: Figures | None = None
    looked_up: bool = False  # whether ``stored`` was asked for the figures kept from before
    running: str | None = None  # the version being computed
    failed: tuple[str, Exception] | None = None  # the version whose computation failed, and why
    started_at: float = 0.0
    finished: threading.Event = field(default_factory=threading.Event)  # set when the running one ends
    lock: threading.Lock = field(default_factory=threading.Lock)


_slots: dict[Hashable, _Slot] = {}
_slots_lock = threading.Lock()


def newest(key: Hashable, version: str, compute: Callable[[], Any], *, wait: float = 0.0,
           wait_with_older: float | None = None,
           stored: Callable[[], Figures | None] | None = None) -> tuple[Figures | None, bool]:
    """(the newest finished figures for ``key``, whether they are of ``version``). When they are not, and
    nothing is being computed for ``key``, ``compute()`` starts in a background thread for ``version``; the
    caller then waits up to ``wait`` seconds for it (a small project's figures are ready by then, and a page
    shows them at once, as if computed in line), or ``wait_with_older`` seconds when older figures exist.
    ``stored()``: the figures kept from before this process (e.g. in the database), asked once per key when
    this process has none: of ``version``, nothing is computed; of another, they are the older figures.

    A computation that failed for ``version`` raises its exception here (once per version: the next call
    tries again), so the page shows the error as it would have shown it from a direct call."""
    with _slots_lock:
        slot = _slots.setdefault(key, _Slot())
    if stored is not None:
        with slot.lock:
            if not slot.looked_up and slot.done is None:
                slot.done = stored()
            slot.looked_up = True
    figures, fresh, finished = _ask(slot, key, version, compute)
    limit = wait if figures is None or wait_with_older is None else min(wait, wait_with_older)
    if fresh or limit <= 0:
        return figures, fresh
    finished.wait(limit)
    figures, fresh, _ = _ask(slot, key, version, compute)
    return figures, fresh


def _ask(slot: _Slot, key: Hashable, version: str, compute: Callable[[], Any]) -> tuple[Figures | None, bool,
                                                                                        threading.Event]:
    with slot.lock:
        if slot.done is not None and slot.done.version == version:
            return slot.done, True, slot.finished
        if slot.failed is not None and slot.failed[0] == version:
            error, slot.failed = slot.failed[1], None
            raise error
        if slot.running is None:
            slot.running, slot.started_at = version, time.monotonic()
            slot.finished.clear()
            threading.Thread(target=_compute, args=(slot, version, compute), daemon=True,
                             name=f"figures {key!r}").start()
        return slot.done, False, slot.finished


def computing_for(key: Hashable) -> float | None:
    """Seconds since the running computation for ``key`` started, or None when none runs."""
    with _slots_lock:
        slot = _slots.get(key)
    if slot is None:
        return None
    with slot.lock:
        return time.monotonic() - slot.started_at if slot.running is not None else None


def _compute(slot: _Slot, version: str, compute: Callable[[], Any]) -> None:
    try:
        value = compute()
    except Exception as e:  # noqa: BLE001  (not swallowed: raised to the next page that asks for this version)
        with slot.lock:
            slot.running, slot.failed = None, (version, e)
            slot.finished.set()
        return
    with slot.lock:
        slot.running = None
        slot.done = Figures(version=version, value=value)
        slot.finished.set()


def forget(key: Hashable) -> None:
    """Drop what is kept for ``key`` (tests; a deleted project)."""
    with _slots_lock:
        _slots.pop(key, None)


def apart(module: str, *args: str, env: dict[str, str] | None = None) -> str:
    """Run ``python -m module args`` in a child process and return the last line it prints; when it fails,
    ``FeedbackError`` with what it said. For computations whose pure-Python parts would otherwise hold the
    interpreter lock for half a minute and more while the app's pages wait for it (at 1M annotations a page took
    15 s to draw instead of 2 s while the agreement figures were computed in a thread), and whose peak memory is
    given back when they end. A fresh interpreter, not ``multiprocessing``: its spawned children import the
    parent's ``__main__``, which in Streamlit is the page script being run."""
    done = subprocess.run([sys.executable, "-m", module, *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, stdin=subprocess.DEVNULL, check=False)
    if done.returncode != 0:
        said = done.stderr.strip().splitlines()
        raise FeedbackError(said[-1] if said else f"{module} stopped (exit code {done.returncode})")
    return done.stdout.strip().splitlines()[-1]
