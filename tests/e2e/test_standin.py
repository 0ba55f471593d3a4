"""The Bot API stand-in itself: answers, errors, validation, users, polling and webhooks."""

from __future__ import annotations

import asyncio
import contextlib
import html
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from aiohttp import web
from hypothesis import given
from hypothesis import strategies as st
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, Forbidden, RetryAfter
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ContextTypes,
    Defaults,
    MessageHandler,
    filters,
)

from devtools.standin import FloodLimit, HtmlError, StandIn, parse_html, utf16_len
from devtools.standin.users import TINY_PNG
from devtools.standin.webhook import SECRET_HEADER
from tests.support.standin import TOKEN

KEYBOARD = InlineKeyboardMarkup(
    [
        [InlineKeyboardButton("Start session", callback_data="s:1")],
        [InlineKeyboardButton("Later", callback_data="later")],
    ]
)


@pytest.fixture
async def ptb(standin: StandIn) -> AsyncIterator[Bot]:
    async with Bot(TOKEN, base_url=standin.base_url) as bot:
        yield bot


async def call(server: StandIn, method: str, **params: Any) -> httpx.Response:
    """A raw form-encoded call, as PTB makes them (objects as JSON strings)."""
    form = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
    async with httpx.AsyncClient() as client:
        return await client.post(f"{server.base_url}{TOKEN}/{method}", data=form)


def take_violations(server: StandIn) -> list[str]:
    """Hands the violations a test provoked on purpose to the test, so teardown passes."""
    found = list(server.violations)
    server.violations.clear()
    return found


async def eventually(condition: Callable[[], bool]) -> None:
    async with asyncio.timeout(2):
        while not condition():  # noqa: ASYNC110 - the receivers have no event to await
            await asyncio.sleep(0.01)


# --- answers -------------------------------------------------------------------------------


async def test_send_message_returns_a_message_and_records_it(standin: StandIn, ptb: Bot) -> None:
    sent = await ptb.send_message(
        42, "<b>Hi</b> 😀 &lt;3", parse_mode="HTML", reply_markup=KEYBOARD
    )

    assert sent.text == "Hi 😀 <3"
    assert sent.entities[0].type == "bold"
    assert sent.from_user.id == 123456
    assert sent.reply_markup == KEYBOARD
    [message] = standin.chat(42).messages
    assert (message.message_id, message.text, message.edits) == (sent.message_id, sent.text, 0)
    assert [b["text"] for b in message.buttons] == ["Start session", "Later"]
    assert standin.count("sendMessage") == 1
    assert [c.method for c in standin.calls_for(42)] == ["sendMessage"]


async def test_unknown_method_is_404_and_a_violation(standin: StandIn) -> None:
    response = await call(standin, "sendTelepathy", chat_id=1)

    assert response.status_code == 404
    assert response.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
    assert take_violations(standin) == ["sendTelepathy: not a Bot API method"]


async def test_method_the_standin_lacks_is_a_violation(standin: StandIn) -> None:
    response = await call(standin, "sendPoll", chat_id=1, question="Q", options=[])

    assert response.status_code == 404
    assert "does not implement" in take_violations(standin)[0]


def _markup(*buttons: dict[str, Any]) -> str:
    return json.dumps({"inline_keyboard": [list(buttons)]})


