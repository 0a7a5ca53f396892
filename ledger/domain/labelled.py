"""A vocabulary whose members carry their Chinese label (中文名称) beside the value served."""

from enum import StrEnum
from typing import Self


class LabelledEnum(StrEnum):
    """Members are ``NAME = "value", "标签"``; the value is what is stored and served."""

    label_zh: str

    # The default only lets a lookup by value (``Step("notice")``) type-check: every member
    # gives its label.
    def __new__(cls, value: str, label_zh: str = "") -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label_zh = label_zh
        return member
