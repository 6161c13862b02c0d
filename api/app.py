"""The HTTP surface: routes under /v1, health and metrics, and the error contract.

Every error is JSON `{"detail": ...}`: a message, or for 422 a list of field errors with
paths. Nothing a client sends produces a 500.
"""

import logging
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, Path, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.auth import AuthError, Caller, TokenVerifier
from api.authenticate_first import CALLER_STATE, AuthenticateFirst
from api.body_limit import BodySizeLimit
from api.errors import ApiError, FieldError, TooManyRequests, Unauthorized, Unprocessable
from api.field_errors import field_errors
from api.header_limit import HeaderSizeLimit
from api.idempotency import IdempotencyStore
from api.json_body import StrictJsonBody
from api.metrics import CONTENT_TYPE_LATEST, ApiMetrics, MetricsMiddleware
from api.permissions import Action, authorize_create
from api.rate_limit import OrgRateLimiter
from api.schemas import (
    BackupRequest, ChangeResult, ErrorResponse, Health, RestartRequest, RestoreRequest, ScaleRequest, TenantList,
    TenantView, ValidationErrorResponse,
)
from api.service import ProvisioningService
from api.settings import ApiSettings
from api.status_routes import add_status_routes
from declarations.tenant_model import ServiceName, Service, Tenant, TenantId

log = logging.getLogger("dbaas.api")

_DESCRIPTIONS = {
    401: "Missing or invalid bearer token.",
    403: "Your roles do not allow this.",
    404: "No such tenant or service (or not one you may see).",
    409: "Conflicts with the current state (id taken, raced, already requested).",
    412: "If-Match does not match the tenant's current ETag.",
    413: "Request body too large.",
    415: "The body is not JSON (Content-Type must be application/json).",
    422: "Invalid request: each error names its field.",
    428: "If-Match is required.",
    429: "Per-org rate limit reached; see Retry-After.",
    431: "Request headers too large (e.g. an oversized bearer token).",
    503: "The repository cannot be written right now.",
}


def _responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {c: {"model": ValidationErrorResponse if c == 422 else ErrorResponse, "description": _DESCRIPTIONS[c]}
            for c in codes}


_READ = _responses(401, 404, 422, 429, 431, 503)
_WRITE = _responses(401, 403, 404, 409, 412, 413, 415, 422, 429, 431, 503)

TenantIdPath = Annotated[TenantId, Path(description="Tenant id (DNS-1123 label).")]
IfMatch = Annotated[str | None, Header(alias="If-Match", description="ETag from GET; required on PUT.")]
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", description="Retry-safe key for POST.")]


