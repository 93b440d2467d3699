"""Arrow (and so Parquet) schemas of the MGDC datasets, derived from their documented fields.

Every documented field is a column, so each part file of a dataset has the same schema whatever its rows
hold; a field a row omits is null. Datetimes are UTC timestamps (milliseconds), structs and arrays of
structs are Parquet structs and lists.
"""

from __future__ import annotations

import pyarrow as pa

from m365_compliance.mgdc.fields import Dataset, Field

_SCALAR_TYPES: dict[str, pa.DataType] = {
    "string": pa.string(),
    "int": pa.int32(),
    "int64": pa.int64(),
    "boolean": pa.bool_(),
    "datetime": pa.timestamp("ms", tz="UTC"),
}


def arrow_type(field: Field) -> pa.DataType:
    if field.type == "struct":
        return pa.struct([pa.field(child.name, arrow_type(child)) for child in field.children])
    if field.type == "list":
        return pa.list_(pa.struct([pa.field(child.name, arrow_type(child)) for child in field.children]))
    return _SCALAR_TYPES[field.type]


def arrow_schema(dataset: Dataset) -> pa.Schema:
    """The dataset's columns in documented order, each nullable."""
    return pa.schema([pa.field(f.name, arrow_type(f)) for f in dataset.fields],
                     metadata={"mgdc.dataset": dataset.id, "mgdc.source": dataset.source})
