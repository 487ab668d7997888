"""The hostile corpus: the small committed samples in ``tests/corpus`` plus big ones generated at test time.

Each sample is bytes (what is on disk); ``as_editor_text`` is what an editor would send for it (decoded, invalid
UTF-8 replaced by U+FFFD, a leading byte-order mark dropped).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

CORPUS_DIR = Path(__file__).resolve().parents[1] / "corpus"

HEADER = "project_id: 0a1b2c3d4e5f67890a1b2c3d4e5f6789\nregion: cn-north-4\nauthorizations:\n"
ENTRY = "  - name: token{i:05d}\n    repo_type: github\n    token: ${{GITHUB_TOKEN}}\n"


def _ten_megabytes() -> bytes:
    entry = ENTRY.format(i=0).encode()
    count = 10 * 1024 * 1024 // len(entry) + 1
    return HEADER.encode() + b"".join(ENTRY.format(i=i % 100000).encode() for i in range(count))


def _one_megabyte_line() -> bytes:
    return (HEADER + "  - {name: token1, repo_type: github, token: '${GITHUB_TOKEN}', host: 'https://github.com/"
            + "x" * (1024 * 1024) + "'}\n").encode()


def _one_megabyte_plain_line() -> bytes:
    return ("region: " + "é😀x" * (1024 * 1024 // 7) + "\n").encode()


def _ten_thousand_entries() -> bytes:
    return (HEADER + "".join(ENTRY.format(i=i) for i in range(10_000))).encode()


def _duplicate_keys() -> bytes:
    entry = "  - name: token1\n" + "    repo_type: github\n" * 2000 + "    token: ${GITHUB_TOKEN}\n"
    return ("region: cn-north-4\n" * 2000 + HEADER + entry).encode()


def _indented_junk() -> bytes:
    lines = [" " * (i % 1500) + ("- ]:{x" if i % 3 else "k: '") for i in range(2000)]
    return ("authorizations:\n" + "\n".join(lines) + "\n").encode()


def _nested_block_mappings() -> bytes:
    # 1,500 levels of indented block mappings (the most that fits under the size limit with growing indentation).
    return ("authorizations:\n  - name: token1\n    host:\n"
            + "".join(" " * (6 + i) + f"k{i}:\n" for i in range(1500))).encode()


def _long_keys() -> bytes:
    return (HEADER + "  - name: token1\n    " + "k" * 200_000 + ": 1\n" + "😀" * 100_000 + ": 2\n").encode()


def _many_errors() -> bytes:
    # Every line of every entry has a problem: thousands of diagnostics, each with a message.
    entry = "  - name: x{i}\n    repo_type: githib\n    token: glpat-{i:020d}\n    host: http://gitlab.com/{i}\n"
    return (HEADER + "".join(entry.format(i=i) for i in range(1500))).encode()


GENERATED: dict[str, Callable[[], bytes]] = {
    "ten-megabytes": _ten_megabytes,
    "one-megabyte-line": _one_megabyte_line,
    "one-megabyte-plain-line": _one_megabyte_plain_line,
    "ten-thousand-entries": _ten_thousand_entries,
    "duplicate-keys": _duplicate_keys,
    "indented-junk": _indented_junk,
    "nested-block-mappings": _nested_block_mappings,
    "long-keys": _long_keys,
    "many-errors": _many_errors,
}


@dataclass(frozen=True)
class Sample:
    name: str
    load: Callable[[], bytes]

    @property
    def file_name(self) -> str:
        return self.name if self.name.endswith(".yaml") else f"{self.name}.servicestage.yaml"


def committed() -> list[Sample]:
    return [Sample(p.name, p.read_bytes) for p in sorted(CORPUS_DIR.glob("*.servicestage.yaml"))]


def samples() -> list[Sample]:
    return [*committed(), *(Sample(name, load) for name, load in GENERATED.items())]


def as_editor_text(data: bytes) -> str:
    text = data.decode("utf-8", "replace")
    return text[1:] if text.startswith("\ufeff") else text


def is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
