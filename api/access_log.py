"""The access log shows paths, never query values.

uvicorn's access logger formats `'%s - "%s %s HTTP/%s" %d'` with the full path and query string
(encode/uvicorn 0.54.0 uvicorn/protocols/http/h11_impl.py line 477, `get_path_with_query_string`), so a token a client put in the URL
(`?access_token=...`) landed in the log in clear text (issue 22, 11). The API refuses such requests
(api/authenticate_first.py), but the refused request is logged too: this filter keeps each query
parameter's name and replaces its value, before any handler sees the record.
"""

from __future__ import annotations

import logging
from urllib.parse import parse_qsl, quote

ACCESS_LOGGER = "uvicorn.access"
REDACTED = "[redacted]"
_PATH_ARG = 2
"""Position of the path (with its query string) in uvicorn's access-log arguments:
(client address, method, path with query, HTTP version, status code)."""


def redact_query(path: str) -> str:
    """`/v1/x?a=1&token=abc` -> `/v1/x?a=[redacted]&token=[redacted]`; a path without a query is returned as is."""
    base, sep, query = path.partition("?")
    if not sep:
        return path
    names = [quote(name, safe="") for name, _ in parse_qsl(query, keep_blank_values=True)]
    if not names and query:
        return f"{base}?{REDACTED}"
    return base + "?" + "&".join(f"{name}={REDACTED}" for name in names)


class RedactQueryValues(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) > _PATH_ARG and isinstance(args[_PATH_ARG], str):
            record.args = (*args[:_PATH_ARG], redact_query(args[_PATH_ARG]), *args[_PATH_ARG + 1:])
        return True


def install() -> None:
    """Add the filter to uvicorn's access logger (once; call after uvicorn configured logging)."""
    logger = logging.getLogger(ACCESS_LOGGER)
    if not any(isinstance(f, RedactQueryValues) for f in logger.filters):
        logger.addFilter(RedactQueryValues())
