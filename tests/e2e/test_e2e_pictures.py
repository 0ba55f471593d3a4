"""Step cards as photos through the stand-in: every card a picture with its caption, the
countdown edits the caption, and each picture is uploaded once per bot."""

from __future__ import annotations

from sqlalchemy import select, update

from bot import texts
from devtools.standin import StandIn
from routines.model import default_catalog
from routines.plan import PainSide, build_session
from storage.engine import Database
from storage.models import PictureFile
from tests.support.flows import has_button, onboard, pick_routine, run_session, to_routine_list
from tests.support.harness import running_bot

ROUTINE = "seated_hamstring_progression"


def _cards(standin: StandIn, since: int) -> list[dict]:
    return [
        c.params
        for c in standin.calls[since:]
        if c.method in ("sendPhoto", "sendMessage")
        and "Step " in str(c.params.get("caption") or c.params.get("text"))
    ]


async def test_every_step_card_is_a_photo_and_each_picture_goes_up_once(
    standin: StandIn, database: Database
) -> None:
    async with running_bot(standin, database, timer_scale=0.004, countdown_edit_seconds=10.0):
        ann = standin.user(9301)
        await onboard(ann, routine=ROUTINE)
        preview = standin.uploads["photo"]
        mark = len(standin.calls)
        await run_session(ann)
        first = _cards(standin, mark)
        uploads = standin.uploads["photo"] - preview
        mark = len(standin.calls)
        await run_session(ann)
        second = _cards(standin, mark)
        edits = [c.method for c in standin.calls[mark:] if c.method.startswith("editMessage")]
    steps = build_session(default_catalog().get(ROUTINE), 1, PainSide.LEFT).steps
    assert len(first) == len(steps) == len(second)
    assert all("photo" in card and "caption" in card for card in first + second)
    assert all(len(card["caption"]) <= 1024 for card in first)
    # One upload per distinct picture the session showed, then only file_ids.
    assert uploads == len({(s.step_id, s.side) for s in steps})
    assert (preview, standin.uploads["photo"]) == (1, preview + uploads)
    assert standin.reused["photo"] >= len(steps)
    # The countdown edits a card's caption (the stand-in refuses a text edit of a photo).
    assert "editMessageCaption" in edits
    async with database.session() as s:
        stored = list((await s.execute(select(PictureFile))).scalars())
    assert len(stored) == uploads + preview


async def test_a_refused_file_id_is_uploaded_again(standin: StandIn, sqlite_db: Database) -> None:
    async with running_bot(standin, sqlite_db):
        bo = standin.user(9302)
        await onboard(bo, routine=ROUTINE)
        preview = standin.uploads["photo"]
        await run_session(bo)
    before = standin.uploads["photo"]
    async with sqlite_db.session() as s:
        await s.execute(update(PictureFile).values(file_id="gone-from-telegram"))
    # A new start, as after the bot's token changed: the stored ids are refused.
    async with running_bot(standin, sqlite_db):
        summary = await run_session(bo)
    assert "Session finished" in summary.display_text
    assert standin.uploads["photo"] == 2 * before - preview
    refused = [f for f in standin.failed if "wrong file identifier" in str(f)]
    assert refused
    async with sqlite_db.session() as s:
        ids = {p.name: p.file_id for p in (await s.execute(select(PictureFile))).scalars()}
    # Every picture the session showed has a new id; only the preview's, not shown, is old.
    old = [name for name, file_id in ids.items() if file_id == "gone-from-telegram"]
    assert old == ["seated_hamstring_progression--preview.png"]


async def test_the_preview_shows_the_routines_pictures(
    standin: StandIn, sqlite_db: Database
) -> None:
    async with running_bot(standin, sqlite_db):
        cy = standin.user(9303)
        await to_routine_list(cy)
        await pick_routine(cy, ROUTINE)
        preview = next(m for m in cy.chat.events if m.photo is not None)
        await cy.wait_for(has_button(texts.FITS_NO))
        await cy.press(texts.FITS_NO)
        await cy.wait_for("Where is your pain")
    assert "Slump" in preview.display_text and has_button(texts.CHOOSE_THIS)(preview)
    # The preview's buttons go once it is answered: its photo cannot become the next question.
    assert cy.chat.bot_messages[preview.message_id].buttons == []


async def test_a_preview_whose_picture_fails_comes_as_text(
    standin: StandIn, sqlite_db: Database
) -> None:
    async with running_bot(standin, sqlite_db):
        di = standin.user(9304)
        await to_routine_list(di)
        standin.fail_next("sendPhoto", 400, description="Bad Request: IMAGE_PROCESS_FAILED")
        await di.press("Seated hamstring stretch")
        preview = await di.wait_for(has_button(texts.CHOOSE_THIS))
    assert preview.photo is None and "Slump" in preview.display_text
