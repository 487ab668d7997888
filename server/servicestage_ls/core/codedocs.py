"""The documentation of every diagnostic code: what triggers it, an example file, what the example gives, the fix.

The other half of the catalogue ``schema.RULES`` (code, severity, title): one row here per code there.
``docs/reference/diagnostics.md`` is generated from both (``make docs-gen``), with the quick fixes read from the
code that offers them; ``tests/unit/test_docs_generated.py`` runs every example through ``servicestage-ls check``
and fails unless it gives exactly the findings of its row's ``expect``, and when a code has no row.

An example is checked with ``EXAMPLE_ENV`` as its whole environment. ``{GITHUB_TOKEN_SHAPED}`` in an example
stands for a made-up GitHub token (the page cannot show one: the docs hold no token-shaped text).
"""

from __future__ import annotations

from dataclasses import dataclass

#: The environment examples are checked with (and what the page says they assume).
EXAMPLE_ENV: dict[str, str] = {"GITHUB_TOKEN": "set", "GITLAB_TOKEN": "set", "GITEE_TOKEN": "set",
                               "DEVCLOUD_PASSWORD": "set"}
#: What ``{GITHUB_TOKEN_SHAPED}`` becomes when an example is checked: the shape of a classic GitHub token.
GITHUB_TOKEN_SHAPED = "ghp_" + "x" * 36

_HEAD = "region: cn-north-4\nauthorizations:\n  - name: web-frontend\n"
_PASSWORD = "region: cn-north-4\nauthorizations:\n  - name: codearts-main\n"


@dataclass(frozen=True)
class CodeDoc:
    """``expect``: the ``line:column CODE`` of each finding the example gives, in the order `check` prints them."""

    description: str
    fix: str
    example: str | None = None
    expect: tuple[str, ...] = ()
    no_example: str | None = None  # why there is no example (a code that needs ServiceStage, a huge file)


