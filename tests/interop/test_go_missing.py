"""Without Go the interoperability tests skip loudly, except under ``CI=true``, where a
missing Go is a failure (as a missing Chromium is for the browser tests)."""

import pytest

from tests.interop.golang import build_tlogcheck


def test_a_missing_go_skips_the_tests_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "")
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="SKIPPING GO INTEROPERABILITY TESTS"):
        build_tlogcheck()


def test_a_missing_go_under_ci_is_a_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true requires"):
        build_tlogcheck()
