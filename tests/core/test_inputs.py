"""The input rule of ``credit.core.inputs``: any text passes or is refused at its first
refused character, never changed silently; escaping makes any text pass."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from credit.core.inputs import describe, escape_data, escape_text, find_invalid

#: Any text, lone surrogates and every control character included.
ANY_TEXT = st.text(alphabet=st.characters(codec=None, exclude_categories=()))
CONTROLS = [chr(c) for c in range(0x20)]
SURROGATES = ["\ud800", "\udbff", "\udc00", "\udfff"]


def _refused(ch: str, multiline: bool) -> bool:
    code = ord(ch)
    if 0xD800 <= code <= 0xDFFF:
        return True
    return code < 0x20 and not (multiline and ch in "\t\n\r")


@given(text=ANY_TEXT, multiline=st.booleans())
@example(text="a\x00b", multiline=False)
@example(text="\ud800", multiline=True)
@example(text="第一行\n第二行\t", multiline=True)
def test_any_text_passes_or_is_refused_at_its_first_refused_character(text, multiline):
    expected_refused = any(_refused(ch, multiline) for ch in text)
    position = find_invalid(text, multiline=multiline)
    if position is None:
        assert not expected_refused
    else:
        assert expected_refused
        assert _refused(text[position], multiline)
        assert not any(_refused(ch, multiline) for ch in text[:position])


@given(text=ANY_TEXT)
def test_escaped_text_always_passes_the_multiline_rule_and_clean_text_is_kept(text):
    escaped = escape_text(text)
    assert find_invalid(escaped, multiline=True) is None
    if find_invalid(text, multiline=True) is None:
        assert escaped == text


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("a\x00b", "a\\x00b"),
        ("响\x07铃", "响\\x07铃"),
        ("\ud800x", "\\ud800x"),
        ("a\tb\n", "a\tb\n"),
    ],
)
def test_refused_characters_are_escaped_visibly(text, escaped):
    assert escape_text(text) == escaped


def test_escape_data_reaches_names_and_values_at_any_depth():
    assert escape_data({"a\x00": ["x\x01", {"k": "\ud800"}], "n": 3}) == {
        "a\\x00": ["x\\x01", {"k": "\\ud800"}],
        "n": 3,
    }


@pytest.mark.parametrize("ch", CONTROLS)
def test_every_control_character_is_refused_in_a_single_line_parameter(ch):
    assert find_invalid(f"a{ch}b") == 1


@pytest.mark.parametrize("ch", ["\t", "\n", "\r"])
def test_tab_and_line_breaks_pass_in_multiline_text(ch):
    assert find_invalid(f"第一行{ch}第二行", multiline=True) is None


@pytest.mark.parametrize("ch", SURROGATES)
def test_lone_surrogates_are_refused_even_in_multiline_text(ch):
    assert find_invalid(f"a{ch}", multiline=True) == 1


def test_refused_characters_are_described_in_chinese():
    assert describe("\x00") == "控制字符 NUL"
    assert describe("\x07") == "控制字符 U+0007"
    assert describe("\ud800") == "无效的代理字符 U+D800"