HTML = {"chat_id": 1, "parse_mode": "HTML"}
BAD_CALLS = {
    "unknown parameter": ({"chat_id": 1, "text": "x", "colour": "red"}, 'parameter "colour"'),
    "missing required": ({"text": "x"}, 'parameter "chat_id" is required'),
    "empty text": ({"chat_id": 1, "text": ""}, "message text is empty"),
    "empty after HTML": ({**HTML, "text": "<b></b>"}, "message text is empty"),
    "too long": ({"chat_id": 1, "text": "x" * 4097}, "message is too long"),
    "too long in UTF-16": ({"chat_id": 1, "text": "😀" * 2049}, "message is too long"),
    "unclosed tag": ({**HTML, "text": "<b>bold"}, 'end tag corresponding to start tag "b"'),
    "unknown tag": ({**HTML, "text": "<blink>x</blink>"}, 'Unsupported start tag "blink"'),
    "raw <": ({**HTML, "text": "1 < 2"}, 'Character "<" must be escaped'),
    "raw &": ({**HTML, "text": "salt & pepper"}, 'Character "&" must be escaped'),
    "named entity": ({**HTML, "text": "a&nbsp;b"}, "Unsupported HTML entity"),
    "crossed tags": ({**HTML, "text": "<b><i>x</b></i>"}, "Unmatched end tag"),
    "bad parse_mode": ({"chat_id": 1, "text": "x", "parse_mode": "RTF"}, "parse_mode"),
    "bad type": ({"chat_id": 1, "text": "x", "protect_content": "maybe"}, "must be Boolean"),
    "long callback_data": (
        {
            "chat_id": 1,
            "text": "x",
            "reply_markup": _markup({"text": "b", "callback_data": "é" * 33}),
        },
        "BUTTON_DATA_INVALID",
    ),
    "two actions": (
        {
            "chat_id": 1,
            "text": "x",
            "reply_markup": _markup({"text": "b", "callback_data": "d", "url": "https://e.org"}),
        },
        "exactly one action",
    ),
    "no action": (
        {"chat_id": 1, "text": "x", "reply_markup": _markup({"text": "b"})},
        "exactly one action",
    ),
    "rows not arrays": (
        {
            "chat_id": 1,
            "text": "x",
            "reply_markup": json.dumps({"inline_keyboard": [{"text": "b", "callback_data": "d"}]}),
        },
        "reply_markup.inline_keyboard[0] must be Array",
    ),
    "unknown markup": (
        {"chat_id": 1, "text": "x", "reply_markup": json.dumps({"buttons": []})},
        "reply_markup must be InlineKeyboardMarkup or ReplyKeyboardMarkup",
    ),
    "not JSON": ({"chat_id": 1, "text": "x", "reply_markup": "{oops"}, "not valid JSON"),
}


@pytest.mark.parametrize(("params", "expected"), BAD_CALLS.values(), ids=BAD_CALLS.keys())
async def test_a_call_breaking_the_spec_is_refused_and_recorded(
    standin: StandIn, params: dict[str, Any], expected: str
) -> None:
    response = await call(standin, "sendMessage", **params)

    assert response.status_code == 400
    assert response.json()["description"].startswith("Bad Request: ")
    assert expected in response.json()["description"]
    [violation] = take_violations(standin)
    assert violation.startswith("sendMessage: Bad Request: ") and expected in violation
    assert standin.chat(1).messages == []


async def test_valid_rich_calls_pass(standin: StandIn) -> None:
    text = (
        '<b>b</b> <strong>s</strong> <i>i</i> <u>u</u> <s>s</s> <span class="tg-spoiler">x</span>'
        ' <a href="https://e.org/?a=1&amp;b=2">l</a> <code>c</code>'
        ' <pre><code class="language-python">x = 1</code></pre>'
        " <blockquote expandable>q</blockquote>"
        ' <tg-emoji emoji-id="5368324170671202286">👍</tg-emoji> &quot;&#128512;&#x1F600;'
    )
    reply_keyboard = {"keyboard": [["Yes", {"text": "Where am I?", "request_location": True}]]}

    responses = [
        await call(standin, "sendMessage", chat_id=1, text=text, parse_mode="HTML"),
        await call(standin, "sendMessage", chat_id=1, text="k", reply_markup=reply_keyboard),
        await call(
            standin, "sendMessage", chat_id=1, text="k", reply_markup={"remove_keyboard": True}
        ),
        await call(standin, "sendMessage", chat_id="1", text="k", disable_notification=True),
    ]

    assert [r.status_code for r in responses] == [200] * 4
    assert standin.chat(1).messages[1].reply_markup == reply_keyboard


async def test_json_bodies_are_accepted(standin: StandIn) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.post(
            f"{standin.base_url}{TOKEN}/sendMessage",
            json={"chat_id": 5, "text": "hi", "reply_markup": {"remove_keyboard": True}},
        )

    assert response.json()["result"]["text"] == "hi"


async def test_without_a_spec_nothing_is_validated() -> None:
    async with StandIn() as server:
        response = await call(
            server, "sendMessage", chat_id=1, text="1 < 2", parse_mode="HTML", x=1
        )

    assert response.status_code == 200
    assert server.chat(1).messages[0].text == "1 < 2"
    assert server.violations == []


# --- Telegram's errors -------------------------------------------------------------------


async def test_identical_edit_is_not_modified(standin: StandIn, ptb: Bot) -> None:
    sent = await ptb.send_message(7, "Step 1", reply_markup=KEYBOARD)
    await ptb.edit_message_text(
        "Step 2", chat_id=7, message_id=sent.message_id, reply_markup=KEYBOARD
    )

    with pytest.raises(BadRequest, match="Message is not modified"):
        await ptb.edit_message_text(
            "Step 2", chat_id=7, message_id=sent.message_id, reply_markup=KEYBOARD
        )
    with pytest.raises(BadRequest, match="Message is not modified"):
        await ptb.edit_message_reply_markup(
            chat_id=7, message_id=sent.message_id, reply_markup=KEYBOARD
        )
    [message] = standin.chat(7).messages
    assert (message.text, message.edits) == ("Step 2", 1)


