"""Every text a USSD screen can show fits one screen: 80 UCS-2 or 182 GSM-7 characters."""

import pytest

from flows.messages import KEYS, longest_params, render
from flows.segments import ussd_fits

# Texts that only ever go out by SMS (results, notices, support answers), and words
# that are only parts of other texts.
SMS_ONLY = ("result_", "status_word_", "reason_", "ussd_unfinished", "notice_", "canned_")
SCREENS = sorted(k for k in KEYS if not k.startswith(SMS_ONLY) and not k.startswith("ussd_"))
USSD_KEYS = sorted(k for k in KEYS if k.startswith("ussd_") and k != "ussd_unfinished")


@pytest.mark.parametrize("lang", ["fa", "en"])
@pytest.mark.parametrize("key", SCREENS + USSD_KEYS)
def test_every_screen_fits_one_ussd_screen_with_the_longest_values(key, lang):
    text = render(key, lang, medium="ussd", **longest_params(lang))
    assert ussd_fits(text), (key, lang, len(text))


@pytest.mark.parametrize("lang", ["fa", "en"])
@pytest.mark.parametrize("key", ["help", "too_many_tries"])
def test_long_sms_replies_have_a_short_ussd_form(key, lang):
    assert render(key, lang, medium="ussd") == render(f"ussd_{key}", lang)
    assert render(key, lang) != render(f"ussd_{key}", lang)


@pytest.mark.parametrize("lang", ["fa", "en"])
@pytest.mark.parametrize("key", ["ask_national_id", "ask_pension_number", "confirm"])
def test_questions_with_the_back_hint_still_fit(key, lang):
    text = render(key, lang, medium="ussd", **longest_params(lang))
    assert ussd_fits(text + "\n" + render("ussd_back_hint", lang))
