"""The uvicorn configuration the API runs with, shared by `dbaas serve` and the tests."""

from __future__ import annotations

import uvicorn
from fastapi import FastAPI

from api.header_limit import SERVER_HEADER_BUFFER


def server_config(app: FastAPI, log_level: str = "info", access_log: bool = True) -> uvicorn.Config:
    """h11 with a buffer large enough that oversized heads reach HeaderSizeLimit (431), not a reset."""
    return uvicorn.Config(app, http="h11", h11_max_incomplete_event_size=SERVER_HEADER_BUFFER,
                          log_level=log_level, access_log=access_log)
