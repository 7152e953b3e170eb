"""Request and response bodies of the REST API."""

from __future__ import annotations

import json
import re
from itertools import islice
from typing import Any, Literal

from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, StrictBool, ValidationError, field_validator, model_validator
from starlette.exceptions import HTTPException

from .errors import LimitError, TooLargeError


def json_response(body: dict[str, Any]) -> Response:
    """A JSON response built from plain dicts and lists, serialised once.

    The segment and tag routes answer with this instead of pydantic models: building a model
    per token and validating it again against `response_model` is work per token on the event
    loop (dropping it is one of the service changes measured together with `bench/load.py`,
    BENCHMARKS.md: What each optimisation gave). The shapes stay the ones of `SegmentResponse` /
    `TagResponse` (the OpenAPI schema, and the API fuzz test checks every answer against it)."""
    content = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return Response(content, media_type="application/json")


_SURROGATE = re.compile("[\ud800-\udfff]")


def _no_surrogates(text: str, where: str) -> str:
    m = _SURROGATE.search(text)  # one C scan, not a Python loop over a long text
    if m is not None:
        raise ValueError(f"{where} holds a lone surrogate (U+{ord(m.group()):04X}) at character {m.start()}: "
                         "not valid Unicode")
    return text


class TextsRequest(BaseModel):
    """One text (`text`) or several (`texts`), exactly one of the two; optionally a model name."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"text": "我爱北京天安门。"},
                                        {"texts": ["今天天气很好。", "明天见"], "model": "multi-fast:weibo"},
                                        {"text": "国家主席江泽民发表新年讲话", "standard": "ctb6", "pos": True}]},
    )

    text: str | None = Field(None, description="one text to process")
    texts: list[str] | None = Field(None, description="several texts, processed as one batch")
    model: str | None = Field(None, min_length=1, description="model name, or a standard of a multi-standard model "
                              "(default: the server's default model)")
    standard: str | None = Field(None, min_length=1, description="segmentation standard of a multi-standard model "
                                 "(default: the one the model name selects, else the model's first)")
    pos: StrictBool = Field(False, description="add each word's part of speech (models with a POS tagger, e.g. "
                                               "multi-fast)")
    offsets: Literal["codepoint", "utf16"] = Field(
        "codepoint", description="unit of start/end/offset: Unicode code points (Python's str indices), or UTF-16 "
        "code units (JavaScript's string indices: an emoji such as 😀 counts 2)")
    user_words: list[str] | None = Field(
        None, description="words that must come out as one token in this request, on top of the server's user "
        "dictionary; an entry with a space ('中 将') forces that split instead")

    @field_validator("text")
    @classmethod
    def _text_is_unicode(cls, v: str | None) -> str | None:
        return None if v is None else _no_surrogates(v, "text")

    @field_validator("texts")
    @classmethod
    def _texts_are_unicode(cls, v: list[str] | None) -> list[str] | None:
        if v is not None:
            for i, t in enumerate(v):
                _no_surrogates(t, f"texts[{i}]")
        return v

    @field_validator("user_words")
    @classmethod
    def _user_words_are_unicode(cls, v: list[str] | None) -> list[str] | None:
        if v is not None:
            for i, t in enumerate(v):
                _no_surrogates(t, f"user_words[{i}]")
        return v

    @model_validator(mode="after")
    def _exactly_one(self) -> TextsRequest:
        if (self.text is None) == (self.texts is None):
            raise ValueError("give exactly one of 'text' or 'texts'")
        return self

    def all_texts(self) -> list[str]:
        return [self.text] if self.text is not None else list(self.texts or [])


# The body of /v1/segment and /v1/tag in the OpenAPI schema: the routes read it themselves
# (`read_texts_request`), so FastAPI does not see it as a parameter.
TEXTS_BODY: dict[str, Any] = {"requestBody": {"required": True, "content": {"application/json": {
    "schema": TextsRequest.model_json_schema()}}}}
MAX_PROBLEMS = 10  # an invalid request's answer lists this many of its problems, and counts them all
LIST_LIMITS = {"texts": "max_texts", "user_words": "max_user_words"}  # field -> the setting bounding its length


class BoundedValidationError(RequestValidationError):
    """A request's first problems (at most `MAX_PROBLEMS`) and how many it has in all (`total`)."""

    def __init__(self, errors: list[dict[str, Any]], total: int) -> None:
        super().__init__(errors[:MAX_PROBLEMS])
        self.total = total


