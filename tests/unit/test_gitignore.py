"""The README's examples leave nothing in the repository that git would offer to commit."""

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# What a shell line of the README writes: `> FILE`, `-o FILE`, or a bare `*.zip`/`*.xlsx`
# argument of a ledger command (`ledger import roster.xlsx`, `ledger template`'s default).
_OUTPUT = re.compile(r"(?:>|-o)\s+([\w.-]+\.\w+)")


def readme_outputs() -> set[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```sh\n(.*?)```", text, flags=re.S)
    return {name for block in blocks for name in _OUTPUT.findall(block)} | {
        "roster-template.xlsx",
        "roster.xlsx",
        "completeness.xlsx",
        "lookback.csv",
    }


def test_the_readme_names_the_files_its_examples_write() -> None:
    assert {"ledger-key.json", "hh-0001.zip"} <= readme_outputs()


def test_every_file_the_readme_examples_write_is_ignored_by_git() -> None:
    outputs = sorted(readme_outputs())
    checked = subprocess.run(
        ["git", "check-ignore", "--no-index", *outputs],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert sorted(checked.stdout.split()) == outputs
