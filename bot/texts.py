"""Every sentence the bot says, in one place so it can be translated later.

Anything that comes from a person or the catalog is escaped with html.escape here."""

from __future__ import annotations

from html import escape

from routines.model import Routine

COMMANDS: tuple[tuple[str, str], ...] = (
    ("start", "Set up your plan"),
    ("now", "Start a session now"),
    ("settings", "Change routine, side, days, time or zone"),
    ("progress", "Your progress as a chart"),
    ("history", "Your last 10 sessions"),
    ("pause", "Pause reminders"),
    ("resume", "Resume reminders"),
    ("redflags", "Check the warning signs"),
    ("flareup", "What to do when it flares up"),
    ("learn", "Short notes on living with back pain"),
    ("export", "Download your data as CSV"),
    ("stop", "Unsubscribe (your data is kept)"),
    ("delete", "Erase everything about you"),
    ("help", "What I can do"),
)

# /learn: our own words. Each card names where its advice comes from.
LEARN_CARDS: tuple[tuple[str, str], ...] = (
    (
        "Most sciatica gets better",
        "For most people sciatica settles within about 4 to 6 weeks, though for some it takes "
        "longer. Nerves recover well, and gentle, regular exercise helps them along.\n\n"
        "<i>Source: NHS, Sciatica; NHS inform, Sciatica.</i>",
    ),
    (
        "Keep moving",
        "Long spells of sitting or lying down slow recovery. Moving may hurt a little, but it "
        "does no harm: carry on with your normal day as far as you can, and walk little and "
        "often.\n\n<i>Source: NHS, Sciatica and Back pain.</i>",
    ),
    (
        "Little and often",
        "Short sessions on most days do more than a long one now and then. Keep to the days you "
        "chose, and let the levels build slowly: the routine steps up only after good "
        "sessions.\n\n<i>Source: the routines' articles; NHS inform, Exercises for back "
        "pain.</i>",
    ),
    (
        "Sleep in a kinder position",
        "Lying on your side, put a small firm cushion between your knees. Lying on your back, "
        "put a pillow or two under your knees. Both take strain off the lower back and the "
        "nerve.\n\n<i>Source: NHS, Sciatica; the routines' articles.</i>",
    ),
    (
        "Drink enough",
        "Drink water through the day, more on days you are active. Being well hydrated helps "
        "you feel better while you exercise.\n\n<i>Source: the routines' articles.</i>",
    ),
    (
        "When to see a GP",
        "See a GP if the pain has not improved after a few weeks of exercise at home, is "
        "getting worse, or stops you doing your normal things. /redflags lists the signs that "
        "need help at once.\n\n<i>Source: NHS, Sciatica.</i>",
    ),
)
LEARN_TITLE = "💡 <b>{title}</b> ({number} of {total})"
LEARN_PREVIOUS = "◀ Previous"
LEARN_NEXT = "Next ▶"
# One line of the notes above, now and then at the end of a reminder.
TIPS = (
    "💡 Moving may hurt a little, but it does no harm: keep to your normal day as far as you can.",
    "💡 On your side in bed, a cushion between the knees eases the lower back.",
    "💡 Short sessions on most days do more than a long one now and then.",
    "💡 Drink water through the day, more on days you are active.",
    "💡 Most sciatica settles within about 4 to 6 weeks. /learn has more.",
)

