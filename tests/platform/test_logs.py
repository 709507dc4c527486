"""Log lines never carry national IDs, pension numbers, names or phones in full."""

import io
import logging

import pytest

from gateway.platform.logs import MaskingFormatter, format_fields, log_event
from gateway.platform.masking import mask_digits, mask_name, mask_phone, mask_text


@pytest.mark.parametrize(
    ("func", "value", "expected"),
    [
        (mask_digits, "0012345678", "00******78"),
        (mask_digits, "123456789012", "12********12"),
        (mask_digits, "1234", "****"),
        (mask_phone, "+989121234567", "+98912****567"),
        (mask_phone, "", ""),
        (mask_name, "علی رضایی", "ع*** ر***"),
        (mask_text, "nid 0012345678 from +989121234567", "nid 00******78 from +98912****567"),
        (mask_text, "took 12 ms, id 42", "took 12 ms, id 42"),
        (mask_text, "nid 001-234-5679 typed", "nid 00*-***-**79 typed"),
        (mask_text, "call 0912 123 4567", "call 09** *** **67"),
        (mask_text, "pension_number=1234 left", "pension_number=**** left"),
        (mask_text, "pension number: 56789", "pension number: *****"),
        (mask_text, "کد ملی ۰۰۱۲۳۴۵۶۷۹", "ک*** م*** **********"),
        (mask_text, "name علی رضایی in an error", "name ع*** ر*** in an error"),
        (mask_text, "2026-11-29T08:15:29 INFO x ms=12.5", "2026-11-29T08:15:29 INFO x ms=12.5"),
        (
            mask_text,
            "127.0.0.1:8000 job validate_application-42",
            "127.0.0.1:8000 job validate_application-42",
        ),
        (mask_text, "national_id=00******78", "national_id=00******78"),
        # A USSD request's text joins its inputs with `*`: each number is still masked.
        (mask_text, "text=1*0012345678*12345678", "text=1*00******78*12****78"),
        (mask_text, "1*001-234-5679", "1*00*-***-**79"),
        (mask_text, "*7070*1# then 0012345678", "*7070*1# then 00******78"),
        (mask_text, mask_text("1*0012345678"), "1*00******78"),  # masking twice changes nothing
    ],
)
def test_masks(func, value, expected):
    assert func(value) == expected


def test_fields_are_masked_by_name_and_bodies_are_hidden():
    line = format_fields(
        {
            "national_id": "0012345678",
            "phone": "+989121234567",
            "full_name": "علی رضایی",
            "text": "0012345678 123456",
            "status": "pending",
        }
    )
    assert "0012345678" not in line
    assert "+989121234567" not in line
    assert "رضایی" not in line
    assert "status=pending" in line
    assert "text='<17 chars>'" in line


def test_a_log_line_through_the_handler_is_masked_and_on_one_line():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(MaskingFormatter("%(message)s"))
    logger = logging.getLogger("smsgw.test.masking")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        log_event(logger, "inbound", phone="+989121234567", national_id="0012345678")
        logger.info("raw line with 0012345678 and +989121234567\nsecond line")
    finally:
        logger.removeHandler(handler)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2  # the multi-line message became one line
    assert lines[0] == "inbound phone=+98912****567 national_id=00******78"
    assert lines[1] == "raw line with 00******78 and +98912****567 | second line"
