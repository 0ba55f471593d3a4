"""`python -m bot` runs the bot with long polling (or a webhook when WEBHOOK_URL is set)."""

from __future__ import annotations

import sys

from bot import texts
from bot.settings import SettingsError, load_settings


def main() -> int:
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        return 2
    from bot.log import configure_logging

    configure_logging(settings.log_level, settings.telegram_bot_token)
    from telegram.error import InvalidToken

    from bot.app import build_application

    app = build_application(settings)
    try:
        if settings.webhook_url:
            import asyncio

            from bot.webhook import serve

            asyncio.run(serve(app))
        else:
            app.run_polling(allowed_updates=["message", "edited_message", "callback_query"])
    except InvalidToken:
        # PTB's own message quotes the whole token.
        print(texts.token_rejected(settings.telegram_bot_token), file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