SESSION_PLAN_CHANGED = (
    "Your routine was updated since this session began, so I've closed it; nothing you did "
    "is lost. Send /now to start it afresh."
)
ERROR = "Sorry, something went wrong on my side. Your progress is saved; please try again."
WELCOME_BACK = (
    "👋 Welcome back! Your reminders had stopped while I couldn't reach you; they are on "
    "again. Next reminder: {next}."
)
# A step card (bot/cards.py).
SIDE_WORDS = {"left": "left side", "right": "right side"}
CARD_TITLE = "<b>Step {number} of {total} · {name}</b>"
CARD_SIDE = "Side: <b>{side}</b>"
CARD_ROUND = " ({round} of {rounds})"
CARD_SET = " · set {set} of {sets}"
CARD_COUNT = "Count slowly to {count}{rounds}{set}"
CARD_HOLD = "Hold {seconds} s{rounds}{set}"
CARD_TEMPO = "{times} times{set}: {tempo} · about {length}"
CARD_TEMPO_MOVE = "{move} {seconds} s"
CARD_CYCLES = "{times} slow cycles{set}, in time with your breath · about {length}"
GET_READY = "⏳ Get into position: it starts in {seconds} s."
GET_READY_POSITION = "🔄 Change position, {position}: it starts in {seconds} s."
GET_READY_SET = "☕ Set {done} of {sets} done · rest {seconds} s."
GET_READY_REST = "☕ Rest {seconds} s, then the next one."
MINUTES_SECONDS = "{minutes} min {seconds} s"
MINUTES = "{minutes} min"
JUST_SECONDS = "{seconds} s"
SECONDS_LEFT = "⏳ {seconds} s left."
NEARLY_THERE = "⏳ {seconds} s left — nearly there."
PAUSED_WITH = "⏸ Paused with {seconds} s left. Tap Resume when you're ready."
# Toasts: plain text, at most 200 characters.
BUSY = "I'm busy for a moment — please try again."
DATA_GONE = "Your data was deleted (or you haven't started yet). Send /start to begin again."
PRIVATE_ONLY = "I coach one person at a time, so my buttons work only in our private chat."
STALE_BUTTON = "That button is from an earlier message. Please use the latest one."
UNKNOWN_COMMAND = "I don't know that command. /help lists what I can do."

# The one message about pain (the traffic light of routines/safety.py); every other word
# about pain agrees with it.
PAIN_GUIDE = (
    "🚦 <b>How much pain is OK?</b> Score it from 0 (none) to 10 (the worst you can imagine).\n"
    "🟢 <b>0–3</b>: fine, carry on.\n"
    "🟠 <b>4–5</b>: acceptable, as long as it has settled by the next morning. I'll ask you "
    "then.\n"
    "🔴 <b>6–7</b>: too much for that stretch. Stop it; what comes next will be gentler.\n"
    "⛔ <b>8 or more</b>, or pain that is sharp, shoots or spreads: stop for today.\n"
    "A little discomfort while you stretch is normal: it does not mean you are doing harm. "
    "Between sessions, keep gently on the move."
)

HELP = (
    "<b>Stretch Coach</b> guides you through gentle stretches for sciatica and low back pain, "
    "on the days and at the time you choose.\n\n"
    + "\n".join(f"/{name} — {escape(text)}" for name, text in COMMANDS)
    + "\n\n"
    + PAIN_GUIDE
    + "\n\nThis is not medical advice. If your pain is severe or getting worse, see a professional."
)

WELCOME = (
    "Hello{name}! I'm <b>Stretch Coach</b>. I'll remind you to stretch and guide you through "
    "each stretch with a timer, hands-free.\n\n"
    "<b>Please read first:</b> I am not a doctor and this is not medical advice. Check with a "
    "physiotherapist or doctor before you start, especially if your pain is severe.\n\n"
    + PAIN_GUIDE
)
CONSENT_BUTTON = "I understand and agree"

