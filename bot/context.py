"""The typed context every handler and job gets: `context.rt` is the instance's Runtime."""

from __future__ import annotations

from typing import Any, cast

from telegram.ext import Application, CallbackContext, ContextTypes, ExtBot, JobQueue

from bot.runtime import Runtime


class BotData:
    """The application's shared data: only the Runtime, set once when the bot is built."""

    def __init__(self) -> None:
        self._rt: Runtime | None = None

    @property
    def rt(self) -> Runtime:
        assert self._rt is not None, "build_application sets the runtime"
        return self._rt

    @rt.setter
    def rt(self, value: Runtime) -> None:
        self._rt = value


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]):
    @property
    def rt(self) -> Runtime:
        return self.bot_data.rt

    @property
    def app(self) -> App:
        # PTB types the application with an open context type; this one is always App.
        return cast("App", self.application)


CONTEXT_TYPES = ContextTypes(context=BotContext, bot_data=BotData)

App = Application[
    ExtBot[None], BotContext, dict[Any, Any], dict[Any, Any], BotData, JobQueue[BotContext]
]
