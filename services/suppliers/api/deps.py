"""Dependencies of the suppliers routes."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Depends

from services.suppliers.settings import SuppliersSettings
from shared.http.deps import RuntimeDep


def get_settings(runtime: RuntimeDep) -> SuppliersSettings:
    # The app factory always builds the runtime from SuppliersSettings.
    return cast(SuppliersSettings, runtime.settings)


SettingsDep = Annotated[SuppliersSettings, Depends(get_settings)]
