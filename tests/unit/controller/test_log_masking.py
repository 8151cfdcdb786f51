"""BMC passwords never reach the controller's logs (message, extra fields, tracebacks) or
the status it writes, however short the password."""

from __future__ import annotations

import io
import logging

import pytest

from controller.operator import logs

PASSWORD = "hunter2-bmc"


def _logger(formatter: logging.Formatter) -> tuple[logging.Logger, io.StringIO]:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(formatter)
    logger = logging.getLogger(f"test-masking-{id(out)}")
    logger.handlers[:] = [handler]
    logger.propagate = False
    logger.setLevel(logging.INFO)
    return logger, out


@pytest.mark.parametrize(
    "formatter",
    [logs.JsonFormatter(), logs.TextFormatter()],
    ids=["json", "text"],
)
def test_known_password_is_masked_everywhere(formatter: logging.Formatter) -> None:
    logs.redact(PASSWORD)
    logger, out = _logger(formatter)
    logger.info("logging in with %s", PASSWORD, extra={"detail": f"password={PASSWORD}"})
    try:
        raise RuntimeError(f"BMC said: bad password {PASSWORD}")
    except RuntimeError:
        logger.exception("call failed")
    text = out.getvalue()
    assert PASSWORD not in text
    assert "***" in text


def test_longer_password_containing_a_shorter_one_is_masked_whole() -> None:
    logs.redact("abc")
    logs.redact("abcdef-long")
    assert logs.scrub("x abcdef-long y") == "x *** y"


def test_short_passwords_are_masked_too() -> None:
    logs.redact("#!")
    logs.redact("")
    assert logs.scrub("pw #! used") == "pw *** used"
    assert logs.scrub("nothing to hide") == "nothing to hide"


def test_status_payload_is_scrubbed_throughout() -> None:
    logs.redact(PASSWORD)
    status = {
        "errorMessage": f"invalid BMC address 'ipmi://{PASSWORD}:x'",
        "conditions": [{"type": "Ready", "message": f"bad {PASSWORD}"}],
        "errorCount": 1,
        "poweredOn": None,
    }
    scrubbed = logs.scrub_json(status)
    assert PASSWORD not in str(scrubbed)
    assert scrubbed["errorMessage"] == "invalid BMC address 'ipmi://***:x'"
    assert scrubbed["errorCount"] == 1 and scrubbed["poweredOn"] is None


def test_text_lines_name_the_host_and_the_states() -> None:
    logger, out = _logger(logs.TextFormatter())
    logger.info(
        "state changed",
        extra={"host": "ns/node-0", "from": "", "to": "externally provisioned"},
    )
    line = out.getvalue().strip()
    assert line.endswith('state changed host=ns/node-0 from="" to="externally provisioned"'), line
