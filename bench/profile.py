"""Profile our server on the benchmark's largest file: which functions cost time in didOpen, didChange, completion
and hover.

    .venv/bin/python bench/profile.py [--lines 19000] [--top 25] [--phases open,change,completion,hover]

Starts `servicestage-ls serve` under bench/_profiled_server.py (cProfile of the main thread — where pygls runs
the handlers — switched on and off with SIGUSR1/SIGUSR2 around each phase), drives it with the same client,
file and edit as bench/run.py, and prints the top functions of each phase by cumulative and by own time.
The .prof files are kept in bench/results/profile/ (e.g. `python -m pstats`, or snakeviz).
Work done in other threads (pygls' thread pool, `@server.thread` handlers) is not in the profile.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import pstats
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from lspclient import LspClient, ServerError  # noqa: E402
from run import (  # noqa: E402
    PYTHON,
    RESULTS,
    _count,
    client_capabilities,
    generate,
    make_config,
    server_env,
)

PHASES = ("open", "change", "completion", "hover")


async def profile(args: argparse.Namespace) -> int:
    outdir = RESULTS / "profile"
    shutil.rmtree(outdir, ignore_errors=True)
    outdir.mkdir(parents=True)
    workspace = Path(tempfile.mkdtemp(prefix="servicestage-profile-"))
    schema_path = workspace / "servicestage.schema.json"  # only yaml-ls reads it; ours ignores `yaml` settings
    bf = generate(args.lines)
    path = workspace / f"bench-{args.lines}.servicestage.yaml"
    path.write_text(bf.text)
    uri = path.as_uri()
    print(f"{path.name}: {bf.n_lines} lines, {bf.mistakes} mistakes; edit at line {bf.edit_line + 1}")
    env = server_env()
    env["BENCH_PROFILE_DIR"] = str(outdir)
    client = LspClient(
        argv=[str(PYTHON), str(BENCH / "_profiled_server.py")],
        cwd=str(workspace),
        env=env,
        config=make_config(schema_path.as_uri()),
        stderr_path=str(outdir / "server-stderr.log"),
    )
    wanted = [p.strip() for p in args.phases.split(",") if p.strip()]
    phase_no = 0

    async def begin() -> None:
        os.kill(client.pid, signal.SIGUSR1)
        await asyncio.sleep(0.1)  # let the server's main thread run the handler

    async def end(name: str, wall_ms: float) -> None:
        nonlocal phase_no
        phase_no += 1
        os.kill(client.pid, signal.SIGUSR2)
        done = outdir / f"phase-{phase_no}.done"
        deadline = time.perf_counter() + 30
        while not done.exists():
            if time.perf_counter() > deadline:
                raise ServerError(f"profile of phase {name} was not written")
            await asyncio.sleep(0.05)
        target = outdir / f"{name}.prof"
        (outdir / f"phase-{phase_no}.prof").rename(target)
        done.unlink()
        report(name, wall_ms, target, args.top)

    await client.start()
    try:
        await client.request(
            "initialize",
            {"processId": os.getpid(), "rootUri": workspace.as_uri(),
             "workspaceFolders": [{"uri": workspace.as_uri(), "name": workspace.name}],
             "capabilities": client_capabilities()},
            timeout=args.timeout,
        )
        await client.notify("initialized", {})
        await client.notify("workspace/didChangeConfiguration", {"settings": {"servicestage": make_config("")("servicestage", None)}})
        await asyncio.sleep(0.5)

        mark = len(client.notifications)
        if "open" in wanted:
            await begin()
        t0 = await client.notify(
            "textDocument/didOpen",
            {"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": bf.text}},
        )
        first = await client.wait_for(
            lambda: next((n for n in client.diagnostics_after(uri, mark) if _count(n) > 0), None),
            timeout=args.timeout, what="diagnostics after didOpen",
        )
        if "open" in wanted:
            await end("open", (first.t - t0) * 1000)
        await client.wait_quiet("textDocument/publishDiagnostics", quiet=0.5, timeout=30)
        baseline = _count(client.diagnostics_after(uri, mark)[-1])

        pos = {"line": bf.edit_line, "character": bf.edit_col}
        if "completion" in wanted:
            await begin()
            t0 = time.perf_counter()
            _, t1 = await client.request("textDocument/completion", {"textDocument": {"uri": uri}, "position": pos},
                                         timeout=args.timeout)
            await end("completion", (t1 - t0) * 1000)
        if "hover" in wanted:
            await begin()
            t0 = time.perf_counter()
            _, t1 = await client.request(
                "textDocument/hover",
                {"textDocument": {"uri": uri}, "position": {"line": bf.edit_line, "character": bf.key_col + 2}},
                timeout=args.timeout,
            )
            await end("hover", (t1 - t0) * 1000)
        if "change" in wanted:
            mark = len(client.notifications)
            await begin()
            t0 = await client.notify(
                "textDocument/didChange",
                {"textDocument": {"uri": uri, "version": 2},
                 "contentChanges": [{"range": {"start": pos, "end": {"line": pos["line"], "character": pos["character"] + 6}},
                                     "rangeLength": 6, "text": "githux"}]},
            )
            changed = await client.wait_for(
                lambda: next((n for n in client.diagnostics_after(uri, mark) if _count(n) == baseline + 1), None),
                timeout=args.timeout, what="diagnostics after didChange",
            )
            await end("change", (changed.t - t0) * 1000)
    except ServerError as exc:
        tail = (outdir / "server-stderr.log").read_text(errors="replace").strip().splitlines()[-5:]
        print(f"FAILED: {exc}\n" + "\n".join(tail))
        return 1
    finally:
        await client.stop()
        shutil.rmtree(workspace, ignore_errors=True)
    print(f"\nprofiles in {outdir}")
    return 0


def report(name: str, wall_ms: float, path: Path, top: int) -> None:
    print(f"\n{'=' * 100}\n{name}: {wall_ms:.1f} ms wall (client-observed, with profiler overhead)\n{'=' * 100}")
    for key in ("cumulative", "tottime"):
        buf = io.StringIO()
        stats = pstats.Stats(str(path), stream=buf)
        stats.strip_dirs().sort_stats(key).print_stats(top)
        text = buf.getvalue()
        # keep the table, drop pstats' preamble
        start = text.find("   ncalls")
        print(f"--- top {top} by {key} ---")
        print(text[start:].rstrip() if start >= 0 else text.rstrip())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lines", type=int, default=19000)
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--phases", default=",".join(PHASES), help="comma-separated subset of " + ",".join(PHASES))
    ap.add_argument("--timeout", type=float, default=120.0)
    return asyncio.run(profile(ap.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
