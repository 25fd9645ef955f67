"""Requests as tagged JSON, never pickles: whoever can write to Redis cannot run code in the workers."""

from __future__ import annotations

import base64
import json
import logging
from datetime import datetime
from typing import Any

from scrapy.http import Request

from crawler.frontier.settings import LEASE_META

log = logging.getLogger("planwatch.crawler")


class JsonRequestSerializer:
    """``loads``/``dumps`` for scrapy-redis queues: a request dict as tagged JSON, not a pickle.

    bytes become ``{"$b": base64}``, datetimes ``{"$dt": iso}``, dicts with non-string keys
    (headers) ``{"$d": [[k, v], ...]}``. Keys are sorted, so two equal requests are equal
    strings and the sorted-set queue holds them once.
    """

    @staticmethod
    def dumps(obj: dict[str, Any]) -> str:
        if obj.get("_class"):
            raise TypeError(f"only plain scrapy.Request objects go into the shared queue, not {obj['_class']}")
        obj = dict(obj)
        obj["meta"] = shareable_meta(obj.get("meta") or {})
        return json.dumps(to_json_value(obj), sort_keys=True, ensure_ascii=False, separators=(",", ":"))

    @staticmethod
    def loads(data: bytes | str) -> dict[str, Any]:
        obj = from_json_value(json.loads(data))
        if not isinstance(obj, dict) or "url" not in obj or obj.get("_class"):
            raise ValueError("not a request of the shared queue")
        return obj


def shareable_meta(meta: dict[str, Any]) -> dict[str, Any]:
    """The request meta without the lease and without values JSON cannot carry (logged, dropped)."""
    out = {}
    for key, value in meta.items():
        if key == LEASE_META:
            continue
        try:
            to_json_value(value)
        except TypeError:
            log.debug("meta %r (%s) is not shared between workers", key, type(value).__name__)
            continue
        out[key] = value
    return out


def to_json_value(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (bytes, bytearray)):
        return {"$b": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, dict):
        if all(isinstance(k, str) and not k.startswith("$") for k in value):
            return {k: to_json_value(v) for k, v in value.items()}
        return {"$d": [[to_json_value(k), to_json_value(v)] for k, v in value.items()]}
    if isinstance(value, (list, tuple)):
        return [to_json_value(v) for v in value]
    raise TypeError(f"a {type(value).__name__} cannot go into the shared queue")


def from_json_value(value: Any) -> Any:
    if isinstance(value, list):
        return [from_json_value(v) for v in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        (tag, inner), = value.items()
        if tag == "$b":
            return base64.b64decode(inner)
        if tag == "$dt":
            return datetime.fromisoformat(inner)
        if tag == "$d":
            return {_hashable(from_json_value(k)): from_json_value(v) for k, v in inner}
    return {k: from_json_value(v) for k, v in value.items()}


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def request_dict(request: Request, spider: Any) -> dict[str, Any]:
    """``Request.to_dict(spider=...)`` without its search through every attribute of the spider."""
    data: dict[str, Any] = {
        "url": request.url,
        "callback": method_name(spider, request.callback),
        "errback": method_name(spider, request.errback),
        "headers": dict(request.headers),
    }
    for attribute in request.attributes:
        data.setdefault(attribute, getattr(request, attribute))
    if type(request) is not Request:
        data["_class"] = f"{type(request).__module__}.{type(request).__name__}"
    return data


def method_name(spider: Any, func: Any) -> str | None:
    if func is None or isinstance(func, str):
        return func
    name = getattr(func, "__name__", None)
    if name and getattr(func, "__self__", None) is spider:
        return name
    raise ValueError(f"{func!r} is not a method of the spider {spider.name}; it cannot go into the shared queue")
