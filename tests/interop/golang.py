"""Go's own implementation of tiled logs and signed notes (golang.org/x/mod/sumdb/tlog and
sumdb/note, Debian's golang-golang-x-mod-dev; ``scripts/ensure-go``) as a command,
``tests/interop/go/tlogcheck``, built once per source in the temporary directory.

Without Go the interoperability tests skip loudly — except under ``CI=true``, where that is
a failure.
"""

import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

SOURCE = Path(__file__).parent / "go" / "tlogcheck"
GOPATH = Path(os.environ.get("LEDGER_TEST_GOPATH", "/usr/share/gocode"))
X_MOD = GOPATH / "src" / "golang.org" / "x" / "mod" / "sumdb"


def _go() -> str:
    found = shutil.which("go")
    reason = None
    if found is None:
        reason = "Go is not installed"
    elif not (X_MOD / "tlog").is_dir() or not (X_MOD / "note").is_dir():
        reason = f"golang.org/x/mod's source is not in {GOPATH}"
    if reason is not None:
        reason += " (scripts/ensure-go installs Debian's golang-go and golang-golang-x-mod-dev)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true requires the Go interoperability tests to run: {reason}")
        pytest.skip(f"SKIPPING GO INTEROPERABILITY TESTS — {reason}")
    assert found is not None
    return found


def build_tlogcheck() -> Path:
    """The built command, rebuilt only when its source changes."""
    go = _go()
    digest = hashlib.sha256()
    for source in sorted(SOURCE.glob("*.go")):
        digest.update(source.name.encode() + b"\0" + source.read_bytes())
    home = Path(tempfile.gettempdir()) / f"ledger-tlogcheck-{digest.hexdigest()[:16]}"
    binary = home / "tlogcheck"
    if binary.exists():
        return binary
    home.mkdir(exist_ok=True)
    building = home / f"tlogcheck.{os.getpid()}"  # test workers may build at once
    subprocess.run(
        [go, "build", "-o", str(building), "."],
        cwd=SOURCE,
        env={
            **os.environ,
            "GO111MODULE": "off",  # GOPATH mode: Debian's x/mod, no module download
            "GOPATH": str(GOPATH),
            "GOCACHE": str(home / "cache"),
            "GOFLAGS": "",
        },
        check=True,
        capture_output=True,
        timeout=300,
    )
    os.replace(building, binary)
    return binary


@pytest.fixture(scope="session")
def tlogcheck() -> Path:
    """``tlogcheck tiles <base_url> <tree_size> <root_b64>`` and ``tlogcheck note <vkey>
    <file>``: Go's verdict on the log's tiles and on a signed note (exit 0: verified)."""
    return build_tlogcheck()
