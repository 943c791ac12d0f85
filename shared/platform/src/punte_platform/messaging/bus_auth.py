"""Who may do what on NATS: one identity per process, its subject permissions, and the keys.

Each service answers only its own request subjects (`punte.<service>.>`), publishes only its
own domain messages (`punte.msg.<service>.>`), uses the JetStream API of the message stream
and the staged-files object store, reads replies only on its own inbox prefix
(`_INBOX.<service>.>`) and replies to the requests it received (`allow_responses`). Only the
gateway may publish requests to services. No identity may subscribe to `>`.

The same permissions feed the development and test servers (`server_config`) and the
production file `deploy/nats/auth.conf` (`production_auth_config`, kept equal by a test).
"""

import json
import os
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from punte_platform.messaging.nats import inbox_prefix
from punte_platform.messaging.trust import generate_seed, public_key
from punte_platform.settings import PunteSettings

SERVICES = ("contacts", "events", "partnerships")
GATEWAY = "gateway"
SIGNING_KEY = "context-signing"
_DEFAULTS = PunteSettings.model_fields
DEFAULT_STREAM: str = _DEFAULTS["nats_stream_name"].default
DEFAULT_FILES_BUCKET: str = _DEFAULTS["files_bucket"].default


@dataclass(frozen=True)
class Permissions:
    """A NATS user's subject permissions."""

    publish: tuple[str, ...]
    subscribe: tuple[str, ...]

    def config(self) -> dict[str, object]:
        """The `permissions` block of nats-server's configuration."""
        return {
            "publish": {"allow": list(self.publish)},
            "subscribe": {"allow": list(self.subscribe)},
            # Replies to requests it received, once each: the caller's inbox is not otherwise
            # writable, so no one can answer in a service's place.
            "allow_responses": True,
        }


_STREAM_VERBS = ("INFO", "CREATE", "UPDATE")


def _jetstream(stream: str, bucket: str) -> tuple[str, ...]:
    api = "$JS.API"
    files = f"OBJ_{bucket}"
    return (
        f"{api}.INFO",
        # Which stream holds a subject (the object store asks before reading a file).
        f"{api}.STREAM.NAMES",
        # The stream and the object store: created, brought to the settings and read.
        *(f"{api}.STREAM.{verb}.{name}" for name in (stream, files) for verb in _STREAM_VERBS),
        # Durable pull consumers on the stream (their names are the service's own by
        # convention, `<service>-<subscriber>`; NATS cannot match part of a token).
        f"{api}.CONSUMER.*.{stream}.>",
        f"{api}.CONSUMER.DURABLE.CREATE.{stream}.*",
        f"{api}.CONSUMER.MSG.NEXT.{stream}.*",
        f"$JS.ACK.{stream}.>",
        # Single messages by sequence or subject: no more than a consumer could read.
        f"{api}.STREAM.MSG.GET.{stream}",
        f"{api}.DIRECT.GET.{stream}.>",
        f"{api}.DIRECT.GET.{stream}",
        # The object store: chunks and metadata, read through ordered consumers.
        f"$O.{bucket}.>",
        f"{api}.CONSUMER.CREATE.{files}",
        f"{api}.CONSUMER.*.{files}.>",
        f"{api}.DIRECT.GET.{files}.>",
        f"{api}.STREAM.MSG.GET.{files}",
        f"{api}.STREAM.PURGE.{files}",
        f"$JS.ACK.{files}.>",
        "$JS.FC.>",
    )


def _micro(name: str) -> tuple[str, ...]:
    # `nats micro` discovery of the service's nats.micro endpoints.
    service = f"punte-{name}"
    return ("$SRV.*", f"$SRV.*.{service}", f"$SRV.*.{service}.*")


def service_permissions(
    name: str,
    *,
    calls: Iterable[str] = (),
    stream: str = DEFAULT_STREAM,
    bucket: str = DEFAULT_FILES_BUCKET,
) -> Permissions:
    """What the process `name` may do; `calls` are the services it may send requests to."""
    return Permissions(
        publish=(
            f"punte.msg.{name}.>",
            *(f"punte.{callee}.>" for callee in calls),
            *_jetstream(stream, bucket),
        ),
        subscribe=(f"punte.{name}.>", f"{inbox_prefix(name)}.>", *_micro(name)),
    )


def system_permissions(
    stream: str = DEFAULT_STREAM, bucket: str = DEFAULT_FILES_BUCKET
) -> dict[str, Permissions]:
    """Punte's identities: each service, and the gateway that calls them all."""
    permissions = {
        name: service_permissions(name, stream=stream, bucket=bucket) for name in SERVICES
    }
    permissions[GATEWAY] = service_permissions(
        GATEWAY, calls=SERVICES, stream=stream, bucket=bucket
    )
    return permissions


