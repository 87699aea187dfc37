"""mypy plugin: an attribute declared ``Column(...)`` on a model reads, on an instance, as
the column's Python value (``doc.status`` is a ``str``), and accepts that value or ``None``
when assigned. On the class (``IncomingDocument.status`` in a query) it stays a column.

SQLAlchemy's own mypy plugin is gone in 2.1 and its typing needs ``Mapped[...]`` with
``mapped_column()``; the models declare ``Column`` (the form Flask-AppBuilder documents),
so this is the small step between the two."""

from collections.abc import Callable

from mypy.nodes import Var
from mypy.plugin import AttributeContext, Plugin
from mypy.types import Instance, NoneType, Type, UninhabitedType, UnionType, get_proper_type

COLUMN = "sqlalchemy.sql.schema.Column"


def _value_type(ctx: AttributeContext) -> Type:
    attr = get_proper_type(ctx.default_attr_type)
    if not (isinstance(attr, Instance) and attr.type.fullname == COLUMN and attr.args):
        return ctx.default_attr_type
    if ctx.is_lvalue:
        return UnionType.make_union([attr.args[0], NoneType()])
    return attr.args[0]


class ColumnValues(Plugin):
    def get_attribute_hook(self, fullname: str) -> Callable[[AttributeContext], Type] | None:
        return _value_type

    def get_class_attribute_hook(
            self, fullname: str) -> Callable[[AttributeContext], Type] | None:
        # Column.__get__ types class access as Never (it is meant for TypedColumns); on a
        # model class the attribute is the column itself.
        sym = self.lookup_fully_qualified(fullname)
        declared = sym.node.type if sym is not None and isinstance(sym.node, Var) else None
        column = get_proper_type(declared) if declared is not None else None
        if not (isinstance(column, Instance) and column.type.fullname == COLUMN):
            return None

        def _column(ctx: AttributeContext) -> Type:
            found = get_proper_type(ctx.default_attr_type)
            return column if isinstance(found, UninhabitedType) else ctx.default_attr_type
        return _column


def plugin(version: str) -> type[Plugin]:
    return ColumnValues
