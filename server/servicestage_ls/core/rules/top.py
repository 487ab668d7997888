"""The top level's rules: the file's shape, `project_id`, `region`, `endpoint`, the missing top-level keys."""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Mapping as MappingABC

from servicestage_ls.core import schema
from servicestage_ls.core.model import Model, Pair, Range, Scalar, Sequence, TopItem, node_range, rebased
from servicestage_ls.core.regions import REGIONS
from servicestage_ls.core.trust import EDITOR_WAYS, untrusted
from servicestage_ls.core.rules.base import (
    Finding,
    check_https_url,
    describe,
    duplicate_keys,
    finding,
    quoted,
    string_value,
    unknown_key,
)



def top_findings(model: Model, env: MappingABC[str, str]) -> list[Finding]:
    out: list[Finding] = []
    if model.root_kind == "empty":
        # Nothing but comments (or nothing): the same missing keys as a mapping without them.
        return _missing_top(model, set(), env) if not model.top_incomplete and not model.problems else out
    if model.root_kind != "mapping":
        first_line = model.root_range.start[0]
        out.append(
            finding(
                "SS102",
                f"the file must be a mapping with `project_id`, `region` and `authorizations`, not "
                f"{ {'sequence': 'a list', 'scalar': 'a single value'}.get(model.root_kind, 'this') }",
                Range(model.root_range.start, (first_line, len(model.lines[first_line]))),
            )
        )
        return out
    absolute_pairs = [Pair(rebased(item.key, item.base), item.value) for item in model.top]
    out.extend(duplicate_keys(absolute_pairs, "the top level"))
    present = set()
    for item in model.top:
        key = item.key_text
        present.add(key)
        if key not in schema.TOP_FIELDS:
            if schema.is_extension_key(key):
                continue  # `x-…`: an extension field (anchors for merges live there), ignored
            hint = " (entry fields go inside an item of `authorizations`)" if key in schema.ENTRY_FIELDS else ""
            out.append(unknown_key(rebased(item.key, item.base), schema.TOP_FIELDS, "the top level", hint))
            continue
        out.extend(f.shifted(item.base) for f in _top_value(item))
    if not model.top_incomplete:
        out.extend(_missing_top(model, present, env))
    return out


def _top_value(item: TopItem) -> list[Finding]:
    """Findings about one top-level value, relative to ``item.base``."""
    key = item.key_text
    pair = Pair(item.key, item.value)
    if key == "authorizations":
        value = item.value
        if isinstance(value, Sequence) or (isinstance(value, Scalar) and value.is_null):
            return []
        return [finding("SS102", f"`authorizations` must be a list of entries (`- name: …`), not "
                                 f"{describe(value)}", node_range(value))]
    assert key is not None
    scalar, problem = string_value(pair, key)
    if problem is not None:
        # A project id of digits only is read as a number by YAML; the API takes the text as written.
        if key == "project_id" and isinstance(item.value, Scalar) and schema.PROJECT_ID_RE.match(item.value.value):
            return []
        return [problem]
    assert scalar is not None
    text = scalar.value
    if key == "project_id":
        wrong = project_id_problem(text)
        if wrong is not None:
            return [finding("SS120", wrong, node_range(scalar))]
    elif key == "region":
        if text not in REGIONS:
            suggestion = schema.closest(text, REGIONS)
            if suggestion is not None:
                return [finding("SS121", f"unknown region `{text}`; did you mean `{suggestion}`?",
                                node_range(scalar), {"fix": "replace-value", "replacement": suggestion})]
            return [finding("SS121", f"unknown region `{text}`; ServiceStage regions: {quoted(REGIONS)}",
                            node_range(scalar))]
    elif key == "endpoint":
        problem = check_https_url(scalar, "SS122", "endpoint", allow_loopback_http=True)
        return [problem] if problem else []
    return []


def project_id_problem(text: str) -> str | None:
    """SS120's words for a text that is not a project id (the file's, or ``--project-id``'s), or None."""
    if schema.PROJECT_ID_RE.match(text):
        return None
    return f"`project_id` must be 32 lowercase hexadecimal characters; it has {_project_id_problems(text)}"


def _project_id_problems(text: str) -> str:
    """Every reason a text is not a project id ("12 characters and upper case letters")."""
    core = text.strip()
    reasons = []
    if core != text:
        reasons.append("leading or trailing spaces")
    if len(core) != 32:
        reasons.append(f"{len(core)} characters" if len(core) != 1 else "1 character")
    if any(c.isupper() for c in core):
        reasons.append("upper case letters")
    if any(c.lower() not in "0123456789abcdef" for c in core):
        reasons.append("characters other than 0-9 and a-f")
    return ", ".join(reasons[:-1]) + " and " + reasons[-1] if len(reasons) > 1 else reasons[0]


def _missing_top(model: Model, present: set[str | None], env: MappingABC[str, str]) -> list[Finding]:
    first = model.top[0] if model.top else None
    if first is not None:
        rng = first.range_of(first.key)
    else:
        line = model.root_range.start[0]
        rng = Range(model.root_range.start, (line, len(model.lines[line])))
    out: list[Finding] = []
    if "authorizations" not in present:
        out.append(finding("SS111", "missing required key `authorizations` (the list of entries)", rng,
                           {"fix": "insert-key", "key": "authorizations", "value": "[]", "scope": "top"}))
    if "region" not in present and "endpoint" not in present:
        out.append(finding("SS111", "missing `region` (or `endpoint`): one of them selects the ServiceStage "
                                    "endpoint", rng,
                           {"fix": "insert-key", "key": "region", "value": "cn-north-4", "scope": "top"}))
    region = model.top_value("region")
    if "project_id" not in present and not env.get("HUAWEICLOUD_SDK_PROJECT_ID") and not (region and region.strip()):
        # With a region the id is looked up from IAM when a call is made; without one it cannot be.
        if "endpoint" in present:
            why = ("with `endpoint` and no `region` it cannot be looked up from IAM (the lookup needs a region)")
        else:
            why = "it is looked up from IAM only for a `region`"
        out.append(finding("SS111", f"missing `project_id` (32 lowercase hex characters): {why}; set `project_id` "
                                    "or `region`, or HUAWEICLOUD_SDK_PROJECT_ID in the environment", rng,
                           {"fix": "insert-key", "key": "project_id", "value": schema.PLACEHOLDERS["project_id"],
                            "scope": "top"}))
    return out


def untrusted_endpoint(model: Model, trusted: Iterable[str], env: MappingABC[str, str]) -> list[Finding]:
    """SS123 on the file's `endpoint` when its host may not receive the credentials (core.trust: ``trusted`` is
    the user's list, besides SERVICESTAGE_TRUSTED_ENDPOINTS in ``env`` and the built-in hosts), in the words of the
    editor's refusal. Nothing when the value is not an https URL (SS122 says so)."""
    item = model.top_item("endpoint")
    if item is None or not isinstance(item.value, Scalar) or item.value.is_null:
        return []
    text = item.value.value
    if not isinstance(text, str) or check_https_url(item.value, "SS122", "endpoint", allow_loopback_http=True):
        return []
    problem = untrusted(text, listed=trusted, env=env, ways=EDITOR_WAYS, what="the endpoint")
    if problem is None:
        return []
    return [finding("SS123", problem, node_range(item.value)).shifted(item.base)]
