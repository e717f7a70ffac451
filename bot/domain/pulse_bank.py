"""The open pulse question bank: every item written for this project, reviewed like code.

Each item has a stable key (trend lines follow the key, not the wording), a theme, a scale and a direction
(`reverse=True`: agreeing is the unfavourable answer, so the theme index flips it). Rules for editing:
- Rewording an item without changing what it asks keeps its key; put the old wording in `previous`, so
  surveys that used it still count towards the same item.
- A change of meaning is a new item with a new key; the old key goes to `RETIRED` and is never reused.
- No proprietary instrument's wording (the Gallup Q12 items in particular): tests check the bank.
Owners add their own items per workspace in the same shape (stored by the pulse service).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

BANK_VERSION = 1

AGREE = "1-5"
SCALE_10 = "0-10"
TEXT = "text"


@dataclass(frozen=True)
class BankItem:
    key: str
    theme: str
    scale: str
    text: str
    reverse: bool = False
    previous: tuple[str, ...] = ()  # earlier wordings with the same meaning (same key)

    @property
    def line(self) -> str:
        """The item as a line of the launch form's question text."""
        return f"[{self.scale}] {self.text}"


THEMES: dict[str, str] = {
    "fatigue": "Empathy fatigue",
    "empowered": "Empowered to fix customers' problems",
    "voice": "Voice acted on",
    "support": "Saying how I feel, asking for support",
    "understood": "Other teams understand my work",
    "inclusion": "Inclusion",
    "manager": "Manager listens without judgement",
    "safety": "Psychological safety",
    "wellbeing": "Workload and well-being",
    "enps": "eNPS",
}


def _items(theme: str, scale: str, *rows: tuple[str, str] | tuple[str, str, bool]) -> tuple[BankItem, ...]:
    """A theme's items from (key, text) or (key, text, reverse) rows."""
    items = []
    for row in rows:
        reverse = len(row) > 2 and bool(row[2])
        items.append(
            BankItem(key=f"{theme}.{row[0]}", theme=theme, scale=scale, text=row[1], reverse=reverse)
        )
    return tuple(items)


