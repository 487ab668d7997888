"""tests/helpers/capture.py's capture server for the VS Code end-to-end test (hostile.mjs), as a process: prints
``{"proxy": URL, "ca": PATH}`` on one line, then answers every line read from stdin with the JSON list of what
reached it so far (``[target, method, path, credentials]`` each: never a header's value); ends at end of input."""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from helpers.capture import capture_server  # noqa: E402 - after the path above


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="servicestage-capture-") as tmp, capture_server(Path(tmp)) as capture:
        print(json.dumps({"proxy": capture.proxy_url, "ca": str(capture.ca)}), flush=True)
        for _ in sys.stdin:
            seen = [[c.target, c.method, c.path, c.credentials] for c in capture.captured]
            print(json.dumps(seen), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
