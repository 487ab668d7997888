"""What the VS Code extension runs to start the language server:

    <absolute path of python> -I <extension>/tool/server.py [DIR]

with the extension's folder as the working directory. ``-I`` (isolated mode) keeps the current directory, the
script's directory, ``PYTHON*`` variables and the user's site-packages off ``sys.path``: nothing in the workspace
that is open (a ``servicestage_ls/``, ``yaml.py`` or ``httpx/`` of a cloned repository) can be imported instead
of the server. DIR — the extension's ``bundled/libs``, or ``server/`` of a development checkout — goes first on
``sys.path``; without it, the servicestage-ls installed in this interpreter runs.
"""

import os
import sys


def main() -> int:
    # Never the working directory (the extension runs this with -I, which already leaves it out).
    sys.path[:] = [p for p in sys.path if p not in ("", ".", os.curdir)]
    if len(sys.argv) > 1:
        sys.path.insert(0, os.path.abspath(sys.argv[1]))
    from servicestage_ls.cli import main as cli_main

    return cli_main(["serve"])


if __name__ == "__main__":
    sys.exit(main())
