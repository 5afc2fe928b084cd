"""A mypy plugin: on a SQLModel table class, a field read from the class is a column (InstrumentedAttribute).

SQLModel declares `ActionItem.due_date: date`, so mypy types `ActionItem.due_date < today` as a bool and
`ActionItem.id.in_(ids)` as an error, while at run time the class attribute is SQLAlchemy's
InstrumentedAttribute. This plugin gives mypy the run-time type for class-level reads of the fields of
classes declared with `table=True`; reads on instances keep the declared Python type.
"""

from __future__ import annotations

from collections.abc import Callable

from mypy.nodes import NameExpr, TypeInfo, Var
from mypy.plugin import AttributeContext, ClassDefContext, Plugin
from mypy.types import CallableType, Instance, Type, TypeType, get_proper_type

TABLE_KEY = "pitf.sqlmodel_table"
COLUMN = "sqlalchemy.orm.attributes.InstrumentedAttribute"


def _mark_table(ctx: ClassDefContext) -> None:
    """Remember (in the class's metadata, which mypy's cache keeps) that the class is declared table=True."""
    table = ctx.cls.keywords.get("table")
    if isinstance(table, NameExpr) and table.fullname == "builtins.True":
        ctx.cls.info.metadata[TABLE_KEY] = {"table": True}


def _accessed_class(ctx: AttributeContext) -> TypeInfo | None:
    owner = get_proper_type(ctx.type)
    if isinstance(owner, CallableType) and owner.is_type_obj():
        ret = get_proper_type(owner.ret_type)
        return ret.type if isinstance(ret, Instance) else None
    if isinstance(owner, TypeType):
        item = get_proper_type(owner.item)
        return item.type if isinstance(item, Instance) else None
    return None


def _column_class(ctx: AttributeContext) -> TypeInfo | None:
    module, _, name = COLUMN.rpartition(".")
    modules = getattr(ctx.api, "modules", {})
    symbol = modules[module].names.get(name) if module in modules else None
    return symbol.node if symbol and isinstance(symbol.node, TypeInfo) else None


def _column(name: str) -> Callable[[AttributeContext], Type]:
    def hook(ctx: AttributeContext) -> Type:
        info = _accessed_class(ctx)
        if info is None or TABLE_KEY not in info.metadata:
            return ctx.default_attr_type
        node = info.get(name)
        if node is None or not isinstance(node.node, Var) or node.node.is_classvar:
            return ctx.default_attr_type
        defined_in = node.node.info
        if defined_in is None or defined_in.fullname.startswith(("sqlmodel.", "pydantic.")):
            return ctx.default_attr_type
        column = _column_class(ctx)
        return Instance(column, [ctx.default_attr_type]) if column else ctx.default_attr_type

    return hook


class SQLModelColumns(Plugin):
    def get_customize_class_mro_hook(self, fullname: str) -> Callable[[ClassDefContext], None] | None:
        # Called for every class, before its body is analysed (the pydantic plugin owns the base class hook).
        return _mark_table

    def get_class_attribute_hook(self, fullname: str) -> Callable[[AttributeContext], Type] | None:
        name = fullname.rpartition(".")[2]
        if name.startswith("_"):
            return None
        return _column(name)


def plugin(_version: str) -> type[Plugin]:
    return SQLModelColumns
