"""The one list-filter parser: each list declares its fields; every bad value is named at once."""

from dataclasses import dataclass

import pytest
from werkzeug.datastructures import MultiDict

from pitf.errors import ValidationFailed
from pitf.services import actions, meetings, recommendations
from pitf.services.filters import Filter, choice, flag, read_filters, record_id


@dataclass
class Shelf:
    colour: str | None = None
    shelf_id: int | None = None
    lit: bool = False


FIELDS = (Filter("colour", choice(("red", "blue"))), Filter("id", record_id, attr="shelf_id"), Filter("lit", flag()))


def test_declared_fields_are_read_into_their_attributes():
    assert read_filters(MultiDict({"colour": "red", "id": "7", "lit": "YES"}), Shelf, FIELDS) == Shelf("red", 7, True)


def test_absent_and_empty_arguments_keep_the_defaults():
    assert read_filters(MultiDict({"colour": "", "unknown": "x"}), Shelf, FIELDS) == Shelf()


def test_every_bad_value_is_named_at_once():
    with pytest.raises(ValidationFailed) as err:
        read_filters(MultiDict({"colour": "green", "id": "x", "lit": "maybe"}), Shelf, FIELDS)
    assert err.value.fields == {"colour": "Use one of red, blue.", "id": "Must be a whole number.",
                                "lit": "Use true or false."}


@pytest.mark.parametrize("parse", [actions.parse_filters, recommendations.parse_filters,
                                   meetings.parse_meeting_filters])
def test_each_list_declares_its_fields_to_the_one_parser(parse):
    with pytest.raises(ValidationFailed) as err:
        parse(MultiDict({"status": "nonsense"}))
    assert list(err.value.fields) == ["status"]
