"""``servicestage-ls emulator``: serve until SIGTERM/SIGINT, with the ready line on stdout."""

from __future__ import annotations

import ipaddress
import signal
import sys
import threading
import time

from servicestage_ls.cloud.emulator.seed import Seed, read_seed
from servicestage_ls.cloud.emulator.service import Emulator

READY_LINE = "servicestage-ls emulator listening on {url}"


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return host.lower() == "localhost"


def run_emulator(*, host: str, port: int, token: str | None, ak: str | None, sk: str | None,
                 seed: str | None = None) -> int:
    """Serve until SIGTERM/SIGINT; print the ready line on stdout once listening. Exit status 0, 1 when the
    address cannot be bound, 2 when the seed file cannot be used."""
    seeded = Seed()
    if seed is not None:
        try:
            with open(seed, encoding="utf-8") as f:
                seeded = read_seed(f.read(), int(time.time() * 1000))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            sys.stderr.write(f"servicestage-ls emulator: cannot use the seed file {seed}: {why}\n")
            return 2
    emulator = Emulator(host=host, port=port, token=token, ak=ak, sk=sk, seed=seeded.authorizations,
                        seed_project=seeded.project_id, **seeded.rules())
    try:
        url = emulator.start()
    except OSError as exc:
        sys.stderr.write(f"servicestage-ls emulator: cannot listen on {host}:{port}: {exc.strerror or exc}\n")
        return 1
    stop = threading.Event()

    def request_stop(signum: int, frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    mode = "open: any X-Auth-Token is accepted" if emulator.open_mode else "credentials required"
    emulator.log(f"emulator: serving on {url} ({mode})")
    if not _is_loopback(host):
        emulator.log(f"emulator: warning: {host} is not a loopback address; anyone who can reach it can call the API")
    try:
        sys.stdout.write(READY_LINE.format(url=url) + "\n")
        sys.stdout.flush()
    except OSError:
        pass
    while not stop.wait(1.0):
        pass
    emulator.stop()
    emulator.log("emulator: stopped")
    return 0