def read_texts_request(body: bytes, limits: dict[str, int]) -> TextsRequest:
    """The `TextsRequest` in a request body, at a bounded cost: unknown keys and lists longer than
    `limits` (field -> its setting's value, keyed like `LIST_LIMITS`) are refused before any item is
    validated, and at most `MAX_PROBLEMS` problems are reported.

    The cost of parsing is the number of keys, items and containers, not the body's bytes: a body
    with more separators (`,` `:` `[` `{`, counted in C before parsing) than a request within the
    limits can hold, in its structure and its strings together (`limits["separators"]`), is refused
    unparsed.

    Raises `BoundedValidationError` (422), `LimitError` (422), `TooLargeError` (413) or
    `HTTPException` (400: not UTF-8)."""
    # a separator is one byte: a body no longer than the bound cannot hold more (no count needed)
    separators = 0 if len(body) <= limits["separators"] else sum(body.count(c) for c in (b",", b":", b"[", b"{"))
    if separators > limits["separators"]:
        raise TooLargeError(f"the body holds {separators:,} JSON separators (',', ':', '[', '{{'), more than a "
                            f"request within the limits can ({limits['separators']:,}: max_request_chars, "
                            "max_texts, max_user_words)", "json_separators", limits["separators"])
    try:
        data = json.loads(body)
    except json.JSONDecodeError as e:
        raise BoundedValidationError([{"type": "json_invalid", "loc": ("body", e.pos),
                                       "msg": f"JSON decode error: {e.msg}"}], 1) from None
    except UnicodeDecodeError as e:
        raise HTTPException(400, str(e)) from None
    except RecursionError:
        raise BoundedValidationError([{"type": "json_invalid", "loc": ("body",),
                                       "msg": "JSON nested too deeply to parse"}], 1) from None
    except ValueError as e:  # e.g. an integer of more than 4,300 digits (sys.get_int_max_str_digits)
        raise BoundedValidationError([{"type": "json_invalid", "loc": ("body",),
                                       "msg": f"JSON value cannot be read: {str(e)[:200]}"}], 1) from None
    if isinstance(data, dict):
        unknown = data.keys() - TextsRequest.model_fields.keys()
        if unknown:
            first = list(islice((k for k in data if k in unknown), MAX_PROBLEMS))  # in the body's order
            raise BoundedValidationError([{"type": "extra_forbidden", "loc": ("body", k[:100]),
                                           "msg": "Extra inputs are not permitted"} for k in first], len(unknown))
        for name, setting in LIST_LIMITS.items():
            value = data.get(name)
            if isinstance(value, list) and len(value) > limits[name]:
                raise LimitError(f"{len(value)} {name.replace('_', ' ')} in one request; the limit is "
                                 f"{limits[name]} ({setting})", setting, limits[name])
    try:
        return TextsRequest.model_validate(data)
    except ValidationError as e:
        errors = [{**err, "loc": ("body", *err["loc"])}
                  for err in e.errors(include_url=False, include_input=False, include_context=False)[:MAX_PROBLEMS]]
        raise BoundedValidationError(errors, e.error_count()) from None


class TokenOut(BaseModel):
    text: str = Field(description="the word, exactly as in the input")
    start: int = Field(description="offset of its first character in the text")
    end: int = Field(description="offset just past its last character")
    pos: str | None = Field(None, description="part of speech (only when the request asks for it)")


class SegmentResult(BaseModel):
    tokens: list[TokenOut]


class SegmentResponse(BaseModel):
    model: str = Field(description="the model that produced the answer")
    standard: str | None = Field(None, description="the segmentation standard of the answer")
    results: list[SegmentResult] = Field(description="one entry per input text, in order")


class CharOut(BaseModel):
    char: str
    offset: int = Field(description="offset of the character in the text")
    label: str = Field(description="B, M, E or S")
    prob: float = Field(description="the model's probability of the label")
    pos: str | None = Field(None, description="part of speech of the character's word (only when asked for)")


class TagResult(BaseModel):
    chars: list[CharOut] = Field(description="every non-whitespace character, in order")


class TagResponse(BaseModel):
    model: str
    standard: str | None = None
    results: list[TagResult]


class ModelInfo(BaseModel):
    name: str
    default: bool
    standard: str | None = Field(description="segmentation standard used when a request names none")
    standards: list[str] = Field([], description="the standards of a multi-standard model ('standard' in a request)")
    names: list[str] = Field([], description="names a request may give for this model ('model'), each "
                             "selecting a standard")
    cell: str
    layers: int
    hidden: int
    precision: str = Field(description="inference number format the server runs the model in")
    runtime: str = Field(description="what runs the network: native (the package's int8 kernel), onnxruntime "
                                     "or torch")
    pos_tagging: bool = Field(description="whether the model also tags parts of speech ('pos': true)")
    pos_tags: list[str] | None = Field(None, description="its part-of-speech tag set")
    scores: dict[str, Any] = Field(description="scores recorded with the model: dev, dev_pos, dev_by_standard, "
                                               "dev_mixed_by_standard (each dev set read in the mixed standard), "
                                               "test, test_by_standard")


class ModelsResponse(BaseModel):
    models: list[ModelInfo]


class ErrorBody(BaseModel):
    type: str = Field(description="a short machine-readable kind, e.g. 'validation_error'")
    message: str = Field(description="what is wrong, for a person")
    detail: Any | None = None


class ErrorResponse(BaseModel):
    error: ErrorBody


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` of a route: the error statuses it can return, each with the error shape."""
    what = {400: "the body is not JSON, or the library refused the input", 401: "missing or wrong API key",
            404: "unknown model", 408: "the body stopped arriving", 413: "body over max_body_bytes",
            422: "invalid request, unknown standard or a limit exceeded", 503: "busy, or shutting down",
            504: "not answered within request_timeout_s"}
    return {s: {"model": ErrorResponse, "description": what[s]} for s in statuses}


def utf16_offsets(text: str) -> list[int] | None:
    """UTF-16 offset of every code-point offset 0..len(text) of `text`, or None when they are the
    same (no character outside the Basic Multilingual Plane)."""
    if text.isascii() or max(map(ord, text), default=0) <= 0xFFFF:
        return None
    out = [0]
    for ch in text:
        out.append(out[-1] + (2 if ord(ch) > 0xFFFF else 1))
    return out


def tokens_json(text: str, rows: list[dict[str, Any]], unit: str) -> list[dict[str, Any]]:
    """Token or character rows (JSON objects) with their offsets in code points, or (`unit`
    "utf16") changed to UTF-16 code units."""
    table = utf16_offsets(text) if unit == "utf16" else None
    if table is not None:
        for r in rows:
            for key in ("start", "end", "offset"):
                if key in r:
                    r[key] = table[r[key]]
    return rows