async def test_edit_without_markup_removes_the_keyboard(standin: StandIn, ptb: Bot) -> None:
    sent = await ptb.send_message(7, "Pick", reply_markup=KEYBOARD)

    edited = await ptb.edit_message_text("Picked", chat_id=7, message_id=sent.message_id)

    assert edited.reply_markup is None
    assert standin.chat(7).messages[0].buttons == []


async def test_editing_or_deleting_an_unknown_message_fails(standin: StandIn, ptb: Bot) -> None:
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await ptb.edit_message_text("x", chat_id=7, message_id=99)
    with pytest.raises(BadRequest, match="Message to delete not found"):
        await ptb.delete_message(7, 99)


async def test_delete_message_removes_it(standin: StandIn, ptb: Bot) -> None:
    seen: list[tuple[str, int]] = []
    standin.add_listener(lambda kind, message: seen.append((kind, message.message_id)))
    sent = await ptb.send_message(7, "bye")

    assert await ptb.delete_message(7, sent.message_id)
    assert standin.chat(7).messages == []
    assert seen == [("sent", sent.message_id), ("deleted", sent.message_id)]


async def test_blocked_user_is_forbidden(standin: StandIn, ptb: Bot) -> None:
    standin.block(9)

    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await ptb.send_message(9, "hello?")
    assert standin.failed[-1].error_code == 403
    standin.unblock(9)
    await ptb.send_message(9, "hello again")


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_fail_next_gives_retry_after(standin: StandIn, ptb: Bot) -> None:
    standin.fail_next("sendMessage", 429, retry_after=7)

    with pytest.raises(RetryAfter) as caught:
        await ptb.send_message(1, "a")
    assert "Retry in 7 seconds" in str(caught.value)
    assert standin.failed[-1].error_code == 429
    await ptb.send_message(1, "b")


async def test_flood_limit_per_chat(spec: Any) -> None:
    async with StandIn(spec, flood=FloodLimit(per_chat=2)) as server:
        codes = [
            (await call(server, "sendMessage", chat_id=1, text="x")).status_code for _ in "abc"
        ]
        other = await call(server, "sendMessage", chat_id=2, text="x")
        flooded = await call(server, "sendMessage", chat_id=1, text="x")

    assert codes == [200, 200, 429]
    assert other.status_code == 200
    assert flooded.json()["parameters"]["retry_after"] >= 1


async def test_5xx_share_is_seeded() -> None:
    async def statuses(seed: int) -> list[int]:
        async with StandIn(fault_rate_5xx=0.3, seed=seed) as server, httpx.AsyncClient() as client:
            url = f"{server.base_url}{TOKEN}/getMe"
            return [(await client.post(url)).status_code for _ in range(30)]

    first, again = await statuses(1), await statuses(1)

    assert first == again
    assert 3 <= first.count(502) <= 17 and first.count(200) + first.count(502) == 30


async def test_callback_answers_need_an_open_query(standin: StandIn, ptb: Bot) -> None:
    await ptb.send_message(3, "Pick", reply_markup=KEYBOARD)
    query = await standin.user(3).press("Later")

    assert await ptb.answer_callback_query(query["id"], text="ok")
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await ptb.answer_callback_query(query["id"])


async def test_commands_round_trip(standin: StandIn, ptb: Bot) -> None:
    await ptb.set_my_commands([("start", "Begin"), ("help", "What I can do")])

    assert [c.command for c in await ptb.get_my_commands()] == ["start", "help"]


# --- uploads -----------------------------------------------------------------------------


async def test_multipart_uploads_keep_their_bytes(standin: StandIn, ptb: Bot) -> None:
    csv = b"date,minutes\n2025-01-01,12\n"
    document = await ptb.send_document(
        4, csv, filename="progress.csv", caption="<i>Your</i> log", parse_mode="HTML"
    )
    photo = await ptb.send_photo(4, TINY_PNG, caption="chart")
    again = await ptb.send_photo(4, photo.photo[-1].file_id)

    assert document.document.file_name == "progress.csv"
    assert document.caption == "Your log"
    assert photo.photo[-1].width == 1
    stored = standin.chat(4).messages
    assert stored[0].document is not None and stored[0].document.data == csv
    assert stored[1].photo is not None and stored[1].photo.data == TINY_PNG
    assert stored[2].photo == stored[1].photo
    assert again.photo[-1].file_id == photo.photo[-1].file_id