DOCS: dict[str, CodeDoc] = {
    "SS100": CodeDoc(
        "A YAML syntax error, at the parser's position (an unterminated quote or bracket: where it opened). The "
        "common mistakes are said in plain words: a tab used for indentation, an unquoted `${…}` inside `{…}` or "
        "`[…]`.",
        "Correct the YAML at the position given; quote a `${…}` reference inside a flow mapping or list.",
        _HEAD + '    repo_type: github\n    token: "${GITHUB_TOKEN}\n',
        ("5:12 SS100",),
    ),
    "SS101": CodeDoc(
        "A key appears twice in one mapping; YAML keeps only the last one. Related information points at the "
        "first.",
        "Remove one of the two keys.",
        _HEAD + "    repo_type: github\n    token: ${GITHUB_TOKEN}\n    repo_type: gitlab\n",
        ("6:5 SS101",),
    ),
    "SS102": CodeDoc(
        "The wrong container: the top level is not a mapping, `authorizations` is not a list, or an entry is not "
        "a mapping.",
        "Write `authorizations` as a list of entries, each starting with `- name: …`.",
        "region: cn-north-4\nauthorizations:\n  name: web-frontend\n  repo_type: github\n  token: ${GITHUB_TOKEN}\n",
        ("3:3 SS102",),
    ),
    "SS103": CodeDoc(
        "A second YAML document (`---`) in the file: an authorization file holds exactly one.",
        "Remove the `---` line and what follows, or move it to a file of its own.",
        _HEAD + "    repo_type: github\n    token: ${GITHUB_TOKEN}\n---\nregion: cn-north-4\n",
        ("6:1 SS103",),
    ),
    "SS104": CodeDoc(
        "The file is larger than 4,000,000 characters, so it is not validated (see the Limits page); "
        "`servicestage-ls check` fails on it unless `--allow-unchecked`.",
        "Split the file, or pass `--allow-unchecked` to `check` to accept it unchecked.",
        no_example="an example would be a file of more than 4,000,000 characters",
    ),
    "SS110": CodeDoc(
        "An unknown key. The message and the diagnostic's `data` carry the closest known key (`avatar` → "
        "`avartar`, the API's own spelling).",
        "Rename the key to the suggestion (the quick fix does), or remove it; extension fields start with `x-`.",
        _HEAD + "    repo_type: github\n    token: ${GITHUB_TOKEN}\n    avatar: https://avatars.example.com/u/1\n",
        ("6:5 SS110",),
    ),
    "SS111": CodeDoc(
        "A required key is missing. The range is the entry's first key, or the first top-level key; an empty or "
        "comments-only file misses them all. `project_id` is required only when it cannot be looked up (no "
        "`region` and no `HUAWEICLOUD_SDK_PROJECT_ID`).",
        "Add the key (the quick fix inserts it at the entry's indentation).",
        _HEAD + "    token: ${GITHUB_TOKEN}\n",
        ("3:5 SS111",),
    ),
    "SS112": CodeDoc(
        "A value of the wrong type: `name: 123`, `status: normal`, `status: 7`, an empty value.",
        "Write a value of the type the message names.",
        _HEAD + "    repo_type: github\n    token: ${GITHUB_TOKEN}\n    status: normal\n",
        ("6:13 SS112",),
    ),
    "SS120": CodeDoc(
        "`project_id` is not 32 lowercase hexadecimal characters; the message gives every reason (spaces, "
        "length, upper case, other characters).",
        "Copy the project id from the console (*My Credentials → Projects*), or remove the key to have it looked "
        "up from IAM for `region`.",
        "project_id: 0A1B2C3D4E5F\n" + _HEAD + "    repo_type: github\n    token: ${GITHUB_TOKEN}\n",
        ("1:13 SS120",),
    ),
    "SS121": CodeDoc(
        "An unknown region, with the closest known one.",
        "Use the suggested region (the quick fix does), or set `endpoint` for a region this tool does not know.",
        "region: cn-north-44\nauthorizations:\n  - name: web-frontend\n    repo_type: github\n"
        "    token: ${GITHUB_TOKEN}\n",
        ("1:9 SS121",),
    ),
    "SS122": CodeDoc(
        "`endpoint` is not an https URL (`http://` is allowed only for 127.0.0.1, localhost and ::1).",
        "Use the `https://` URL of the endpoint.",
        "endpoint: http://servicestage.example.com\nproject_id: 0a1b2c3d4e5f67890a1b2c3d4e5f6789\n"
        "authorizations:\n  - name: web-frontend\n    repo_type: github\n    token: ${GITHUB_TOKEN}\n",
        ("1:11 SS122",),
    ),
    "SS123": CodeDoc(
        "`endpoint` names a host that may not receive your credentials: not a Huawei Cloud domain, not a region's "
        "endpoint or an SDK override variable's host, not loopback, and not trusted by you. The message names the "
        "host and how to trust it; no call goes there, automatic (the remote check on save) or not (every command "
        "refuses with the same words).",
        "If the host is your ServiceStage (a private deployment), trust it where the repository cannot: the user "
        "setting `servicestage.trustedEndpoints` or `SERVICESTAGE_TRUSTED_ENDPOINTS=host[:port]` in the language "
        "server's environment (on the command line, `--trust-endpoint HOST[:PORT]`). Otherwise remove the "
        "`endpoint` and let `region` choose.",
        no_example="the editor reports it from the hosts its user trusts; `check` reads no trust settings (the "
        "commands that call ServiceStage refuse with the same words)",
    ),
    "SS130": CodeDoc(
        "`name` breaks ServiceStage's naming rule: 4 to 63 of `A-Z a-z 0-9 . _ -`. The message says which part "
        "(the length or the offending character).",
        "Rename the entry within the rule.",
        "region: cn-north-4\nauthorizations:\n  - name: web frontend\n    repo_type: github\n"
        "    token: ${GITHUB_TOKEN}\n",
        ("3:11 SS130",),
    ),
    "SS131": CodeDoc(
        "A `name` repeated in the file, on the second and later occurrences; related information points at the "
        "first. An entry written as an alias of an earlier one (`- *e`) repeats its name too.",
        "Give each entry a name of its own.",
        _HEAD + "    repo_type: github\n    token: ${GITHUB_TOKEN}\n  - name: web-frontend\n    repo_type: gitlab\n"
        "    token: ${GITLAB_TOKEN}\n",
        ("6:11 SS131",),
    ),
    "SS132": CodeDoc(
        "A `repo_type` that ServiceStage does not support, with the closest one.",
        "Use the suggested repo type (the quick fix does): `github` or `gitlab`.",
        _HEAD + "    repo_type: githib\n    token: ${GITHUB_TOKEN}\n",
        ("4:16 SS132",),
    ),
    "SS133": CodeDoc(
        "`repo_type: gitee`: only ServiceStage's Chinese site supports it.",
        "Use `github` or `gitlab` on the international site; keep `gitee` only for the Chinese site.",
        _HEAD + "    repo_type: gitee\n    token: ${GITEE_TOKEN}\n",
        ("4:16 SS133",),
    ),
    "SS134": CodeDoc(
        "A `repo_type` the entry's [kind](../file.md#kinds-of-entry) does not have (`bitbucket` in a personal-token "
        "entry). The message names the kinds that have it and the repo types the kind has.",
        "Set the `kind` that has the repo type (or add `kind`), or use a repo type of the entry's kind: the quick "
        "fixes do either.",
        _HEAD + "    repo_type: bitbucket\n    token: ${GITHUB_TOKEN}\n",
        ("4:16 SS134",),
    ),
    "SS135": CodeDoc(
        "An unknown `kind`, with the closest one (`token` → `personal`): a kind is `personal` (the default), "
        "`password` or `oauth`.",
        "Write one of the three kinds, or remove `kind` for a personal-token entry.",
        _PASSWORD + "    kind: pasword\n    repo_type: devcloud\n    user: my-domain/my-tenant\n"
        "    password: ${DEVCLOUD_PASSWORD}\n",
        ("4:11 SS135",),
    ),
    "SS136": CodeDoc(
        "A key of another kind of entry: `token` under `kind: password`, `user`/`password`/`tag` in an entry "
        "without `kind`, `token`/`host` in an OAuth entry (it holds no secret). Here the password entry also "
        "misses its `password` (SS111).",
        "Use the keys of the entry's kind: the quick fix renames `token` to `password` in a password entry, or adds "
        "the `kind` that has the key.",
        _PASSWORD + "    kind: password\n    repo_type: devcloud\n    user: my-domain/my-tenant\n"
        "    token: ${DEVCLOUD_PASSWORD}\n",
        ("3:5 SS111", "7:5 SS136"),
    ),
    "SS137": CodeDoc(
        "A devcloud password entry's `user` is not `{domain name}/{tenant name}`: two parts without blanks around "
        "one `/`.",
        "Write the user as `my-domain/my-tenant` (the account's domain name and tenant name).",
        _PASSWORD + "    kind: password\n    repo_type: devcloud\n    user: my-tenant\n"
        "    password: ${DEVCLOUD_PASSWORD}\n",
        ("6:11 SS137",),
    ),
    "SS140": CodeDoc(
        "The token (or a password entry's password) is written in the file: a plaintext secret in a file "
        "that is committed. (This example's "
        "literal does not look like a GitHub token either, hence SS141.)",
        "Reference an environment variable instead, `token: ${GITHUB_TOKEN}` (the quick fix does), and set it "
        "where the server or `servicestage-ls create` runs.",
        _HEAD + "    repo_type: github\n    token: ghp_EXAMPLE\n",
        ("5:12 SS140", "5:12 SS141"),
    ),
    "SS141": CodeDoc(
        "A literal token does not look like a token of its `repo_type` (`glpat-…` under `github`); a warning "
        "only for GitLab on a self-managed host.",
        "Use a token of the entry's repo type, by reference (`${GITHUB_TOKEN}`).",
        _HEAD + "    repo_type: github\n    token: not-a-github-token\n",
        ("5:12 SS140", "5:12 SS141"),
    ),
    "SS142": CodeDoc(
        "A `${…}` reference (`token`, `password`) that is malformed (`$NAME`, `${NAME`, `\"${NAME}suffix\"`: never "
        "sent as it is), or that names a variable the server's environment (or `servicestage-ls`'s) does not have: "
        "a create would be refused.",
        "Set the variable where the language server or the command runs (then restart the server), or correct "
        "the reference (for a malformed one the quick fix writes the `${NAME}` it meant).",
        _HEAD + "    repo_type: github\n    token: $GITHUB_TOKEN\n",
        ("5:12 SS142",),
    ),
    "SS143": CodeDoc(
        "Token-shaped text (`ghp_…`, `github_pat_…`, `glpat-…`) outside an entry's `token` and `password`: "
        "in a key, a name, a "
        "URL, any value or a comment — a secret pasted into the wrong place. It is shown redacted, like "
        "everywhere.",
        "Remove the token from the file and revoke it: it has been exposed to everyone who can read the file.",
        _HEAD + "    repo_type: github\n    token: ${GITHUB_TOKEN}  # was {GITHUB_TOKEN_SHAPED}\n",
        ("5:35 SS143",),
    ),
    "SS144": CodeDoc(
        "A `${…}` reference (`token`, `password`) that names a cloud credential variable: every `HUAWEICLOUD_*` "
        "(this tool's own AK, SK, security token, X-Auth-Token, IAM password), `HW_*`, `SERVICESTAGE_EMULATOR_*`, "
        "`AWS_*`, `AZURE_*`, `ARM_*`, `GOOGLE_*`, `GCP_*`, `GCLOUD_*`, `CLOUDSDK_*`, `ALIBABA_CLOUD_*`, "
        "`ALICLOUD_*`, `TENCENTCLOUD_*`, `OS_PASSWORD`, `OS_TOKEN`, `OS_AUTH_TOKEN`, "
        "`OS_APPLICATION_CREDENTIAL_SECRET` (case ignored). A repository's file must not be able to send your "
        "cloud credentials as a \"repository token\": such a reference is never completed and never sent, set or "
        "not. (A value equal to one of the credentials in use is refused at send time too, whatever variable "
        "holds it.)",
        "Put the repository's token in its own variable and reference that (the quick fix writes the repo "
        "type's usual one, `${GITHUB_TOKEN}`).",
        _HEAD + "    repo_type: github\n    token: ${HUAWEICLOUD_SDK_SK}\n",
        ("5:12 SS144",),
    ),
    "SS150": CodeDoc(
        "`host` is not an https URL.",
        "Write the repository's `https://` URL.",
        _HEAD + "    repo_type: github\n    token: ${GITHUB_TOKEN}\n    host: http://github.com/tom-repo\n",
        ("6:11 SS150",),
    ),
    "SS151": CodeDoc(
        "`host` points at the other repo type's public host (`https://gitlab.com/…` with `repo_type: github`).",
        "Correct `host` or `repo_type` so that they agree.",
        _HEAD + "    repo_type: github\n    token: ${GITHUB_TOKEN}\n    host: https://gitlab.com/tom-repo\n",
        ("6:11 SS151",),
    ),
    "SS160": CodeDoc(
        "`status` 1 (overdue: the token expired) or 2 (unauthenticated), as ServiceStage last reported it.",
        "Create a new token, set it in the environment, and rotate the authorization: the quick fix, the code "
        "lens, or `servicestage-ls apply FILE --rotate`.",
        _HEAD + "    repo_type: github\n    token: ${GITHUB_TOKEN}\n    repo_user: tom-repo\n"
        "    status: 1  # overdue\n",
        ("7:13 SS160",),
    ),
    "SS170": CodeDoc(
        "The last API call for this entry failed: the ServiceStage error code, message, HTTP status and request "
        "id. Cleared when the entry is edited or a call succeeds.",
        "Fix the cause the message names, then run the command again.",
        no_example="the editor reports it after a call to ServiceStage fails; `check` makes no call",
    ),
    "SS171": CodeDoc(
        "With `remoteCheck: onSave`: an authorization with this entry's name already exists in ServiceStage, so "
        "a create would be refused.",
        "Rename the entry, or *Refresh status* to take the existing authorization's `repo_user` and `status`.",
        no_example="it comes from ServiceStage's list on save (`remoteCheck`); `check` makes no call",
    ),
    "SS172": CodeDoc(
        "With `remoteCheck: onSave`: ServiceStage reports another status than the file.",
        "*Refresh status* (or `servicestage-ls refresh FILE`) writes ServiceStage's status into the file.",
        no_example="it comes from ServiceStage's list on save (`remoteCheck`); `check` makes no call",
    ),
    "SS173": CodeDoc(
        "With `remoteCheck: onSave`: authorizations that exist only in ServiceStage, on the `authorizations` key "
        "(`ServiceStage has 2 authorizations the file does not: 'a', 'b' — Import from ServiceStage adds them`).",
        "Import them into the file (the quick fix, or `servicestage-ls import FILE`), or delete them from "
        "ServiceStage (`servicestage-ls apply FILE --prune`).",
        no_example="it comes from ServiceStage's list on save (`remoteCheck`); `check` makes no call",
    ),
}
