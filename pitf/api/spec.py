"""The API's schema machinery: spectree validates requests and responses through the model families, and
the OpenAPI 3.1 document at /api/v1/openapi.json is generated from the same classes and the routes.

A route is declared as:

    @api_bp.post("/action-items")
    @spec.validate(json=ActionItemCreate, resp=responses(201, ActionItemPublic, errors=(401, 403, 422)),
                   tags=["action items"])
    def create_action_item(json: ActionItemCreate): ...

The view receives the validated instance as its `json` (or `query`) argument; a refused request never
reaches it: the body's malformed JSON is a 400 and every invalid field a 422 in API.md's error format
(`error.fields` named as the API names them), through pitf/validation.py.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import re
import typing
from collections.abc import Callable
from typing import Annotated, Any, ClassVar, Generic, TypeVar

from flask import current_app, request
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, create_model, model_validator
from pydantic_core import PydanticCustomError
from spectree import Response, SpecTree

from pitf.api import api_bp
from pitf.api.util import MAX_PER_PAGE, json_body
from pitf.paging import MAX_PAGE, PAGE_MESSAGE, page_number, per_page_message
from pitf.textutil import MAX_ID, parse_id
from pitf.validation import failure

T = TypeVar("T")
PREFIX = "/api/v1"


class ErrorDetail(BaseModel):
    code: str = Field(examples=["not_found"])
    message: str
    fields: dict[str, str] | None = Field(default=None, description="Each invalid field with what is wrong")
    current: dict[str, Any] | None = Field(default=None, description="The current object, with a 409 conflict")


class Error(BaseModel):
    """Every refusal of the API: API.md's error body."""

    error: ErrorDetail


class Page(BaseModel, Generic[T]):
    """One page of a list."""

    items: list[T]
    page: int = Field(ge=1)
    per_page: int = Field(ge=1, le=MAX_PER_PAGE)
    total: int = Field(ge=0)


def _page_arg(value: Any) -> Any:
    # A page number in an address, read as the pages read it (ASCII digits, 1 to MAX_PAGE).
    if isinstance(value, str):
        if (number := page_number(value)) is None:
            raise PydanticCustomError("page", PAGE_MESSAGE)
        return number
    return value


def _per_page_arg(value: Any) -> Any:
    # A page size in an address: the API refuses one over MAX_PER_PAGE (a page cuts it).
    if isinstance(value, str):
        if (number := parse_id(value)) is None or number > MAX_PER_PAGE:
            raise PydanticCustomError("per_page", per_page_message(MAX_PER_PAGE))
        return number
    return value


class PageQuery(BaseModel):
    """`page` and `per_page` of a list, the API's one reader of them (validated by spectree, or by
    filters_and_page beside a list's filters); a list's query model extends it with its filters."""

    model_config = ConfigDict(extra="ignore")  # unknown query arguments are ignored, as they always were
    messages: ClassVar[dict[str, str]] = {"page": PAGE_MESSAGE, "per_page": per_page_message(MAX_PER_PAGE)}

    page: Annotated[int, BeforeValidator(_page_arg)] = Field(default=1, ge=1, le=MAX_PAGE)
    per_page: Annotated[int, BeforeValidator(_per_page_arg)] = Field(default=50, ge=1, le=MAX_PER_PAGE)

    @model_validator(mode="before")
    @classmethod
    def _blank_is_default(cls, data: Any) -> Any:
        # `?page=` means the first page, as the pages' own parser reads it.
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if v not in ("", None)}
        return data


def responses(status: int, model: type | None = None, *, errors: tuple[int, ...] = (401,)) -> Response:
    """The responses of a route: *model* with *status*, and the Error body for each of *errors*."""
    codes: dict[str, Any] = {f"HTTP_{status}": model}
    codes.update({f"HTTP_{code}": Error for code in errors})
    return Response(**codes)


def _component_name(model: type) -> str:
    # OpenAPI component names allow letters, digits, ".", "-", "_": Page[ActionItemPublic] -> PageActionItemPublic
    return re.sub(r"[^A-Za-z0-9._-]", "", model.__name__)


def _nested_name(parent: str, child: str) -> str:
    # One component per vocabulary and nested model ("Pillar"), not one copy per model that uses it.
    return child


def _before(req, resp, req_validation_error, instance, *_) -> None:
    """Turn pydantic's refusal into the API's 422 (the view never runs)."""
    if req_validation_error is None:
        return
    view = current_app.view_functions.get(request.endpoint or "")
    metadata = spec.get_function_metadata(view) if view is not None else None
    where = (metadata.json or metadata.query) if metadata is not None else None
    err = failure(req_validation_error, spec.models_by_name.get(where) if where else None)
    for name, message in list(err.fields.items()):
        for arg, value in (request.view_args or {}).items():  # "POST /api/v1/action-items/{item_id}/updates"
            message = message.replace("{" + arg + "}", str(value))
        err.fields[name] = message
    if view is not None and (also := spec.also_refuse.get(view)) is not None:
        body = request.get_json(silent=True)
        extra = also(body, err.fields) if isinstance(body, dict) else {}
        err.fields.update({k: v for k, v in extra.items() if k not in err.fields})
    raise err


