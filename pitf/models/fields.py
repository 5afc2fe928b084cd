"""Field types the model families share: JSON's whole numbers, ids a row can have, true or false."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Strict, WithJsonSchema
from pydantic_core import PydanticCustomError

from pitf.textutil import MAX_ID


def _storable_id(value: int) -> int:
    # The id columns are 32-bit: a larger number names no row (and would overflow the drivers).
    if not 0 <= value <= MAX_ID:
        raise PydanticCustomError("no_such_record", "No such record.")
    return value


# Strict: a JSON body's "12" or 12.0 or true is not a whole number (pydantic's lax mode would take them).
WholeNumber = Annotated[int, Strict()]
Flag = Annotated[bool, Strict()]
RowId = Annotated[int, Strict(), AfterValidator(_storable_id),
                  WithJsonSchema({"type": "integer", "minimum": 0, "maximum": MAX_ID})]
