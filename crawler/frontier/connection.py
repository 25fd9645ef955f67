"""The Redis client of the frontier: one timeout for every command, the password from the environment."""

from __future__ import annotations

import os

import redis

from crawler.frontier.settings import PASSWORD_ENV, REDIS_TIMEOUT, FrontierError


def connect(redis_url: str) -> redis.Redis:
    """A client for ``redis_url``; the password, if any, comes from ``$PLANWATCH_REDIS_PASSWORD``."""
    from scrapy_redis.connection import get_redis

    extra = {"password": os.environ[PASSWORD_ENV]} if os.environ.get(PASSWORD_ENV) else {}
    return get_redis(
        url=redis_url,
        socket_timeout=REDIS_TIMEOUT,
        socket_connect_timeout=REDIS_TIMEOUT,
        retry_on_timeout=True,
        health_check_interval=30,
        **extra,
    )


def check_redis(redis_url: str) -> None:
    """Raise ``FrontierError`` (one line) unless Redis answers at ``redis_url``."""
    try:
        client = connect(redis_url)
        client.ping()
        client.close()
    except (redis.RedisError, OSError, ValueError) as exc:
        raise FrontierError(f"cannot reach Redis at {redis_url}: {one_line(exc)}") from None


def one_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
