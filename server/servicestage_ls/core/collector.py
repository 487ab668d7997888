"""Python's cyclic garbage collector, kept away from the models of large files.

A full collection walks every live container object. Parsing a file near the 4,000,000-character limit makes
about 600,000 of them, and with the collector on, each quarter of growth triggers a full walk: the parse costs
about twice as long. ``paused`` turns the collector off for such work; when the work kept many objects alive, they
are then frozen (``gc.freeze``: moved where collections never look), otherwise the next collections would walk
them all once more (about 0.3 s at that size). Freezing is safe for what is frozen here: the model and the
findings have no reference cycles, so reference counting frees them when they are replaced.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

FREEZE_ABOVE = 20_000
"""Objects kept by one piece of work above which they are frozen (about a 2,000-line file)."""


@contextmanager
def paused() -> Iterator[None]:
    """The collector off for the block (re-entrant); what the block kept is frozen when it is large."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        if gc.get_count()[0] > FREEZE_ABOVE:
            gc.freeze()
        gc.enable()
