from tests.interop.golang import tlogcheck  # noqa: F401 (Go's tlog and note, built once)