# The red-flag screen, in two tiers (routines/safety.py, rows red_flag and red_flag_urgent).
RED_FLAGS_EMERGENCY = (
    "sciatica in <b>both</b> legs",
    "numbness or weakness in both legs that is severe or getting worse",
    "numbness, or pins and needles, around your genitals or back passage",
    "new trouble peeing, or not being able to control it",
    "not noticing when you need to poo, or not being able to control it",
    "chest pain as well as back pain",
    "back pain that began after a serious accident, such as a bad fall or a car crash",
)
RED_FLAGS_URGENT = (
    "a fever or a high temperature, or feeling hot and shivery",
    "losing weight without trying",
    "a lump or swelling in your back, or a change in its shape",
    "pain that is worse at night, or that rest does not ease",
    "pain that gets worse when you cough, sneeze or poo",
    "new or different back pain, and you have had cancer",
    "osteoporosis or long-term steroid tablets, and new pain after a minor fall",
    "new weakness in one leg, or a foot that catches or drags when you walk",
)
RED_FLAG_QUESTION = (
    "<b>A quick safety check.</b> Since your sciatica or back pain started, have you had any "
    "of these, when it is not normal for you?\n\n"
    + "\n".join(f"• {flag}" for flag in RED_FLAGS_EMERGENCY)
)
RED_FLAG_QUESTION_URGENT = (
    "<b>Thank you. And any of these?</b> Again: since it started, and not normal for you.\n\n"
    + "\n".join(f"• {flag}" for flag in RED_FLAGS_URGENT)
)
RED_FLAG_NO = "No, none of these"
RED_FLAG_YES = "Yes, at least one"
URGENT_CARE = (
    "🚨 <b>Please get urgent medical help now.</b>\n\n"
    "These signs can mean something serious that needs to be checked quickly, such as pressure "
    "on the nerves at the base of your spine. Go to A&amp;E or call 999 (or your local "
    "emergency number) now. Do not do the stretches.\n\n"
    "I've paused your reminders. When a professional has checked you, send /resume."
)
SEE_GP_TODAY = (
    "🩺 <b>Please ask for an urgent GP appointment today, or call 111.</b>\n\n"
    "Most of the time these signs turn out not to be serious, but a doctor should look at them "
    "before you carry on with the stretches. If the pain becomes severe, or you notice any "
    "sign from the first list, go to A&amp;E or call 999.\n\n"
    "I've paused your reminders. When you have been seen, send /resume."
)
RED_FLAG_CLEAR = "Thank you. None of the warning signs — let's carry on."
NUMBNESS_SCREEN = "You told me about new tingling or numbness, so please take the safety check."

# Before the first session (routines/safety.py, row pre_screen).
PRE_SCREEN_QUESTION = (
    "<b>One more check before your first session.</b> Does any of these apply to you?\n\n"
    "• you are pregnant\n"
    "• you had spinal surgery, or a broken bone in your spine, in the last year\n"
    "• you have osteoporosis (thin, fragile bones)\n"
    "• you have had cancer\n"
    "• you are under 16"
)
PRE_SCREEN_WAIT = (
    "Thank you for telling me. Please ask a GP or physiotherapist whether these stretches "
    "suit you before you start. Let's set up your plan now: it will wait, with no reminders, "
    "until you tell me you've been cleared (send /resume then)."
)
WEAKNESS_QUESTION = (
    "<b>Weekly check:</b> since last week, have you noticed any new weakness in your leg or "
    "foot, or a foot that catches or drags when you walk?"
)
WEAKNESS_NO = "No"
WEAKNESS_YES = "Yes"
BOTH_LEGS_QUESTION = "Pain in <b>both</b> legs: is that new, or getting worse?"
BOTH_LEGS_NEW = "Yes, new or worse"
BOTH_LEGS_USUAL = "No, it's how it has been"

