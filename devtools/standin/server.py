"""The stand-in's HTTP face: Telegram's URL layout, answers and errors, over aiohttp."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any

from aiohttp import web

from .fake import FakeTelegram
from .faults import Faults, FloodLimit
from .params import decode, read_params
from .spec import Spec
from .state import ApiError, Call, Failure
from .webhook import WebhookDelivery

_MAX_UPLOAD = 64 * 1024 * 1024


class StandIn(FakeTelegram):
    """A local Bot API server. Point PTB at `base_url`; with a Spec, every call is checked
    and each violation is answered 400 and kept in `violations`."""

    def __init__(
        self,
        spec: Spec | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        flood: FloodLimit | None = None,
        fault_rate_5xx: float = 0.0,
        seed: int = 0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(clock)
        self.spec = spec
        self.host = host
        self.port = port
        self.faults = Faults(flood, fault_rate_5xx, seed)
        self.webhook = WebhookDelivery(self)
        self._runner: web.AppRunner | None = None
        self._delivery: asyncio.Task[None] | None = None
        # When set, any other token is refused as Telegram refuses it: 401 Unauthorized.
        self.tokens: set[str] | None = None

    @property
    def base_url(self) -> str:
        """What PTB takes as base_url; it appends the token."""
        return f"http://{self.host}:{self.port}/bot"

    def fail_next(
        self,
        method: str,
        code: int = 429,
        n: int = 1,
        *,
        retry_after: int | None = None,
        description: str | None = None,
    ) -> None:
        """The next n calls of method fail with code (429 gets retry_after, default 1)."""
        self.faults.fail_next(method, code, n, retry_after=retry_after, description=description)

    async def start(self) -> None:
        app = web.Application(client_max_size=_MAX_UPLOAD)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_route("*", "/{tail:.*}", self._not_found)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.port).start()
        self.port = self._runner.addresses[0][1]
        self.closing = False
        self._delivery = asyncio.create_task(self.webhook.run())

    async def stop(self) -> None:
        # Long polls see `closing` and answer at once, so the shutdown does not wait on them.
        self.closing = True
        self._signal.fire()
        if self._delivery:
            self._delivery.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._delivery
        if self._runner:
            await self._runner.cleanup()
        self._runner = self._delivery = None

    async def __aenter__(self) -> StandIn:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    async def _handle(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        if self.tokens is not None and token not in self.tokens:
            error = ApiError(401, "Unauthorized")
            return web.json_response(error.payload(), status=error.code)
        bot_id = token.split(":", 1)[0]
        if bot_id.isdigit():
            self.bot["id"] = int(bot_id)
        try:
            raw = await read_params(request)
            method = request.match_info["method"]
            result = await self._call(method, raw)
            await asyncio.sleep(self.faults.delay(method))
        except ApiError as error:
            return web.json_response(error.payload(), status=error.code)
        return web.json_response({"ok": True, "result": result})

    async def _not_found(self, request: web.Request) -> web.Response:
        return web.json_response(ApiError(404, "Not Found").payload(), status=404)

    async def _call(self, method: str, raw: dict[str, Any]) -> Any:
        found = self.handler(method)
        name = found[0] if found else method
        params = decode(raw)
        try:
            self._validate(name, raw, implemented=found is not None)
            if found is None:
                raise ApiError(404, "Not Found")
            chat_id = params.get("chat_id")
            self.faults.check(name, chat_id if isinstance(chat_id, int) else None)
            result = await found[1](params)
        except ApiError as error:
            self.failed.append(Failure(name, params, error.code, error.description))
            raise
        self.calls.append(Call(name, params))
        # Waiters may be watching for any call (an answered button), not only messages.
        self._signal.fire()
        return result

    def _validate(self, method: str, raw: dict[str, Any], *, implemented: bool) -> None:
        if self.spec is None:
            return
        if not self.spec.has_method(method):
            self.violations.append(f"{method}: not a Bot API method")
            raise ApiError(404, "Not Found")
        if not implemented:
            self.violations.append(f"{method}: a Bot API method the stand-in does not implement")
            raise ApiError(404, "Not Found")
        if description := self.spec.check(method, raw):
            self.violations.append(f"{method}: {description}")
            raise ApiError(400, description)
