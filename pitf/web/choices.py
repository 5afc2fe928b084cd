"""Select options in WTForms 3.3's form (tuples are deprecated there)."""

from wtforms.fields.choices import SelectChoice


def options(pairs) -> list[SelectChoice]:
    return [SelectChoice(str(value), label) for value, label in pairs]
