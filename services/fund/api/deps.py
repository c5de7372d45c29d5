"""Dependencies of the fund routes."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Depends

from services.fund.settings import FundSettings
from shared.http.deps import RuntimeDep


def get_settings(runtime: RuntimeDep) -> FundSettings:
    # The app factory always builds the runtime from FundSettings.
    return cast(FundSettings, runtime.settings)


SettingsDep = Annotated[FundSettings, Depends(get_settings)]
