"""The Go command the interoperability tests rely on opens signed notes as Go's sumdb/note
does: it verifies the example of c2sp.org/signed-note and refuses a tampered copy."""

import subprocess
from pathlib import Path

VKEY = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
SIGNED = (
    "This is an example message.\n"
    "\n"
    "— example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXs"
    "YjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n"
)


def _open(tlogcheck: Path, vkey: str, note: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(tlogcheck), "note", vkey, str(note)], capture_output=True, text=True, timeout=30
    )


def test_the_signed_note_specs_example_opens_to_its_text(tlogcheck: Path, tmp_path: Path) -> None:
    note = tmp_path / "example.note"
    note.write_text(SIGNED)
    opened = _open(tlogcheck, VKEY, note)
    assert opened.returncode == 0, opened.stderr
    assert opened.stdout == "This is an example message.\n"


def test_a_tampered_note_or_another_key_is_refused(tlogcheck: Path, tmp_path: Path) -> None:
    tampered = tmp_path / "tampered.note"
    tampered.write_text(SIGNED.replace("an example", "a forged"))
    refused = _open(tlogcheck, VKEY, tampered)
    assert refused.returncode != 0
    assert "verification failure" in refused.stderr or "invalid signature" in refused.stderr

    note = tmp_path / "example.note"
    note.write_text(SIGNED)
    other_key = VKEY.replace("+Aeky", "+Aekz")
    assert _open(tlogcheck, other_key, note).returncode != 0