class PitfSpec(SpecTree):
    """spectree, remembering each body and query model so a refusal can use the model's own `messages`.

    `also_refuse=check` names, with a body's invalid fields, the problems only the database can tell
    (check(body, invalid_fields) -> {field: message}), so a client learns every problem at once."""

    models_by_name: dict[str, type] = {}
    also_refuse: dict[Callable, Callable[[dict, dict[str, str]], dict[str, str]]] = {}

    def validate(self, *args, also_refuse: Callable[[dict, dict[str, str]], dict[str, str]] | None = None,
                 **kwargs):
        for model in (kwargs.get("json"), kwargs.get("query")):
            if model is not None:
                self.models_by_name[_component_name(model)] = model
        decorate = super().validate(*args, **kwargs)
        if also_refuse is None:
            return decorate

        def remember(func):
            view = decorate(func)
            self.also_refuse[view] = also_refuse
            return view
        return remember


def list_query(name: str, filters: type, doc: str) -> type[PageQuery]:
    """A list's query model for the document: `page`, `per_page` and the fields of the list's filters dataclass
    (services: each filter declared once, with filter_field's description), in its order."""
    hints = typing.get_type_hints(filters, include_extras=True)
    fields: dict[str, Any] = {}
    for f in dataclasses.fields(filters):
        default = f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default
        fields[f.name] = (hints[f.name], Field(default=default, description=f.metadata.get("description")))
    return create_model(name, __base__=PageQuery, __doc__=doc, __module__=filters.__module__, **fields)


def documented(**declaration):
    """Declare a route in the document only: spectree neither validates its request nor touches its answer.

    For the views that read their arguments with their own parser (a bad filter and a bad page named together
    in one 422) and for answers that are not JSON (spectree would read a streamed file to validate it)."""
    def decorate(func):
        declared = spec.validate(**declaration)(func)

        @functools.wraps(func)
        def view(*args, **kwargs):
            return func(*args, **kwargs)
        view.__wrapped__ = declared  # spectree finds the declaration through it
        return view
    return decorate


spec = PitfSpec("flask", mode="strict", validation_error_status=422, validation_error_model=Error,
                before=_before, naming_strategy=_component_name, nested_naming_strategy=_nested_name,
                title="PITF Coordination Platform API",
                version="1.0.0", description="The public JSON API, v1. See shared/API.md for the contract.")


@api_bp.before_request
def _read_json_body():
    """A body a route validates is parsed here first: malformed JSON is a 400 and text no database stores a
    422 (api/util.json_body), and the parsed body is what spectree then validates (whatever its Content-Type)."""
    if request.method in ("GET", "HEAD", "DELETE", "OPTIONS") or request.mimetype in ("multipart/form-data",
                                                                                      "application/x-www-form-urlencoded"):
        return None
    view = current_app.view_functions.get(request.endpoint or "")
    metadata = spec.get_function_metadata(view) if view is not None else None
    if metadata is not None and metadata.json:
        model = spec.models_by_name.get(metadata.json)
        if getattr(model, "body_optional", False) and not request.get_data(cache=True):
            return None  # a body the route lets the client leave out: spectree validates {}
        json_body()  # werkzeug caches the parsed body for spectree's own get_json
    return None


def _id_parameters(document: dict) -> None:
    """Our `int` converter (pitf.paging.IdConverter) takes ids from 1 to the id columns' largest value."""
    for operations in document["paths"].values():
        for operation in operations.values():
            for param in operation.get("parameters", []):
                schema = param.get("schema") or {}
                if param.get("in") == "path" and schema.get("type") == "integer":
                    schema.update(minimum=1, maximum=MAX_ID)
                    schema.pop("format", None)


def document() -> dict:
    """The OpenAPI 3.1 document, generated from the decorated routes: paths relative to the server `/api/v1`,
    and every operation behind the bearer token unless it says otherwise (`security=[]`)."""
    generated = copy.deepcopy(spec.spec)
    paths: dict[str, dict] = {}
    for path, operations in generated["paths"].items():
        for operation in operations.values():
            operation.setdefault("security", [{"bearerAuth": []}])
            if not operation.get("tags"):
                operation.pop("tags", None)
        paths.setdefault(path.removeprefix(PREFIX) or "/", {}).update(operations)
    components = generated.get("components", {})
    components["securitySchemes"] = {"bearerAuth": {"type": "http", "scheme": "bearer"}}
    doc = {**generated, "openapi": "3.1.0", "servers": [{"url": PREFIX}], "security": [{"bearerAuth": []}],
           "components": components, "paths": paths}
    _id_parameters(doc)
    return doc


@api_bp.get("/openapi.json")
@spec.validate(resp=Response("HTTP_200"), security=[])
def openapi():
    """This document (OpenAPI 3.1), public"""
    return current_app.json.response(document())
