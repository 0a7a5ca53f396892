"""``ledger witness``: the audit office's witness (CONTRACT §7.4, c2sp.org/tlog-witness).

Nothing here opens the ledger's database or asks for a token: an office that holds only
this program, a key file and a state file can run it.
"""

from typing import TYPE_CHECKING

import click

from bootstrap.settings import Settings
from cli.context import pass_settings

if TYPE_CHECKING:
    from ledger.transparency.c2sp import note

_KEY_HELP = "The witness's Ed25519 key (PEM); generated, mode 0600, if the file does not exist"
_STATE_HELP = "The witness's state file (JSON; created mode 0600)"


@click.group()
def witness() -> None:
    """Run a witness that cosigns a log's checkpoints only while each extends the last."""


def _signer(name: str, key_file: str) -> "note.CosignatureSigner":
    from ledger.transparency.c2sp.note import NoteError
    from ledger.transparency.signing import KeyFileError
    from ledger.transparency.witness import cosigner, witness_key

    try:
        return cosigner(name, witness_key(key_file))
    except KeyFileError as error:
        raise click.ClickException(str(error)) from None
    except NoteError as error:
        raise click.BadParameter(str(error), param_hint="--name") from None


@witness.command("vkey")
@click.option("--name", required=True, help="The witness's name, e.g. audit.example.gov.cn/witness")
@click.option("--key", "key_file", required=True, help=_KEY_HELP)
def vkey(name: str, key_file: str) -> None:
    """Print the witness's verifier key, <name>+<hex key id>+<base64(0x04 ‖ key)>, for the
    logs and the verifiers that will trust it."""
    from ledger.transparency.c2sp.note import vkey as format_vkey

    click.echo(format_vkey(_signer(name, key_file).verifier))


@witness.command("add-log")
@click.option("--state", "state_path", required=True, help=_STATE_HELP)
@click.option("--origin", required=True, help="The log's origin line, e.g. ledger.example/log")
@click.option("--vkey", "log_vkey", required=True, help="The log's note key <origin>+<id>+<key>")
def add_log_command(state_path: str, origin: str, log_vkey: str) -> None:
    """Trust a log's Ed25519 note key (type 0x01) for checkpoints of ORIGIN. Safe while
    ``ledger witness serve`` runs on the same state file."""
    from ledger.transparency.witness import LogKeyRefused, StateFile, StateFileError, add_log

    try:
        added = add_log(StateFile(state_path), origin, log_vkey)
    except LogKeyRefused as error:
        raise click.ClickException(f"the log key is refused: {error}") from None
    except StateFileError as error:
        raise click.ClickException(str(error)) from None
    if added:
        click.echo(f"witness: trusting log {origin} (key {log_vkey.strip()})")
    else:
        click.echo(f"witness: log {origin} was already trusted under this key; nothing changed")


@witness.command("serve")
@click.option("--name", required=True, help="The witness's name, e.g. audit.example.gov.cn/witness")
@click.option("--state", "state_path", required=True, help=_STATE_HELP)
@click.option("--key", "key_file", required=True, help=_KEY_HELP)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True, type=int)
@pass_settings
def serve(
    settings: Settings, name: str, state_path: str, key_file: str, host: str, port: int
) -> None:
    """Serve POST /add-checkpoint and GET /<sha256 hex of origin>/checkpoint."""
    from api.server import AnnouncingServer, CannotListen, config_for, listening_socket
    from api.witness import witness_app
    from ledger.transparency.c2sp.note import vkey as format_vkey
    from ledger.transparency.witness import StateFile, StateFileError, Witness

    signer = _signer(name, key_file)
    state_file = StateFile(state_path)
    try:
        logs = len(state_file.read().logs)
    except StateFileError as error:
        raise click.ClickException(str(error)) from None
    try:
        sock = listening_socket(host, port)
    except CannotListen as error:
        raise click.ClickException(f"cannot serve: {error}") from None
    port = sock.getsockname()[1]  # the one chosen, for --port 0
    shown = f"[{host}]" if ":" in host else host
    app = witness_app(Witness(signer, state_file))
    server = AnnouncingServer(
        config_for(app, settings, host, port),
        lambda: click.echo(
            f"ledger witness: serving http://{shown}:{port} as {format_vkey(signer.verifier)} "
            f"for {logs} log(s) in {state_file.path}",
            err=True,
        ),
    )
    with sock:
        server.run(sockets=[sock])