CHOOSE_ROUTINE = "<b>Choose a routine.</b> Tap one to see its steps before you decide."
CHOOSE_THIS = "✅ Choose this routine"
BACK_TO_LIST = "« Back to the list"
FLOOR_QUESTION = (
    "<b>Can you get down onto the floor and back up again without trouble?</b>\n"
    "If not, I'll swap the floor stretches for standing or seated ones, or leave them out; "
    "where too little would be left, I'll suggest a routine done sitting or standing."
)
FLOOR_YES = "Yes, the floor is fine"
FLOOR_NO = "No, keep me off the floor"
NOT_FOR_YOU = (
    "Then this routine is not the right one for you: the stretch could strain the nerve "
    "rather than the muscle. Please pick another one below."
)
FLOOR_NOT_HERE = (
    "This routine is done mostly on the floor, so it would leave you very little. These ones "
    "work sitting or standing; please pick one."
)
FITS_NO = "No, go on"
FITS_YES = "Yes, that's me"
CHOOSE_SIDE = (
    "<b>Where is your pain?</b> If it goes down one leg, tell me which: I'll stretch that "
    "side first."
)
SIDES = {"left": "Left leg", "right": "Right leg", "both": "Both legs", "back": "Back only"}
CHOOSE_DAYS = (
    "<b>Which days?</b> Recommended for this routine: {cadence}. I've ticked some days to "
    "start with; tap a day to switch it on or off, then <b>Done</b>."
)
DAYS_DONE = "Done ✔"
NEED_A_DAY = "Pick at least one day."
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
CHOOSE_TIME = (
    "<b>What time</b> should I remind you? Tap one, or type a time such as "
    "<code>7:30</code>, <code>19:30</code> or <code>7:30 pm</code>."
)
BAD_TIME = (
    "I couldn't read that as a time. Try <code>7:30</code>, <code>19:30</code> or "
    "<code>7:30 pm</code>."
)
CHOOSE_ZONE = (
    "<b>Your time zone.</b> Share your location with the button below (it's used only to find "
    "the zone), or type a city (<code>Berlin</code>, <code>New York</code>), a zone "
    "(<code>Europe/Berlin</code>) or an offset (<code>UTC+2</code>)."
)
SHARE_LOCATION = "📍 Share my location"
BAD_ZONE = (
    "I don't know that place. Try a big city near you (<code>London</code>), a zone "
    "(<code>America/Chicago</code>) or an offset (<code>UTC-5</code>)."
)
NO_ZONE_AT_LOCATION = "I couldn't find a time zone there. Please type your city instead."
ZONE_SET = (
    "🕒 Time zone: <b>{zone}</b>. Your local time now is <b>{local}</b>. "
    "If that's not right, tap <b>Change something</b> below."
)
LOCATION_NOT_NEEDED = "Thanks, but I only use a location to set your time zone (see /settings)."

SUMMARY = (
    "<b>Your plan</b>\n"
    "Routine: {routine} (about {minutes} min)\n"
    "Level: {level} of {top}\n"
    "Side: {side}\n"
    "Days: {days}\n"
    "Time: {time} ({zone})\n"
    "Next reminder: <b>{next}</b>"
)
SUMMARY_PAUSED = "\n\n⏸ Reminders are paused{until}."
START_NOW = "▶ Start a session now"
CHANGE_SOMETHING = "✏ Change something"
SETTINGS_MENU = "<b>What would you like to change?</b>"
SETTINGS_ITEMS = {
    "routine": "Routine",
    "side": "Side",
    "days": "Days",
    "time": "Time",
    "zone": "Time zone",
    "floor": "Floor",
}
NO_PLAN = "You don't have a plan yet. Send /start to set one up — it takes a minute."
NO_NEXT = "none (no days picked)"

PAUSED = "⏸ Reminders paused{until}. Send /resume to turn them back on."
SAFETY_PAUSE_STAYS = (
    "Your plan is already paused for your safety. It stays paused until a professional has "
    "checked you: then send /resume."
)
PAUSE_HOW_LONG = "Pause reminders for how long?"
PAUSE_CHOICES = {3: "3 days", 7: "1 week", 14: "2 weeks", 0: "Until I resume"}
RESUMED = "▶ Reminders are back on. Next one: <b>{next}</b>."
NOT_PAUSED = "Your reminders are already on. Next one: <b>{next}</b>."
# Lifting a safety pause (routines/safety.py, row lift), asked by the pause's reason.
RESUME_AFTER = {
    "red_flag": (
        "Your plan was paused for a warning sign that needed urgent care. Has a doctor checked "
        "you and said it is safe to stretch?"
    ),
    "see_gp": (
        "Your plan was paused for a sign that a GP should look at. Have you been seen (by a GP, "
        "or through 111) and told it is safe to stretch?"
    ),
    "severe_pain": (
        "Your plan was paused because the pain was too high. Has it settled back to how it "
        "usually is, or has a GP or physiotherapist checked you?"
    ),
    "flare_up": (
        "Your plan was paused after two worse mornings in a row. Has a GP or physiotherapist "
        "seen you and said to carry on?"
    ),
    "no_progress": (
        "Your plan was paused because the gentlest level was not settling things. Has a GP or "
        "physiotherapist reviewed it and said to carry on?"
    ),
    "pre_screen": (
        "Your plan is waiting for a professional's go-ahead. Has a GP or physiotherapist said "
        "these stretches are all right for you?"
    ),
}