def authorization_block(users: Mapping[str, Permissions]) -> str:
    """nats-server's `authorization` block: one NKEY user per identity (key -> permissions)."""
    entries = [
        f"    {{ nkey: {key}, permissions: {json.dumps(permissions.config())} }}"
        for key, permissions in users.items()
    ]
    return "authorization {\n  users: [\n" + "\n".join(entries) + "\n  ]\n}\n"


def production_auth_config() -> str:
    """`deploy/nats/auth.conf`: the users' public NKEYs come from the environment."""
    users = {
        f"${nkey_variable(name)}": permissions for name, permissions in system_permissions().items()
    }
    return (
        "# Generated from punte_platform.messaging.bus_auth (tests/deploy checks it is current).\n"
        "# Each identity's public NKEY (U...) comes from the environment, set from secrets.\n"
        + authorization_block(users)
    )


def nkey_variable(identity: str) -> str:
    """The environment variable holding an identity's public NKEY in production."""
    return f"PUNTE_{identity.upper()}_NKEY"


@dataclass(frozen=True)
class BusCredentials:
    """The bus's keys: an NKEY seed per identity and the gateway's context-signing seed."""

    seeds: Mapping[str, str]
    signing_seed: str
    # Where `load_or_create` keeps them, so a child process is given a file, not the seed.
    directory: Path | None = None

    @classmethod
    def generate(cls, identities: Iterable[str]) -> "BusCredentials":
        """Fresh keys for these identities."""
        return cls({name: generate_seed() for name in identities}, generate_seed())

    @classmethod
    def load_or_create(cls, directory: Path, identities: Iterable[str]) -> "BusCredentials":
        """Keys kept as `<identity>.nk` files (owner-only) in `directory`, made once, reused."""
        directory.mkdir(parents=True, exist_ok=True)
        directory.chmod(0o700)
        seeds = {name: _seed_file(directory / f"{name}.nk") for name in identities}
        return cls(seeds, _seed_file(directory / f"{SIGNING_KEY}.nk"), directory)

    @property
    def verify_key(self) -> str:
        """The public key services verify callers' contexts with."""
        return public_key(self.signing_seed)

    def settings(self, identity: str) -> dict[str, str]:
        """Settings values for a process running as `identity` (the signing seed: gateway)."""
        values = {"nats_seed": self.seeds[identity], "context_verify_key": self.verify_key}
        if identity == GATEWAY:
            values["context_signing_seed"] = self.signing_seed
        return values

    def environment(self, identity: str) -> dict[str, str]:
        """The same settings as environment variables of a child process."""
        prefix = f"PUNTE_{identity.upper()}_"
        return {f"{prefix}{name.upper()}": value for name, value in self.settings(identity).items()}

    def file_environment(self, identity: str, *, nats: bool = True) -> dict[str, str]:
        """A child process's own credentials as variables naming the key files it reads."""
        assert self.directory is not None, "only keys kept in files"
        prefix = f"PUNTE_{identity.upper()}_"
        env = {f"{prefix}CONTEXT_VERIFY_KEY": self.verify_key}
        if nats:
            env[f"{prefix}NATS_SEED_FILE"] = str(self.directory / f"{identity}.nk")
        if identity == GATEWAY:
            env[f"{prefix}CONTEXT_SIGNING_SEED_FILE"] = str(self.directory / f"{SIGNING_KEY}.nk")
        return env

    def server_config(
        self,
        permissions: Mapping[str, Permissions],
        *,
        host: str,
        port: int,
        store_dir: Path,
        server_name: str,
    ) -> str:
        """A single nats-server's configuration with JetStream and these users."""
        users = {public_key(self.seeds[name]): p for name, p in permissions.items()}
        return (
            f"server_name: {json.dumps(server_name)}\n"
            f"listen: {json.dumps(f'{host}:{port}')}\n"
            f"jetstream {{ store_dir: {json.dumps(str(store_dir))} }}\n"
            + authorization_block(users)
        )


def _seed_file(path: Path) -> str:
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    seed = generate_seed()
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(seed + "\n")
    return seed


def main(argv: list[str] | None = None) -> None:
    """`python -m punte_platform.messaging.bus_auth DIR`: make production keys in DIR (once) and
    print the public values the NATS server and the services need as environment lines."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        raise SystemExit("usage: python -m punte_platform.messaging.bus_auth DIRECTORY")
    credentials = BusCredentials.load_or_create(Path(args[0]), [*SERVICES, GATEWAY])
    for name, seed in credentials.seeds.items():
        sys.stdout.write(f"{nkey_variable(name)}={public_key(seed)}\n")
    sys.stdout.write(f"PUNTE_CONTEXT_VERIFY_KEY={credentials.verify_key}\n")


if __name__ == "__main__":
    main()
