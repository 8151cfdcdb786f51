"""Status changes are typed: a misspelt field is a mypy error, KEEP differs from None, and
every settable field is a ``HostStatus`` field the writer applies as given."""

from __future__ import annotations

import dataclasses

from mypy import api as mypy_api

from controller.api import host as api_host
from controller.api import types
from controller.hoststate import change, outcomes


def test_every_settable_field_is_a_status_field() -> None:
    status_fields = {field.name for field in dataclasses.fields(api_host.HostStatus)}
    settable = {field.name for field in dataclasses.fields(change.Status)}
    assert settable <= status_fields
    # The writer alone owns these.
    assert not settable & {"state", "operation_history", "conditions", "last_updated"}


def test_keep_leaves_a_field_and_none_clears_it() -> None:
    image = api_host.Image(url="http://127.0.0.1/i.img")
    before = api_host.HostStatus(image=image, provisioning_id="p-1", powered_on=True)
    after = change.Status(image=None).applied_to(before)
    assert after.image is None
    assert after.provisioning_id == "p-1" and after.powered_on is True
    assert change.NONE.applied_to(before) is before
    assert not change.NONE and change.Status(hardware=None)


def test_later_changes_win_and_changes_combine() -> None:
    first = outcomes.Changes(status=change.Status(powered_on=True, error_count=3))
    second = outcomes.Changes(status=change.Status(error_count=0))
    combined = (first + second).status
    assert combined.fields() == {"powered_on": True, "error_count": 0}
    assert outcomes.ERROR_CLEARED.status.error_type is types.ErrorType.NONE


def test_a_misspelt_field_is_a_type_error() -> None:
    snippet = (
        "from controller.hoststate import change\n"
        "change.Status(powerd_on=True)\n"
        "change.Status(powered_on='yes')\n"
    )
    out, _, code = mypy_api.run(
        ["--config-file", "/dev/null", "--strict", "--no-incremental", "-c", snippet]
    )
    assert code == 1, out
    assert 'Unexpected keyword argument "powerd_on"' in out
    assert 'has incompatible type "str"; expected "bool | Keep"' in out