def resume_question(reason: str | None) -> str:
    """What a safety pause asks before it lifts; a red flag's question for an older pause."""
    return RESUME_AFTER.get(reason or "", RESUME_AFTER["red_flag"])


CLEARED_YES = "Yes"
CLEARED_NOT_YET = "Not yet"
STAY_PAUSED = (
    "OK, your plan stays paused. Please get checked first — send /resume when you have been."
)
LIFT_SCREEN = "Good. Before we start again, the safety check once more."
LIFTED = (
    "▶ Welcome back. We'll start again gently, at level 1, and build up from there. "
    "Next reminder: <b>{next}</b>. The morning after your first session I'll ask how you are."
)
STOPPED = (
    "You're unsubscribed: no more reminders. Your history is kept; /start sets things up again."
)
DELETE_CONFIRM = (
    "This erases <b>everything</b> I know about you: plan, sessions, check-ins. "
    "It can't be undone. Erase it?"
)
DELETE_YES = "Yes, erase everything"
DELETE_NO = "No, keep it"
DELETED = "Done. Everything about you has been erased. Send /start if you ever want to begin again."
DELETE_CANCELLED = "Nothing was erased."


def welcome(first_name: str) -> str:
    return WELCOME.format(name=f", {escape(first_name)}" if first_name else "")


def until_text(local: str | None) -> str:
    return f" until {escape(local)}" if local else ""


ROUTINE_BUTTON = "{title} · {minutes} min"
POSITIONS = {
    "back": "lying on your back",
    "front": "lying on your front",
    "side": "lying on your side",
    "kneeling": "on all fours",
    "sitting": "sitting",
    "standing": "standing",
}


def routine_facts(routine: Routine, first: int, top: int) -> str:
    where = ", ".join(POSITIONS[p] for p in routine.positions)
    kit = ", ".join(escape(e) for e in routine.equipment) or "nothing"
    length = f"{first} min at level 1, up to {top} min at level {routine.top_level}"
    return f"⏱ {length} · {where} · needs: {kit}"


ONLY_TEXT = "I can only read text and button taps. /help shows what I can do."
HINTS = {
    "onb:consent": "Please tap <b>I understand and agree</b> above to go on.",
    "onb:screen": "Please answer the safety question above with one of its buttons.",
    "onb:routine": "Please pick a routine from the list above.",
    "onb:side": "Please tap where your pain is above: one leg, both legs, or the back only.",
    "onb:bothlegs": "Please tell me with the buttons above whether that is new or worse.",
    "onb:health": "Please answer the check above with one of its buttons.",
    "lift:screen": "Please answer the safety check above with one of its buttons.",
    "pre:weak": "Please answer the weekly check above with one of its buttons.",
    "pre:morning": "Please tell me with the buttons above how your back and leg are today.",
    "onb:floor": "Please tell me with the buttons above whether the floor is fine for you.",
    "onb:fit": "Please answer the question above with one of its buttons.",
    "onb:days": "Tap the days above to switch them on or off, then <b>Done</b>.",
}
NOTHING_ASKED = (
    "I'm not waiting for an answer right now. /now starts a session, /settings changes your "
    "plan, and /help lists everything."
)


def hint_for(dialog: str, *, has_user: bool) -> str:
    if not has_user:
        return "Hello! Send /start to set up your stretching plan."
    return HINTS.get(dialog, NOTHING_ASKED)


LETS_BEGIN = (
    "👍 Thank you. Let's begin. Go gently: a stretch should feel like a pull, with no more "
    "than mild discomfort."
)
STEP_DONE = "✅ Well done."
STEP_SKIPPED = "⏭ Skipped."
NEXT_STEP = "Next: <b>{name}</b>."
SWITCH_SIDE = "Now switch to your <b>{side}</b>."
PAUSE = "⏸ Pause"
RESUME = "▶ Resume"
SKIP = "⏭ Skip"
DONE = "✅ Done"
STOP = "⏹ Stop"
HURTS = "🤕 It hurts"
STEP_OVER = "That step is already over."
SESSION_OVER = "That session has ended. /now starts a new one."
NO_SESSION_TO_RESUME = "There's no session to resume. /now starts a new one."

