"""The bot's modules run as processes of their own, the way a deploy starts them."""

from __future__ import annotations

import os

from tests.support import REPO


def bot_env(**settings: str) -> dict[str, str]:
    """The environment for `python -m bot`: the given settings and none from the shell."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TELEGRAM_", "DATABASE_", "WEBHOOK_", "METRICS_"))
    }
    # The processes run in a scratch folder: this checkout's code, not an installed copy.
    # Metrics are off unless a test asks: a fixed port could be taken on a shared machine.
    return {**env, "PYTHONPATH": str(REPO), "METRICS_PORT": "0", **settings}
