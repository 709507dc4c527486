"""The webhook's control-character filters drop exactly Unicode's Cc and Cs categories."""

from __future__ import annotations

import unicodedata

from gateway.channels import CONTROL_CHARACTERS
from gateway.dialog.conversation import clean_body


def test_the_filters_match_unicodes_control_and_surrogate_categories_everywhere():
    for code_point in range(0x110000):
        ch = chr(code_point)
        control = unicodedata.category(ch) in ("Cc", "Cs")
        assert bool(CONTROL_CHARACTERS.fullmatch(ch)) is control, hex(code_point)
        kept = clean_body(f"a{ch}b")[0]
        assert kept == ("ab" if control and ch not in "\n\t" else f"a{ch}b"), hex(code_point)