PAIN_BEFORE = (
    "<b>Before we start:</b> how bad is your pain right now? 0 = none, 10 = the worst imaginable."
)
TINGLING_BEFORE = "And tingling or numbness in your leg right now?"
TINGLING_DURING = "Any tingling or numbness now?"
TINGLING_CHOICES = {"none": "None", "usual": "As usual", "worse": "New or worse"}
PAIN_HURT = (
    "Sorry it hurts. The timer is stopped. How bad is the pain now, 0–10? If it is sharp, "
    "shoots or spreads, tap ⚡ instead."
)
PAIN_AFTER = "🎉 That was the last stretch. How is your pain now, 0–10?"
PAIN_STOPPED = "⏹ Session stopped. How is your pain now, 0–10?"
PAIN_DURING = "How bad is the pain now, 0–10?"
DURING_QUESTION = (
    "That stretch pulls on the nerve. <b>Any pain, numbness or tingling</b> in your leg now?"
)
DURING_FINE = "All fine, carry on"
DURING_PAIN = "Some pain"
DURING_TINGLE = "Tingling or numbness"
BAD_PAIN = "Please tap a number from 0 to 10, or type one (for example <code>3</code>)."
BAD_CHOICE = "Please tap one of the buttons above."
IN_SESSION = "You're in a session. Use the buttons on the step: Pause, Skip, Stop or It hurts."
SESSION_OPEN = "You have a session in progress (step {step} of {total}). Resume it or end it?"
SESSION_UNSHOWN = (
    "I couldn't show you step {step} of {total} — Telegram wasn't taking my messages — so I "
    "paused your session there. Resume it or end it?"
)
RESUME_SESSION = "▶ Resume"
END_SESSION = "⏹ End it"
RECOVERED = (
    "I restarted while you were stretching — sorry. Your session is paused at "
    "step {step} of {total} ({name}) with {left} s left."
)
PLAN_PAUSED_FIRST = "Your reminders are paused for safety, so I won't start a session. {why}"
CONTINUE_EASY = "OK. Ease off a little so it feels like a gentle stretch, and carry on."
STEP_UP = "⬆ Step up to level {level}"
STAY_LEVEL = "Not yet"
STEPPED_UP = "⬆ Done: your next session is level {level} of {top}."
STAYED = "OK, we'll stay at level {level}. I'll ask again after more good sessions."

