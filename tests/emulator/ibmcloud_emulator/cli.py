"""ibmcloud-emulator: the command line."""

from __future__ import annotations

import argparse
import json
import logging
import signal
import ssl
import sys
from pathlib import Path

from . import contracts, endpoints, probe_check
from .contracts import CONTRACTS
from .faults import KINDS, FaultInjector
from .seed import default_seed
from .server import start
from .world import World


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="ibmcloud-emulator",
        description="An offline emulator of the IBM Cloud APIs used by the ibmcloud.kms collection.",
        epilog="'ibmcloud-emulator env URL' prints the endpoint settings that point the collection at it; "
        "'ibmcloud-emulator check-probe FILE' says which contract choice each answer of a probe report matches.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port (0 picks a free port; default 0)")
    parser.add_argument("--tls", action="store_true", help="serve HTTPS with a throwaway CA")
    parser.add_argument("--ca-file", type=Path, help="with --tls: where to write the CA certificate (PEM)")
    parser.add_argument("--latency-ms", type=int, default=0, help="delay added to every API request")
    parser.add_argument(
        "--provision-seconds",
        type=float,
        default=2.0,
        help="how long a new service instance stays in 'provisioning' (default 2)",
    )
    parser.add_argument(
        "--enable-seconds",
        type=float,
        default=3.0,
        help="how long a cluster master takes to apply a KMS change (default 3)",
    )
    parser.add_argument(
        "--rewrap-seconds",
        type=float,
        default=2.0,
        help="after a root key rotation, how long until the key's registrations show the new "
        "version (the registered services re-wrap their keys; default 2)",
    )
    parser.add_argument("--fault-rate", type=float, default=0.0, help="share of API requests that fail (0-1)")
    parser.add_argument("--fault-seed", type=int, default=0, help="seed of the fault sequence")
    parser.add_argument(
        "--fault-kinds",
        default=",".join(KINDS),
        help=f"comma-separated fault kinds (default: all of {','.join(KINDS)})",
    )
    parser.add_argument(
        "--contract",
        action="append",
        default=[],
        metavar="NAME=CHOICE",
        help="play one choice where IBM publishes no contract (repeatable): "
        + "; ".join(f"{name}={'|'.join(choices)}" for name, (choices, _what) in CONTRACTS.items()),
    )
    parser.add_argument("--seed", type=Path, help="JSON file describing the world (default: the built-in world)")
    parser.add_argument("--quiet", action="store_true", help="do not log each request to stderr")
    args = parser.parse_args(argv)
    if args.tls and not args.ca_file:
        parser.error("--tls needs --ca-file PATH")
    try:
        args.contract = contracts.parse(args.contract)
    except ValueError as error:
        parser.error(f"--contract: {error}")
    return args


def _tls_context(host: str, ca_file: Path) -> ssl.SSLContext:
    import trustme

    ca = trustme.CA()
    names = sorted({host, "localhost", "127.0.0.1"})
    certificate = ca.issue_cert(*names)
    ca_file.write_bytes(ca.cert_pem.bytes())
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    certificate.configure_cert(context)
    return context


def print_env(argv: list[str]) -> int:
    """``ibmcloud-emulator env URL``: the endpoint settings that point a client at the emulator at URL."""
    parser = argparse.ArgumentParser(
        prog="ibmcloud-emulator env",
        description="Print the environment variables (or, with --output json, also the modules' endpoints option) "
        "that point the collection at an emulator listening on URL.",
    )
    parser.add_argument("url", help="the emulator's URL, as its first line prints it (listening on URL)")
    parser.add_argument(
        "--output",
        choices=("shell", "dotenv", "json"),
        default="shell",
        help="export lines for a shell (default), NAME=value lines, or JSON",
    )
    args = parser.parse_args(argv)
    if not args.url.startswith(("http://", "https://")):
        parser.error(f"URL must start with http:// or https://, not {args.url!r}")
    print(endpoints.render(args.url, args.output))
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["env"]:
        return print_env(argv[1:])
    if argv[:1] == ["check-probe"]:
        return probe_check.main(argv[1:])
    args = parse_args(argv)
    if args.quiet:
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
    seed = json.loads(args.seed.read_text()) if args.seed else default_seed()
    world = World(
        seed,
        provision_seconds=args.provision_seconds,
        enable_seconds=args.enable_seconds,
        rewrap_seconds=args.rewrap_seconds,
        contract=args.contract,
    )
    kinds = [k for k in args.fault_kinds.split(",") if k]
    faults = FaultInjector(args.fault_rate, args.fault_seed, kinds)
    context = _tls_context(args.host, args.ca_file) if args.tls else None
    running = start(
        world,
        host=args.host,
        port=args.port,
        ssl_context=context,
        latency_ms=args.latency_ms,
        faults=faults,
        background=False,
    )
    print(f"listening on {running.base_url}", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        running.server.serve_forever()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        running.server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
