"""Bounded numbers for paths, queries and forms: a value out of range is a 422 from
validation, never an overflow in the database driver or in date arithmetic (a 500)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Path, Query

# Row ids are INTEGER columns (int4 on PostgreSQL): nothing above this can exist.
MAX_ID = 2**31 - 1
MAX_PAGE = 100_000
# A silence longer than a year is not a silence but a rule change.
MAX_SILENCE_HOURS = 24.0 * 365

RowId = Annotated[int, Path(ge=1, le=MAX_ID)]
OptionalRowId = Annotated[int | None, Query(ge=1, le=MAX_ID)]
PageNo = Annotated[int, Query(ge=1, le=MAX_PAGE)]
SilenceHours = Annotated[float, Form(gt=0, le=MAX_SILENCE_HOURS, allow_inf_nan=False)]