def create_app(settings: ApiSettings) -> FastAPI:
    metrics = ApiMetrics()
    service = ProvisioningService(settings, metrics)
    verifier = TokenVerifier(settings)
    limiter = OrgRateLimiter(settings.rate_limit_per_minute, settings.rate_limit_burst)
    idempotency: IdempotencyStore[ChangeResult] = IdempotencyStore()
    bearer = HTTPBearer(auto_error=False, description="JWT with the claims sub, org and roles.")

    app = FastAPI(title="dbaas provisioning API", version="1",
                  description="Self-service tenant changes, committed on review branches with their plan diff.")
    app.add_middleware(StrictJsonBody)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(AuthenticateFirst, verifier=verifier)  # outside the body guards: no body read before a token
    app.add_middleware(HeaderSizeLimit)
    app.add_middleware(MetricsMiddleware, metrics=metrics)

    def caller(request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> Caller:
        """The caller AuthenticateFirst verified for this request (the token is verified here only for a route
        outside its prefix); `bearer` documents the scheme in OpenAPI."""
        who = request.scope.get("state", {}).get(CALLER_STATE)
        if who is None:
            if credentials is None or credentials.scheme.lower() != "bearer":
                raise Unauthorized("missing 'Authorization: Bearer <token>' header")
            try:
                who = verifier.verify(credentials.credentials)
            except AuthError as exc:
                raise Unauthorized(str(exc)) from None
        retry_after = limiter.acquire(who.org)
        if retry_after is not None:
            metrics.throttled.labels(who.org).inc()
            raise TooManyRequests(f"org {who.org!r} sent too many requests", headers={"Retry-After": str(retry_after)})
        return who

    Who = Annotated[Caller, Depends(caller)]

    def accepted(result: ChangeResult, replayed: bool = False) -> JSONResponse:
        headers = {"ETag": result.etag, "Location": f"/v1/tenants/{result.tenant_id}"}
        if replayed:
            headers["Idempotent-Replayed"] = "true"
        return JSONResponse(result.model_dump(mode="json"), status_code=202, headers=headers)

    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError) -> JSONResponse:
        headers = dict(exc.headers)
        if isinstance(exc, Unauthorized):
            headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
        content: Any = [e.model_dump() for e in exc.errors] if isinstance(exc, Unprocessable) else exc.detail
        return JSONResponse({"detail": content}, status_code=exc.status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [e.model_dump() for e in field_errors(exc.errors())]
        return JSONResponse({"detail": errors}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        """FastAPI answers an undecodable body with a bare 400; keep the 422 field-error contract."""
        if exc.status_code == 400:
            error = FieldError(loc=["body"], field="body", msg="request body is not valid UTF-8 JSON", type="json_invalid")
            return JSONResponse({"detail": [error.model_dump()]}, status_code=422)
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.error("unexpected %s while answering a request", type(exc).__name__, exc_info=exc)
        return JSONResponse({"detail": "internal error; the request was not applied"}, status_code=500)

    @app.get("/healthz", response_model=Health, responses=_responses(503), tags=["operations"])
    def healthz() -> Health:
        return Health(status="ok", base_branch=settings.base_branch, base_commit=service.store.base_commit())

    @app.get("/metrics", response_class=Response, tags=["operations"],
             responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}},
                              "description": "Prometheus text format."}})
    def prometheus_metrics() -> Response:
        return Response(metrics.exposition(), media_type=CONTENT_TYPE_LATEST)

    @app.get("/v1/tenants", response_model=TenantList, responses=_responses(401, 429, 503), tags=["tenants"])
    def list_tenants(who: Who) -> TenantList:
        return TenantList(items=service.list(who))

    @app.post("/v1/tenants", status_code=202, response_model=ChangeResult, responses=_WRITE, tags=["tenants"])
    async def create_tenant(request: Request, tenant: Tenant, who: Who, key: IdempotencyKey = None) -> JSONResponse:
        body = await request.body()
        scope = (who.org, who.sub, "POST /v1/tenants")
        result, replayed = await run_in_threadpool(idempotency.run, scope, key, body, lambda: service.create(who, tenant),
                                                   lambda: authorize_create(who))
        return accepted(result, replayed)

    @app.get("/v1/tenants/{tenant_id}", response_model=TenantView, responses=_READ, tags=["tenants"])
    def get_tenant(tenant_id: TenantIdPath, who: Who, response: Response) -> TenantView:
        view = service.get(who, tenant_id)
        response.headers["ETag"] = view.etag
        return view

    @app.head("/v1/tenants/{tenant_id}", response_class=Response, responses=_READ, tags=["tenants"],
              summary="Tenant headers only (ETag for If-Match)")
    def head_tenant(tenant_id: TenantIdPath, who: Who) -> Response:
        """What GET answers, without the body: `curl -I` reads the ETag for a following PUT."""
        view = service.get(who, tenant_id)
        return Response(status_code=200, headers={"ETag": view.etag}, media_type="application/json")

    @app.put("/v1/tenants/{tenant_id}", status_code=202, response_model=ChangeResult,
             responses=_WRITE | _responses(428), tags=["tenants"])
    def replace_tenant(tenant_id: TenantIdPath, tenant: Tenant, who: Who, if_match: IfMatch = None) -> JSONResponse:
        return accepted(service.replace(who, tenant_id, tenant, if_match))

    @app.delete("/v1/tenants/{tenant_id}", status_code=202, response_model=ChangeResult, responses=_WRITE,
                tags=["tenants"])
    def decommission_tenant(tenant_id: TenantIdPath, who: Who, if_match: IfMatch = None) -> JSONResponse:
        return accepted(service.decommission(who, tenant_id, if_match))

    @app.post("/v1/tenants/{tenant_id}/services", status_code=202, response_model=ChangeResult, responses=_WRITE,
              tags=["services"])
    async def add_service(request: Request, tenant_id: TenantIdPath, body: Service, who: Who,
                          if_match: IfMatch = None, key: IdempotencyKey = None) -> JSONResponse:
        raw = await request.body()
        scope = (who.org, who.sub, f"POST /v1/tenants/{tenant_id}/services")
        result, replayed = await run_in_threadpool(idempotency.run, scope, key, raw,
                                                   lambda: service.add_service(who, tenant_id, body, if_match),
                                                   lambda: service.visible(who, tenant_id, Action.manage_services))
        return accepted(result, replayed)

    @app.delete("/v1/tenants/{tenant_id}/services/{name}", status_code=202, response_model=ChangeResult,
                responses=_WRITE, tags=["services"])
    def remove_service(tenant_id: TenantIdPath, name: Annotated[ServiceName, Path()], who: Who,
                       if_match: IfMatch = None) -> JSONResponse:
        return accepted(service.remove_service(who, tenant_id, name, if_match))

    add_status_routes(app, service, Who, _READ)
    ServiceNamePath = Annotated[ServiceName, Path()]

    @app.post("/v1/tenants/{tenant_id}/services/{name}/scale", status_code=202, response_model=ChangeResult,
              responses=_WRITE, tags=["services"])
    def scale_service(tenant_id: TenantIdPath, name: ServiceNamePath, body: ScaleRequest, who: Who,
                      if_match: IfMatch = None) -> JSONResponse:
        return accepted(service.scale_service(who, tenant_id, name, body, if_match))

    @app.post("/v1/tenants/{tenant_id}/services/{name}/backups", status_code=202, response_model=ChangeResult,
              responses=_WRITE, tags=["services"])
    def backup_service(tenant_id: TenantIdPath, name: ServiceNamePath, body: BackupRequest, who: Who,
                       if_match: IfMatch = None) -> JSONResponse:
        return accepted(service.backup_service(who, tenant_id, name, body, if_match))

    @app.post("/v1/tenants/{tenant_id}/services/{name}/restarts", status_code=202, response_model=ChangeResult,
              responses=_WRITE, tags=["services"])
    def restart_service(tenant_id: TenantIdPath, name: ServiceNamePath, body: RestartRequest, who: Who,
                        if_match: IfMatch = None) -> JSONResponse:
        return accepted(service.restart_service(who, tenant_id, name, body, if_match))

    @app.post("/v1/tenants/{tenant_id}/services/{name}/restores", status_code=202, response_model=ChangeResult,
              responses=_WRITE, tags=["services"])
    def restore_service(tenant_id: TenantIdPath, name: ServiceNamePath, body: RestoreRequest, who: Who,
                        if_match: IfMatch = None) -> JSONResponse:
        return accepted(service.restore_service(who, tenant_id, name, body, if_match))

    app.state.service = service
    app.state.metrics = metrics
    return app

