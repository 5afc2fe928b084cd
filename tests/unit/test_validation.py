"""The one translation of pydantic errors (pitf/validation.py) and what forms read from the schema classes."""

import pytest
from pydantic import BaseModel, ConfigDict, Field

from pitf.errors import ValidationFailed
from pitf.models.fields import RowId, WholeNumber
from pitf.models.vocab import ActionStatus, Priority
from pitf.validation import bounds, choices, max_length, validate


class Line(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str = Field(min_length=1, max_length=300)
    minutes: WholeNumber = Field(default=5, ge=1, le=480)


class Sheet(BaseModel):
    model_config = ConfigDict(extra="forbid")
    items: list[Line] = []
    ids: list[RowId] = []
    priority: Priority = Priority.NORMAL


def fields(data, prefix=""):
    with pytest.raises(ValidationFailed) as err:
        validate(Sheet, data, prefix)
    assert err.value.status == 422 and err.value.code == "invalid"
    return err.value.fields


def test_fields_are_named_as_the_api_names_them():
    got = fields({"items": [{"title": "ok"}, {"title": "x" * 301, "minutes": "5"}], "ids": [1, "2"],
                  "colour": "red", "priority": "urgent"})
    assert got == {"items[1].title": "Use at most 300 characters.", "items[1].minutes": "Must be a whole number.",
                   "ids": "Must be a whole number.", "colour": "This field cannot be set here.",
                   "priority": "Choose one of high, normal, low."}


def test_prefix_names_a_nested_object():
    assert fields({"items": [{}]}, prefix="rows[3].") == {"rows[3].items[0].title": "This field is required."}


@pytest.mark.parametrize("value", [True, 1.5, "7", 2**70])
def test_whole_numbers_are_json_integers_only(value):
    assert fields({"items": [{"title": "a", "minutes": value}]})["items[0].minutes"].startswith(
        ("Must be a whole number.", "Use a number of at most"))


def test_ids_beyond_the_columns_name_no_record():
    assert fields({"ids": [2**31]}) == {"ids": "No such record."}


def test_valid_data_becomes_the_model():
    sheet = validate(Sheet, {"items": [{"title": "a"}], "ids": [3], "priority": "high"})
    assert sheet.items[0].minutes == 5 and sheet.priority is Priority.HIGH


def test_forms_read_limits_and_choices_from_the_models():
    assert max_length(Line, "title") == 300 and bounds(Line, "minutes") == (1, 480)
    pairs = choices(ActionStatus, {"in_progress": "In progress"})
    assert pairs[:2] == [("open", "Open"), ("in_progress", "In progress")]
    assert choices(Priority, blank="Any")[0] == ("", "Any")
