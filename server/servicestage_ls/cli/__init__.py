"""Command line: ``servicestage-ls [serve|check|schema|create|list|refresh|plan|apply|import|delete|authorize|test|
emulator]``.

Each subcommand imports what it needs only when it runs, so ``check`` never loads pygls or httpx.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from servicestage_ls import __version__
from servicestage_ls.cli.exits import epilog as exit_codes_epilog

if TYPE_CHECKING:
    from servicestage_ls.engine.actions import CloudOptions

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2

#: ``add_parser`` of the subcommands: a command's name and help in, its parser out.
AddCommand = Callable[..., argparse.ArgumentParser]


def _tcp_address(value: str) -> tuple[str, int]:
    """``serve --tcp HOST:PORT``: a loopback host (anyone who reaches another address could drive the server and
    its cloud commands) and a port from 0 (any free one) to 65535."""
    from servicestage_ls.lsp.tcp import loopback_host

    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit() or not host:
        raise argparse.ArgumentTypeError(f"expected HOST:PORT, got {value!r}")
    if int(port) > 65535:
        raise argparse.ArgumentTypeError(f"the port must be from 0 to 65535, got {port}")
    host = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    if not loopback_host(host):
        raise argparse.ArgumentTypeError(f"{host!r} is not a loopback address: the server listens only on "
                                         "127.0.0.1, ::1 or localhost")
    return host, int(port)


def _timeout(value: str) -> float:
    """``--timeout``: seconds, within the bounds of the editor's ``servicestage.timeoutSeconds``."""
    from servicestage_ls.core.settings import SPEC_BY_KEY

    spec = SPEC_BY_KEY["timeoutSeconds"]
    low, high = float(spec.minimum or 0), float(spec.maximum or math.inf)
    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if not low <= seconds <= high:  # NaN is in no range
        raise argparse.ArgumentTypeError(f"expected a number of seconds from {low:g} to {high:g}, got {value!r}")
    return seconds


def _ca_bundle(value: str) -> str:
    """``--ca-bundle``: a readable file of PEM certificates, checked before anything is sent."""
    import ssl

    try:
        ssl.create_default_context(cafile=value)
    except (ssl.SSLError, ValueError):  # an SSLError is an OSError too: first
        raise argparse.ArgumentTypeError(f"{value!r} holds no PEM certificate") from None
    except OSError as why:
        raise argparse.ArgumentTypeError(f"cannot read {value!r}: {why.strerror or why}") from None
    return value


def _trusted_host(value: str) -> str:
    """``--trust-endpoint``: HOST or HOST:PORT (a URL is taken for its host and port)."""
    from servicestage_ls.core.trust import NotAnAddress, entry_of

    try:
        return entry_of(value).text()
    except NotAnAddress as why:
        raise argparse.ArgumentTypeError(f"expected HOST or HOST:PORT: {why}") from None


def _add_connection(parser: argparse.ArgumentParser) -> None:
    """How the commands that call ServiceStage reach it (the editor's caBundle, timeoutSeconds and
    trustedEndpoints settings)."""
    parser.add_argument("--trust-endpoint", metavar="HOST[:PORT]", action="append", type=_trusted_host,
                        help="let this host (on this port, or on any without one) receive your credentials when the "
                             "file's endpoint names it (repeatable; also SERVICESTAGE_TRUSTED_ENDPOINTS=host[:port],"
                             "…); Huawei Cloud's hosts and loopback need none")
    parser.add_argument("--ca-bundle", metavar="FILE", type=_ca_bundle,
                        help="trust the CA certificates of this PEM file for TLS instead of the system's")
    parser.add_argument("--timeout", metavar="SECONDS", type=_timeout,
                        help="how long to wait for each ServiceStage or IAM call (1 to 600; default 30)")


def _project_id(value: str) -> str:
    """``--project-id``: checked as the file's `project_id` is (SS120's words), before anything is sent."""
    from servicestage_ls.core.rules.top import project_id_problem

    problem = project_id_problem(value)
    if problem is not None:
        raise argparse.ArgumentTypeError(problem)
    return value