BANK: tuple[BankItem, ...] = (
    *_items(
        "fatigue",
        AGREE,
        ("drained", "Handling upset customers this week left me drained.", True),
        ("numb", "I caught myself caring less about customers' problems than I used to.", True),
        ("carry_home", "I carried customers' frustration home with me this week.", True),
        ("dread", "I dreaded opening the queue at the start of a shift.", True),
        ("recover", "Between difficult conversations I get enough time to recover."),
    ),
    *_items(
        "empowered",
        AGREE,
        ("fix_now", "I can fix a customer's problem without waiting for someone's sign-off."),
        ("red_tape", "Rules and approvals stop me from doing what is right for a customer.", True),
        ("tools", "My tools let me see what I need to solve a customer's problem."),
        ("exceptions", "When a case needs an exception, I know I am allowed to make it."),
        ("trusted", "People here trust my judgement with customers."),
    ),
    *_items(
        "voice",
        AGREE,
        ("acted_on", "When I raise something, something happens."),
        ("told_back", "I hear back about what became of the issues I reported."),
        ("customer_voice", "What I learn from customers changes how we work."),
        ("worth_it", "Raising a problem here is worth the effort."),
        ("ignored", "Suggestions from my team disappear without an answer.", True),
    ),
    *_items(
        "support",
        AGREE,
        ("say_feel", "I can say how I really feel at work without it counting against me."),
        ("ask_help", "When a case gets to me, I find it easy to ask a colleague to take over for a while."),
        ("bad_day", "On a bad day, I know who I can talk to."),
        ("alone", "I deal with hard conversations on my own.", True),
        ("pretend", "I feel I have to pretend everything is fine.", True),
    ),
    *_items(
        "understood",
        AGREE,
        ("know_work", "Other teams know what my work involves."),
        ("handoffs", "When I hand a customer's issue to another team, it is taken seriously."),
        ("blamed", "Other teams blame my team for problems we did not cause.", True),
        ("context", "Other teams ask for our view before changes that affect customers."),
    ),
    *_items(
        "inclusion",
        AGREE,
        ("belong", "I feel I belong in this team."),
        ("be_myself", "I can be myself at work."),
        ("fair", "Interesting work and opportunities are shared fairly here."),
        ("heard_equally", "In meetings, every voice gets the same attention, not only the loudest."),
        ("left_out", "I am left out of conversations that affect my work.", True),
    ),
    *_items(
        "manager",
        AGREE,
        ("listens", "My manager listens to me without judging."),
        ("full_story", "My manager hears the whole story before drawing conclusions."),
        ("bad_news", "I can bring bad news to my manager without it being held against me."),
        ("checks_in", "My manager asks how I am doing and waits for the real answer."),
        ("dismissed", "When I raise a concern, my manager brushes it aside.", True),
    ),
    *_items(
        "safety",
        AGREE,
        (
            "mistakes",
            "When I get something wrong, my team helps me put it right instead of pointing fingers.",
        ),
        ("speak_up", "I can disagree with how things are done here without worrying about it."),
        ("try_new", "I can try a new way of helping a customer even if it might not work."),
        ("admit", "I would rather hide a mistake than admit it here.", True),
    ),
    *_items(
        "wellbeing",
        AGREE,
        ("workload", "My workload is manageable."),
        ("switch_off", "I can switch off after work."),
        ("next_week", "I look forward to next week at work."),
    ),
    BankItem(
        key="wellbeing.supported",
        theme="wellbeing",
        scale=AGREE,
        text="When things get hard at work, I get the support I need.",
        previous=("I feel supported when things get hard.",),
    ),
    BankItem(
        key="enps.recommend",
        theme="enps",
        scale=SCALE_10,
        text="How likely are you to recommend working here to a friend?",
    ),
    BankItem(key="enps.reason", theme="enps", scale=TEXT, text="What is the main reason for your score?"),
    BankItem(
        key="wellbeing.better",
        theme="wellbeing",
        scale=TEXT,
        text="What would make next week better for you?",
    ),
)

# Keys whose meaning changed: never to be used again (none yet).
RETIRED: frozenset[str] = frozenset()

# The templates owners start from: picks from the bank, by key.
TEMPLATE_PICKS: dict[str, tuple[str, ...]] = {
    "enps": ("enps.recommend", "enps.reason"),
    "engagement": (
        "voice.acted_on",
        "empowered.fix_now",
        "understood.know_work",
        "manager.listens",
        "inclusion.belong",
        "enps.recommend",
    ),
    "empathy": (
        "fatigue.drained",
        "fatigue.recover",
        "empowered.red_tape",
        "support.say_feel",
        "support.ask_help",
        "manager.listens",
    ),
    "wellbeing": ("wellbeing.workload", "wellbeing.switch_off", "wellbeing.supported", "wellbeing.better"),
    "safety": ("safety.mistakes", "safety.speak_up", "safety.try_new", "safety.admit", "support.say_feel"),
}

BY_KEY: dict[str, BankItem] = {item.key: item for item in BANK}


def template_lines(template: str) -> tuple[str, ...]:
    return tuple(BY_KEY[key].line for key in TEMPLATE_PICKS.get(template, ()))


def normalised(text: str) -> str:
    """Wording compared for matching a question to an item: case, spacing and end punctuation ignored."""
    return re.sub(r"\s+", " ", text).strip().rstrip(".?!").casefold()


def find_item(text: str, scale: str, items: tuple[BankItem, ...] | list[BankItem]) -> BankItem | None:
    """The item a question's wording and scale are (current or earlier wording), if any."""
    wanted = normalised(text)
    for item in items:
        if item.scale == scale and wanted in {normalised(t) for t in (item.text, *item.previous)}:
            return item
    return None