SETTLE_OR_SEE = (
    "Keep gently on the move as far as you comfortably can, rather than lying still. If it "
    "has not settled within a day or two, see a GP or call 111. I've paused your reminders; "
    "send /resume once it has settled or you've been checked."
)
# What a decision means, by the rule it comes from (routines/safety.py).
EXPLAIN = {
    "severe_pain": "Your pain is {pain}/10: too much to stretch through, so we stop for today. "
    + SETTLE_OR_SEE,
    "sharp_pain": "Sharp, shooting or spreading pain is a sign to stop, so we stop for today. "
    + SETTLE_OR_SEE,
    "no_progress": (
        "That's the second setback at the gentlest level within two weeks, so the stretches "
        "alone are not settling things. Please see a GP or physiotherapist to review your "
        "plan. I've paused your reminders; send /resume when they say to carry on."
    ),
    "next_day_worse_again": (
        "Worse two mornings running: please see a GP or physiotherapist before you go on. "
        "I've paused your reminders; send /resume after that. Meanwhile, /flareup has what "
        "helps."
    ),
    "new_tingling": (
        "New or worse tingling or numbness means the nerve is irritated, so we back off: "
        "{level_text}"
    ),
    "pain_high_during": "{pain}/10 is more than that stretch should cause, so I've stopped it.",
    "pain_high_after": (
        "{pain}/10 after the session is more than it should be, so {level_text} If it flares "
        "up, /flareup has what helps."
    ),
    "next_day_worse": "Sorry it's worse, so {level_text} Meanwhile, /flareup has what helps.",
    "no_improvement": (
        "It's been six weeks, and your pain before sessions has not come down. That is worth "
        "seeing a GP about: they can look at what else might help. Carry on with the "
        "stretches meanwhile if they feel all right."
    ),
    "amber": "{pain}/10 is acceptable if it has settled by tomorrow morning: I'll ask you then.",
    "good_streak": (
        "Three good sessions in a row without more pain or new tingling. Would you like to "
        "step up to level {up} of {top}?"
    ),
}
GENTLER = "we'll go gentler next time: level {level} of {top}."
FLARE_UP = (
    "🩹 <b>When your back or leg flares up</b>\n\n"
    "• <b>Ease it.</b> Lie on your back with your knees bent and feet flat, or with your calves "
    "resting on a chair seat; or lie on your side with a pillow between your knees.\n"
    "• <b>Keep gently moving.</b> Take short walks, a few minutes at a time, several times a "
    "day, and get up from sitting every half an hour or so. Staying in bed slows recovery.\n"
    "• <b>Pain relief.</b> Ask a pharmacist what suits you. A heat pack or a cold pack "
    "wrapped in a towel can help too.\n"
    "• <b>Go gently for 2–3 days.</b> Keep to the gentlest level of your routine, then build "
    "back up a level at a time.\n"
    "• <b>Get help</b> from a GP or 111 if it has not eased after a few days or keeps "
    "coming back, and from A&amp;E or 999 at once for any sign on the first list of "
    "/redflags.\n\n"
    "<i>Sources: NHS, Sciatica and Back pain; NHS inform, Back pain.</i>"
)
FLARE_BUTTON = "🩹 What helps in a flare-up"
ALREADY_GENTLEST = "we'll stay at the gentlest level (1) and take it easy."
SKIPPING_NERVE = "I'll leave out the nerve stretches for the rest of today."
NEXT_WAITING = (
    "Take a moment. The next one is waiting: tap ▶ Resume to do it more gently, moving less "
    "far, or ⏹ Stop to end here."
)
NEXT_DAY_QUESTION = (
    "☀️ Good morning. Compared with before yesterday's session, how are your back and leg now?"
)
NEXT_DAY_CHOICES = {"better": "Better", "same": "About the same", "worse": "Worse"}
NEXT_DAY_THANKS = "Thanks — noted."

SESSION_SUMMARY = (
    "<b>Session finished.</b>\n"
    "Steps done: {done} · skipped: {skipped}\n"
    "Time: {minutes} min\n"
    "Pain: {before} before → {after} after\n"
    "This week: {week} of {planned} sessions\n"
    "Streak: {streak}\n"
    "Next reminder: {next}"
)


def pain_text(value: int | None) -> str:
    return "—" if value is None else f"{value}/10"


REMINDER = "⏰ Time for your stretches: <b>{routine}</b> (about {minutes} min)."
REMINDER_START = "▶ Start now"
REMINDER_SNOOZE = "⏰ Snooze 30 min"
REMINDER_SKIP = "Skip today"
REMINDER_REDFLAG = "\n\nIt's been four weeks: please take the quick safety check too."
REDFLAG_CHECK = "🩺 Safety check"
SNOOZED = "⏰ Snoozed. I'll remind you again at <b>{at}</b>."
SKIPPED_TODAY = "OK, no stretches today. Next reminder: <b>{next}</b>."
RED_FLAG_CLEAR_STILL_PAUSED = (
    "Thank you. None of the warning signs now. Your plan stays paused from your earlier answer: "
    "send /resume once a doctor or physiotherapist has checked you."
)

# /progress, /history, /export and /stats.
CHART_TITLE = "Your last 8 weeks"
CHART_PAIN_AXIS = "Pain (0–10)"
CHART_WEEK_AXIS = "Sessions a week"
CHART_DATE_AXIS = "Week starting (your time)"
CHART_BEFORE = "Pain before"
CHART_AFTER = "Pain after"
CHART_DONE = "Sessions done"
CHART_PLAN = "Your plan"
CHART_PAUSED = "Paused"
CHART_LEVEL = "Level change"