def _endpoint(value: str) -> str:
    """``--endpoint``: an https URL (http on loopback), named as the flag it came from."""
    from servicestage_ls.cloud.config import check_endpoint_url
    from servicestage_ls.cloud.errors import ConfigurationError

    try:
        return check_endpoint_url(value, "--endpoint")
    except ConfigurationError as why:
        raise argparse.ArgumentTypeError(why.message) from None


def _add_target(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--region", metavar="R")
    parser.add_argument("--project-id", metavar="P", type=_project_id)
    parser.add_argument("--endpoint", metavar="URL", type=_endpoint)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="servicestage-ls",
        description="Language server and command line for ServiceStage repository-authorization files.",
    )
    parser.add_argument("--version", action="version", version=f"servicestage-ls {__version__}")
    # Clients often start a server as `NAME --stdio`: without a command that is `serve` over stdio.
    parser.add_argument("--stdio", action="store_true", help=argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    _add_editor_commands(sub.add_parser)
    _add_cloud_commands(sub.add_parser)
    _add_emulator(sub.add_parser)
    for name, command in sub.choices.items():  # each command's exit codes at the end of its --help
        command.epilog = exit_codes_epilog(name)
        command.formatter_class = argparse.RawDescriptionHelpFormatter
        command.set_defaults(command_parser=command)  # its usage errors show its own usage
    return parser


def _add_editor_commands(add: AddCommand) -> None:
    """serve, check, schema: what needs no cloud."""
    serve = add("serve", help="run the language server (stdio by default)")
    serve.add_argument("--tcp", metavar="HOST:PORT", type=_tcp_address,
                       help="listen on TCP instead of stdio: loopback only (127.0.0.1, ::1 or localhost), port 0 "
                            "picks a free one; one editor, a connection that does not speak LSP is closed")
    serve.add_argument("--stdio", action="store_true", help="use stdio (the default; accepted for clients)")

    check = add("check", help="validate files and directories like the editor does")
    check.add_argument("paths", nargs="+", metavar="PATH", help="files, directories to search, or - for standard input")
    check.add_argument("--format", choices=("text", "json", "github", "sarif"), default="text")
    check.add_argument("--stdin-filename", metavar="NAME",
                       help="the name of standard input (-) in messages and for file matching")
    check.add_argument("--allow-unchecked", action="store_true",
                       help="pass even when a file is too large to be validated (SS104)")
    check.add_argument("--check-env", action="store_true",
                       help="also warn (SS142) when a ${NAME} token reference names a variable that is not set here")

    add("schema", help="print a JSON Schema of the file format")


def _add_cloud_commands(add: AddCommand) -> None:
    """create and the life cycle (list, refresh, plan, apply, import, delete), in the order of `--help`."""
    create = add("create", help="create the file's new authorizations in ServiceStage")
    create.add_argument("file", metavar="FILE")
    create.add_argument("--name", action="append", metavar="NAME", help="only this entry (repeatable)")
    create.add_argument("--dry-run", action="store_true", help="show what would be sent; change nothing")

    listing = add("list", help="print the authorizations ServiceStage has")
    listing.add_argument("file", metavar="FILE", nargs="?", help="the project, region or endpoint of this file")
    _add_target(listing)
    listing.add_argument("--format", choices=("text", "json"), default="text")

    refresh = add("refresh", help="write repo_user and status from ServiceStage into the file")
    refresh.add_argument("file", metavar="FILE")

    plan = add("plan", help="show what differs between the file and ServiceStage")
    plan.add_argument("file", metavar="FILE")
    plan.add_argument("--format", choices=("text", "json"), default="text")
    plan.add_argument("--detailed-exitcode", action="store_true", help="exit 3 when a change is pending")

    apply = add("apply", help="make ServiceStage and the file agree (the file is the source of truth)")
    apply.add_argument("file", metavar="FILE")
    apply.add_argument("--rotate", action="store_true", help="also replace tokens ServiceStage reports as overdue "
                                                             "or unauthenticated (prove the new token, delete, then "
                                                             "create)")
    apply.add_argument("--replace", action="store_true", help="also replace authorizations whose repo_type or owner "
                                                              "differs from the file's (prove the token, delete, then "
                                                              "create)")
    apply.add_argument("--prune", action="store_true", help="also delete what ServiceStage has and the file does not")
    apply.add_argument("--yes", action="store_true", help="do not ask before replacing, rotating or deleting")
    apply.add_argument("--dry-run", action="store_true", help="print the plan; change nothing")

    imports = add("import", help="add entries for what ServiceStage has and the file does not")
    imports.add_argument("file", metavar="FILE", nargs="?", help="an existing file to add to")
    imports.add_argument("-o", dest="output", metavar="FILE", help="write a new file")
    _add_target(imports)
    imports.add_argument("--name", action="append", metavar="NAME", help="only this authorization (repeatable)")

    delete = add("delete", help="delete authorizations from ServiceStage (the entries stay, as new)")
    delete.add_argument("file", metavar="FILE")
    delete.add_argument("--name", action="append", metavar="NAME", required=True, help="repeatable")
    delete.add_argument("--yes", action="store_true", help="do not ask first")

    authorize = add("authorize", help="authorize an OAuth entry in the browser and write back what ServiceStage "
                                      "answers")
    authorize.add_argument("file", metavar="FILE")
    authorize.add_argument("--name", required=True, metavar="NAME", help="the entry (kind: oauth)")
    authorize.add_argument("--code", metavar="CODE", help="the code of the address the browser ended on (scripts; "
                                                           "with --state; write --code=CODE: a code may start with -)")
    authorize.add_argument("--state", metavar="STATE", help="the state of that address (with --code)")
    authorize.add_argument("--print-url", action="store_true",
                           help="only print the address to open (finish later with --code and --state)")

    test = add("test", help="test that authorizations work: the namespaces each sees in its repository")
    test.add_argument("file", metavar="FILE")
    test.add_argument("--name", action="append", metavar="NAME", help="only this entry (repeatable; default: all)")
    test.add_argument("--format", choices=("text", "json"), default="text")
    for command in (create, listing, refresh, plan, apply, imports, delete, authorize, test):
        _add_connection(command)


def _add_emulator(add: AddCommand) -> None:
    emulator = add("emulator", help="run a local ServiceStage-compatible API on loopback")
    emulator.add_argument("--host", default="127.0.0.1")
    emulator.add_argument("--port", type=int, default=0, help="0 picks a free port")
    emulator.add_argument("--token", help="the X-Auth-Token to accept (also returned by its IAM); or "
                                           "SERVICESTAGE_EMULATOR_TOKEN in the environment")
    emulator.add_argument("--ak", help="the access key whose signatures to accept; or SERVICESTAGE_EMULATOR_AK")
    emulator.add_argument("--sk", help="the secret key that goes with --ak; or SERVICESTAGE_EMULATOR_SK (kept "
                                       "out of `ps`, as the other two)")
    emulator.add_argument("--seed", metavar="FILE",
                          help="preload authorizations of every kind from a YAML/JSON file (name, repo_type, "
                               "token_type, repo_user, status, times, tag, namespaces), and the password rule")


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _main(argv)
    except BrokenPipeError:
        # `servicestage-ls check … | head`: the reader left; stop quietly, as other command-line tools do.
        import os

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_FINDINGS


def _main(argv: Sequence[str] | None) -> int:
    top = build_parser()
    args, extra = top.parse_known_args(argv)
    parser: argparse.ArgumentParser = getattr(args, "command_parser", top)  # the subcommand's: its usage
    if extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    command = args.command or "serve"
    if command == "serve":
        from servicestage_ls.lsp.startup import faster_imports

        with faster_imports():
            from servicestage_ls.lsp.setup import serve
        return serve(tcp=getattr(args, "tcp", None))
    if command == "check":
        from servicestage_ls.cli.check import run_check

        return run_check(args.paths, args.format, sys.stdout, sys.stderr, stdin=sys.stdin.buffer,
                         stdin_filename=args.stdin_filename, allow_unchecked=args.allow_unchecked,
                         check_env=args.check_env)
    if command == "schema":
        import json

        from servicestage_ls.core.jsonschema import json_schema

        json.dump(json_schema(), sys.stdout, indent=2)
        sys.stdout.write("\n")
        return EXIT_OK
    if command == "create":
        from servicestage_ls.cli.create import run_create

        return run_create(args.file, names=args.name or [], dry_run=args.dry_run, options=_cloud_options(args))
    if command in ("list", "refresh", "plan", "apply", "import", "delete"):
        return _lifecycle(parser, args)
    if command == "authorize":
        return _authorize(parser, args)
    if command == "test":
        import os

        from servicestage_ls.cli.probe import run_test

        return run_test(args.file, names=args.name or [], fmt=args.format, options=_cloud_options(args),
                        env=dict(os.environ), out=sys.stdout, err=sys.stderr)
    if command == "emulator":
        return _emulator(parser, args)
    parser.error(f"unknown command {command!r}")
    return EXIT_USAGE


def _emulator(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    """The emulator's credentials: the flag, else ``SERVICESTAGE_EMULATOR_TOKEN``/``_AK``/``_SK`` (not seen in
    ``ps``); an empty variable counts as unset."""
    import os

    token, ak, sk = (getattr(args, name) or os.environ.get(f"SERVICESTAGE_EMULATOR_{name.upper()}") or None
                     for name in ("token", "ak", "sk"))
    if bool(ak) != bool(sk):
        parser.error("--ak and --sk go together (or SERVICESTAGE_EMULATOR_AK and SERVICESTAGE_EMULATOR_SK)")
    from servicestage_ls.cloud.emulator import run_emulator

    return run_emulator(host=args.host, port=args.port, token=token, ak=ak, sk=sk, seed=args.seed)


def _authorize(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    import os

    if bool(args.code) != bool(args.state):
        parser.error("--code and --state go together (both from the address the browser ended on)")
    if args.print_url and args.code:
        parser.error("--print-url starts the hand-off; --code and --state finish it: not both at once")
    from servicestage_ls.cli.authorize import run_authorize

    return run_authorize(args.file, name=args.name, code=args.code, state=args.state, print_url=args.print_url,
                         options=_cloud_options(args), env=dict(os.environ), out=sys.stdout, err=sys.stderr)


def _cloud_options(args: argparse.Namespace) -> CloudOptions:
    from servicestage_ls.cli.front import cloud_options

    from servicestage_ls.core.trust import NotAnAddress, url_address

    trusted = list(args.trust_endpoint or ())
    if getattr(args, "endpoint", None):  # an --endpoint typed on the command line is trusted by being typed
        try:
            trusted.append(url_address(args.endpoint).text())
        except NotAnAddress:
            pass  # not a URL: opening the client says so
    return cloud_options(timeout=args.timeout, ca_bundle=args.ca_bundle, trusted=tuple(trusted))


def _lifecycle(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    import os

    env = dict(os.environ)
    options = _cloud_options(args)
    out, err = sys.stdout, sys.stderr
    if args.command == "list":
        if args.file is None and not (args.region or args.endpoint):
            parser.error("list needs FILE, or --region R or --endpoint URL (with --project-id P)")
        from servicestage_ls.cli.inspect import run_list

        return run_list(args.file, region=args.region, endpoint=args.endpoint, project_id=args.project_id,
                        fmt=args.format, options=options, env=env, out=out, err=err)
    if args.command == "plan":
        from servicestage_ls.cli.inspect import run_plan

        return run_plan(args.file, fmt=args.format, detailed_exitcode=args.detailed_exitcode, options=options,
                        env=env, out=out, err=err)
    if args.command == "import":
        if args.file is None and not (args.region or args.endpoint):
            parser.error("import needs FILE, or --region R or --endpoint URL (with -o FILE to write a new file)")
        from servicestage_ls.cli.importing import run_import

        return run_import(args.file, output=args.output, region=args.region, endpoint=args.endpoint,
                          project_id=args.project_id, names=args.name or [], options=options, env=env, out=out,
                          err=err)
    from servicestage_ls.cli.apply import run_apply, run_delete, run_refresh

    if args.command == "refresh":
        return run_refresh(args.file, options=options, env=env, out=out, err=err)
    if args.command == "apply":
        return run_apply(args.file, rotate=args.rotate, prune=args.prune, replace=args.replace, yes=args.yes,
                         dry_run=args.dry_run, options=options, env=env, out=out, err=err)
    return run_delete(args.file, names=args.name, yes=args.yes, options=options, env=env, out=out, err=err)