# --- scripted users and polling -----------------------------------------------------------


async def test_long_poll_wakes_on_a_new_update_and_honours_offsets(
    standin: StandIn, ptb: Bot
) -> None:
    ann = standin.user(11, "Ann")
    poll = asyncio.create_task(ptb.get_updates(timeout=5))
    await asyncio.sleep(0.05)
    await ann.send("/start now")

    [first] = await asyncio.wait_for(poll, 1)
    assert first.message.text == "/start now"
    assert first.message.entities[0].type == "bot_command"
    assert first.message.entities[0].length == len("/start")
    assert first.message.from_user.first_name == "Ann"

    await ann.send_location(52.5, 13.4)
    await ann.send("third")
    [second] = await ptb.get_updates(offset=first.update_id + 1, limit=1)
    assert second.message.location.latitude == 52.5
    unconfirmed = await ptb.get_updates(offset=second.update_id)
    assert [u.update_id for u in unconfirmed] == [second.update_id, second.update_id + 1]
    assert await ptb.get_updates(offset=-1) == unconfirmed[-1:]


async def test_other_kinds_of_user_update(standin: StandIn, ptb: Bot) -> None:
    ann = standin.user(12)
    sent = await ann.send("12 minutes")
    await ann.edit(sent["message_id"], "15 minutes")
    await ann.send_sticker()
    await ann.send_photo()

    updates = await ptb.get_updates()

    assert updates[1].edited_message.text == "15 minutes"
    assert updates[2].message.sticker.emoji == "👍"
    assert updates[3].message.photo[-1].width == 1


async def test_press_by_label_queues_a_callback_query(standin: StandIn, ptb: Bot) -> None:
    ann = standin.user(21)
    sent = await ptb.send_message(21, "Ready?", reply_markup=KEYBOARD)

    await ann.press("Start session")
    await ann.press("later")
    await ann.press_data("forged" * 20, message_id=999)
    updates = await ptb.get_updates()

    queries = [u.callback_query for u in updates]
    assert [q.data for q in queries] == ["s:1", "later", "forged" * 20]
    assert queries[0].message.message_id == sent.message_id
    assert queries[0].from_user.id == 21
    assert queries[2].message.date.timestamp() == 0  # inaccessible message


async def test_press_an_absent_label_lists_the_buttons(standin: StandIn, ptb: Bot) -> None:
    await ptb.send_message(22, "Ready?", reply_markup=KEYBOARD)

    with pytest.raises(AssertionError, match="Start session"):
        await standin.user(22).press("Stop")


async def test_wait_for_sees_new_and_edited_messages(standin: StandIn, ptb: Bot) -> None:
    ann = standin.user(31)
    sent = await ptb.send_message(31, "Step 1")
    await ann.send("go")
    waiting = asyncio.create_task(ann.wait_for("Step 2"))
    await asyncio.sleep(0.01)
    await ptb.edit_message_text("Step 2 of 5", chat_id=31, message_id=sent.message_id)

    found = await asyncio.wait_for(waiting, 1)

    assert (found.message_id, found.edits) == (sent.message_id, 1)
    assert ann.last_message is not None and ann.last_message.text == "Step 2 of 5"
    with pytest.raises(AssertionError, match="Step 2 of 5"):
        await ann.wait_for(lambda m: "Step 3" in m.display_text, timeout=0.05)


async def test_a_real_application_polls_and_answers(standin: StandIn) -> None:
    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None and update.message.text is not None
        await update.message.reply_text(f"<b>echo</b> {update.message.text}", reply_markup=KEYBOARD)

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer()
        await query.edit_message_text(f"pressed {query.data}")

    builder = Application.builder().token(TOKEN).base_url(standin.base_url)
    app = builder.defaults(Defaults(parse_mode="HTML")).build()
    app.add_handler(MessageHandler(filters.TEXT, echo))
    app.add_handler(CallbackQueryHandler(pressed))
    ann = standin.user(51)
    async with app:
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        await app.start()
        try:
            await ann.send("hello")
            await ann.wait_for("echo hello")
            await ann.press("Later")
            edited = await ann.wait_for("pressed later")
        finally:
            await app.updater.stop()
            await app.stop()

    assert edited.edits == 1
    assert standin.count("answerCallbackQuery") == 1


# --- webhooks ------------------------------------------------------------------------------


