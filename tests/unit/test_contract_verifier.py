"""The verifier of ``contract_verifier`` reads what the standards say: JSON pointers as
RFC 6901, canonical JSON as RFC 8785 (its Appendix B numbers and the reference
implementation's test data)."""

import json
import struct

import pytest
import rfc8785

from tests.unit.contract_verifier import pointed


def test_the_verifier_reads_pointers_as_rfc_6901_says() -> None:
    # Examples of RFC 6901 §5, and "~01", which is "~1" (not "/"): ~1 is decoded first.
    document = {"foo": ["bar", "baz"], "": 0, "a/b": 1, "m~n": 8, "~1": 9}
    assert pointed(document, "/foo/0") == "bar"
    assert pointed(document, "/") == 0
    assert pointed(document, "/a~1b") == 1
    assert pointed(document, "/m~0n") == 8
    assert pointed(document, "/~01") == 9  # ~01 is "~1", not "/"


def _float(bits: str) -> float:
    value: float = struct.unpack(">d", bytes.fromhex(bits))[0]
    return value


# RFC 8785 Appendix B: IEEE 754 doubles and their canonical text.
NUMBER_VECTORS = [
    ("0000000000000000", "0"),
    ("8000000000000000", "0"),
    ("0000000000000001", "5e-324"),
    ("8000000000000001", "-5e-324"),
    ("7fefffffffffffff", "1.7976931348623157e+308"),
    ("ffefffffffffffff", "-1.7976931348623157e+308"),
    ("4340000000000000", "9007199254740992"),
    ("c340000000000000", "-9007199254740992"),
    ("4430000000000000", "295147905179352830000"),
    ("44b52d02c7e14af5", "9.999999999999997e+22"),
    ("44b52d02c7e14af6", "1e+23"),
    ("44b52d02c7e14af7", "1.0000000000000001e+23"),
    ("444b1ae4d6e2ef4e", "999999999999999700000"),
    ("444b1ae4d6e2ef4f", "999999999999999900000"),
    ("444b1ae4d6e2ef50", "1e+21"),
    ("3eb0c6f7a0b5ed8c", "9.999999999999997e-7"),
    ("3eb0c6f7a0b5ed8d", "0.000001"),
    ("41b3de4355555553", "333333333.3333332"),
    ("41b3de4355555554", "333333333.33333325"),
    ("41b3de4355555555", "333333333.3333333"),
    ("41b3de4355555556", "333333333.3333334"),
    ("41b3de4355555557", "333333333.33333343"),
    ("becbf647612f3696", "-0.0000033333333333333333"),
    ("43143ff3c1cb0959", "1424953923781206.2"),
]


@pytest.mark.parametrize(("bits", "text"), NUMBER_VECTORS)
def test_the_verifiers_jcs_writes_numbers_as_rfc_8785_appendix_b(bits: str, text: str) -> None:
    assert rfc8785.dumps(_float(bits)) == text.encode()


def test_the_verifiers_jcs_agrees_with_the_reference_implementations_test_data() -> None:
    # cyberphone/json-canonicalization, testdata/{input,output}/values.json and weird.json
    # (the RFC's author's): escaping, numbers, literals, and keys sorted by UTF-16 units.
    values = r"""{
      "numbers": [1E30, 4.50, 333333333.33333329, 2e-3, 0.000000000000000000000000001],
      "escaping": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
      "literals": [null, true, false]
    }"""
    assert (
        rfc8785.dumps(json.loads(values))
        == (
            r"""{"escaping":"€$\u000f\nA'B\"\\\\\"/","literals":[null,true,false],"""
            r""""numbers":[1e+30,4.5,333333333.3333333,0.002,1e-27]}"""
        ).encode()
    )
    weird = r"""{
      "\u20ac": "Euro Sign",
      "1": "One",
      "\u0080": "Control\u007f",
      "\ud83d\ude02": "Smiley",
      "\u00f6": "Latin Small Letter O With Diaeresis",
      "\ufb33": "Hebrew Letter Dalet With Dagesh",
      "</script>": "Browser Challenge"
    }"""
    assert (
        rfc8785.dumps(json.loads(weird))
        == (
            '{"1":"One","</script>":"Browser Challenge","\u0080":"Control\u007f",'
            '"\u00f6":"Latin Small Letter O With Diaeresis","\u20ac":"Euro Sign",'
            '"\U0001f602":"Smiley","\ufb33":"Hebrew Letter Dalet With Dagesh"}'
        ).encode()
    )