def chart_level(before: int, after: int) -> str:
    return f"{'↑' if after > before else '↓'} level {after}"


PROGRESS_CAPTION = (
    "<b>Your progress</b> · {routine}\n"
    "Streak: <b>{streak}</b>\n"
    "Sessions this month: <b>{month}</b>\n"
    "Average change in pain per session: <b>{change}</b> (after minus before; below 0 means "
    "it eased)\n"
    "Level: <b>{level} of {top}</b>"
)
PROGRESS_TOO_FEW = (
    "📈 Your chart needs at least two sessions from the last 8 weeks (so far: {count}).\n\n"
    "Once you have them, /progress sends a picture of:\n"
    "• your pain before and after each session;\n"
    "• sessions done each week against your plan;\n"
    "• when your level changed or reminders were paused.\n\n"
    "/now starts a session."
)


def pain_change(value: float | None) -> str:
    if value is None:
        return "—"
    rounded = round(value, 1)
    return "0" if rounded == 0 else f"{rounded:+.1f}".replace("-", "−")


HISTORY_TITLE = "<b>Your latest sessions</b>, newest first"
HISTORY_EMPTY = "You haven't finished a session yet. /now starts one."
HISTORY_ENTRY = "<b>{when}</b> · {routine}\nLevel {level} · {minutes} · pain {before} → {after}"
HISTORY_MINUTES = "{minutes} min"
STOP_REASONS = {
    "user": "Stopped by you",
    "abandoned": "Left unfinished",
    "red_flag": "Ended by a warning sign: urgent care advised, reminders paused",
    "both_legs": "Ended by a warning sign: urgent care advised, reminders paused",
    "red_flag_urgent": "Ended by a warning sign: an urgent GP visit advised, reminders paused",
    "new_weakness": "Ended by new weakness: an urgent GP visit advised, reminders paused",
    "severe_pain": "Pain too high: reminders paused",
    "pain_rise_sharp": "Pain rose sharply: reminders paused",
    "sharp_pain": "Sharp, shooting or spreading pain: reminders paused",
    "no_progress": "Setbacks at the gentlest level: review advised, reminders paused",
    "new_tingling": "Stopped for new or worse tingling or numbness",
    "pain_rise_mild": "Pain rose a little",
    "next_day_worse": "Back felt worse the next day",
}
HISTORY_STOPPED = "⏹ {reason}"
HISTORY_NERVE_OFF = "Nerve stretches left out after tingling or numbness"


def stop_reason(code: str) -> str:
    return STOP_REASONS.get(code) or escape(code.replace("_", " ").capitalize())


EXPORT_FILENAME = "stretchcoach-export.csv"
EXPORT_CAPTION = (
    "Your data: every session, step, check-in and level change, one per row. The "
    "<code>record</code> column says which; times are in UTC and in your own zone."
)
NO_DATA = "I have nothing stored about you. /start sets up a plan."

STATS = (
    "<b>Stats</b>\n"
    "People: {people}\n"
    "Plans: {active} active, {paused} paused\n\n"
    "<b>Last 7 days</b>\n"
    "Sessions: {started} started, {done} done\n"
    "Adherence: {done_days} of {planned_days} planned days ({rate})\n\n"
    "<b>Last 30 days</b>\n"
    "Stops: {stops}\n"
    "Regressions: {regressions}\n"
    "Red flags: {red_flags}"
)


def percent(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}%" if whole else "—"


EDIT_IGNORED = (
    "I saw you edited a message. I only read new messages, so please send the answer again."
)

NERVE_CHECK = (
    "🔎 The previous stretch pulled on the nerve. New tingling or numbness? Tap ⚡ below. "
    "Pain? Tap 🤕. Otherwise just carry on."
)
NEW_TINGLING = "⚡ New tingling or numbness"
SHARP_PAIN = "⚡ Sharp, shooting or spreading"


def token_rejected(token: str) -> str:
    """For the operator's terminal: enough of the token to tell which, not enough to use."""
    return f"Telegram rejected the token (…:{token[-4:]}) — check TELEGRAM_BOT_TOKEN"