class Receiver:
    """A webhook endpoint that records updates; it answers `status` while it is not 200."""

    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.updates: list[dict[str, Any]] = []
        self.secrets: list[str | None] = []
        self.url = ""

    async def __aenter__(self) -> Receiver:
        app = web.Application()
        app.router.add_post("/hook", self._hook)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}/hook"
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._runner.cleanup()

    async def _hook(self, request: web.Request) -> web.Response:
        self.secrets.append(request.headers.get(SECRET_HEADER))
        if self.status == 200:
            self.updates.append(await request.json())
        return web.Response(status=self.status)


async def test_webhook_delivers_with_the_secret(standin: StandIn, ptb: Bot) -> None:
    async with Receiver() as receiver:
        await ptb.set_webhook(receiver.url, secret_token="s3cret")
        await standin.user(41).send("hi")
        await eventually(lambda: len(receiver.updates) == 1)

        with pytest.raises(Exception, match="webhook is active"):
            await ptb.get_updates()
        info = await ptb.get_webhook_info()
        await ptb.delete_webhook()

    assert receiver.updates[0]["message"]["text"] == "hi"
    assert receiver.secrets == ["s3cret"]
    assert (info.url, info.pending_update_count) == (receiver.url, 0)


async def test_webhook_spreads_updates_and_retries_elsewhere(standin: StandIn) -> None:
    async with Receiver() as one, Receiver() as two, Receiver(status=500) as down:
        standin.webhook_targets = [one.url, two.url]
        for text in "abcd":
            await standin.user(42).send(text)
        await eventually(lambda: len(one.updates) + len(two.updates) == 4)

        standin.webhook_targets = [down.url, one.url]
        await standin.user(42).send("e")
        await eventually(lambda: len(one.updates) == 3)

    assert [u["message"]["text"] for u in one.updates] == ["a", "c", "e"]
    assert [u["message"]["text"] for u in two.updates] == ["b", "d"]
    assert len(down.secrets) == 1
    assert standin.undelivered == []


# --- HTML parsing ----------------------------------------------------------------------------


def test_html_entities_use_utf16_offsets() -> None:
    parsed = parse_html('😀 <b>bold <i>both</i></b> <pre><code class="language-py">x</code></pre>')

    assert parsed.text == "😀 bold both x"
    assert parsed.entities == [
        {"type": "bold", "offset": 3, "length": 9},
        {"type": "italic", "offset": 8, "length": 4},
        {"type": "pre", "offset": 13, "length": 1, "language": "py"},
    ]


def test_html_link_and_quote_entities() -> None:
    parsed = parse_html(
        '<A HREF="https://e.org/?a=1&amp;b=2">x</A><blockquote expandable>q</blockquote>'
    )

    assert parsed.entities == [
        {"type": "text_link", "offset": 0, "length": 1, "url": "https://e.org/?a=1&b=2"},
        {"type": "expandable_blockquote", "offset": 1, "length": 1},
    ]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("<code><b>x</b></code>", 'inside "code"'),
        ("<pre><b>x</b></pre>", 'inside "pre"'),
        ('<a href="x"><a href="y">z</a></a>', "nested"),
        ("<blockquote><blockquote>q</blockquote></blockquote>", "nested"),
        ('<span class="red">x</span>', "tg-spoiler"),
        ("<tg-emoji>x</tg-emoji>", "emoji-id"),
        ('<b style="x">x</b>', 'Unsupported attribute "style"'),
        ("x</b>", 'Unexpected end tag "b" at byte offset 1'),
        ("&#xD800;", "Invalid numeric HTML entity"),
        ("a > b", 'Character ">"'),
        ("é<br/>", "Malformed tag .* at byte offset 2"),
    ],
)
def test_html_telegram_would_refuse(source: str, expected: str) -> None:
    with pytest.raises(HtmlError, match=expected):
        parse_html(source)


@given(st.text())
def test_escaped_text_parses_back_to_itself(text: str) -> None:
    assert parse_html(html.escape(text)).text == text


PIECES = ["<b>", "</b>", "<i>", "</i>", "<pre>", "</pre>", '<code class="language-x">', "</code>"]
MARKUP = st.lists(st.sampled_from([*PIECES, "x", "😀", "&amp;", "&", "<", " "])).map("".join)


@given(MARKUP)
def test_entities_stay_inside_the_parsed_text(source: str) -> None:
    with contextlib.suppress(HtmlError):
        parsed = parse_html(source)
        size = utf16_len(parsed.text)
        assert all(0 < e["length"] <= size - e["offset"] for e in parsed.entities)
