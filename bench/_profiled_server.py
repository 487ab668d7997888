"""Launch `servicestage-ls serve` with cProfile switched by signals (used by bench/profile.py).

SIGUSR1 starts a fresh profile of the main thread (where pygls runs the handlers and the event loop);
SIGUSR2 stops it and writes it to $BENCH_PROFILE_DIR/phase-<n>.prof (n = 1, 2, ...), then touches
phase-<n>.done so that the driver knows the file is complete. Nothing is written to stdout.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

# bench/ holds a profile.py, which would shadow the stdlib module that cProfile imports: drop bench/ from the path.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

import cProfile  # noqa: E402
import signal  # noqa: E402

OUT = Path(os.environ.get("BENCH_PROFILE_DIR", "."))
_state: dict[str, object] = {"prof": None, "n": 0}


def _start(signum: int, frame: object) -> None:
    prof = cProfile.Profile()
    _state["prof"] = prof
    prof.enable()


def _stop(signum: int, frame: object) -> None:
    prof = _state["prof"]
    if not isinstance(prof, cProfile.Profile):
        return
    prof.disable()
    _state["n"] = int(_state["n"]) + 1  # type: ignore[call-overload]
    target = OUT / f"phase-{_state['n']}.prof"
    prof.dump_stats(str(target))
    (OUT / f"phase-{_state['n']}.done").write_text("")
    _state["prof"] = None


signal.signal(signal.SIGUSR1, _start)
signal.signal(signal.SIGUSR2, _stop)

from servicestage_ls.cli import main  # noqa: E402

sys.exit(main(["serve"]))
