"""The open question bank (no proprietary wording, stable keys) and the theme index in results."""

from __future__ import annotations

import json
import re
from pathlib import Path

from bot.container import Container
from bot.domain.pulse_bank import BANK, BY_KEY, RETIRED, TEMPLATE_PICKS, THEMES, find_item, normalised
from bot.domain.pulse_questions import AGREE_5, KINDS, TEMPLATES, parse_questions, questions_text
from tests.conftest import OWNER
from tests.pulse_helpers import Respondent, launch, people
from tests.slack_requests import TEAM_ID, SlackDriver, final_answer, response_json
from tests.slack_standin import SlackStandIn

# The distinctive wording of each of the twelve Gallup Q12 items (proprietary, licensed): none may ship.
GALLUP_Q12 = (
    "what is expected of me at work",
    "materials and equipment i need",
    "opportunity to do what i do best",
    "received recognition or praise for doing good work",
    "care about me as a person",
    "cares about me as a person",
    "encourages my development",
    "my opinions seem to count",
    "mission or purpose of my company",
    "committed to doing quality work",
    "best friend at work",
    "talked to me about my progress",
    "opportunities at work to learn and grow",
)
REQUIRED_THEMES = {"fatigue", "empowered", "voice", "support", "understood", "inclusion", "manager", "enps"}


def test_every_bank_item_has_a_stable_key_theme_scale_and_direction() -> None:
    assert len(BANK) >= 40
    keys = [item.key for item in BANK]
    assert len(set(keys)) == len(keys) and not set(keys) & RETIRED
    assert len({normalised(item.text) for item in BANK}) == len(BANK)  # no wording twice
    for item in BANK:
        assert re.fullmatch(r"[a-z]+\.[a-z_]+", item.key) and item.key.startswith(f"{item.theme}.")
        assert item.theme in THEMES and item.scale in KINDS and item.text.strip()
        assert isinstance(item.reverse, bool) and (not item.reverse or item.scale == AGREE_5)
    assert {item.theme for item in BANK} >= REQUIRED_THEMES
    fatigue = [item for item in BANK if item.theme == "fatigue"]
    assert BY_KEY["fatigue.drained"].reverse and sum(item.reverse for item in fatigue) >= 3


def test_no_gallup_q12_wording_in_the_bank_the_templates_or_any_shipped_source() -> None:
    texts = [normalised(t) for item in BANK for t in (item.text, *item.previous)]
    texts += [normalised(line) for template in TEMPLATES.values() for line in template.lines]
    root = Path(__file__).resolve().parents[1]
    for package in ("bot", "handlers", "jobs", "storage", "bench"):
        texts += [p.read_text().casefold() for p in (root / package).rglob("*.py")]
    for phrase in GALLUP_Q12:
        assert not [t for t in texts if phrase in t], phrase


def test_templates_are_picks_from_the_bank_and_a_reworded_item_keeps_its_key() -> None:
    for key, picks in TEMPLATE_PICKS.items():
        assert [q.text for q in parse_questions(questions_text(key))] == [BY_KEY[k].text for k in picks]
    assert set(TEMPLATES) == {*TEMPLATE_PICKS, "custom"}
    # A rewording with the same meaning keeps the key: the old wording still finds the item.
    old = find_item("I feel supported when things get hard.", AGREE_5, BANK)
    assert old is not None and old.key == "wellbeing.supported"
    assert find_item(" when things get hard at work, I get the support I need ", AGREE_5, BANK) == old
    # Different meaning (or scale): not that item; it would be a new key.
    assert find_item("When things get hard at work, I get paid overtime.", AGREE_5, BANK) is None
    assert find_item(old.text, "0-10", BANK) is None


def test_owners_add_their_own_items_in_the_same_shape(
    driver: SlackDriver, container: Container, slack: SlackStandIn
) -> None:
    added = response_json(
        driver.command(
            "/pulse", "bank add support 1-5 reverse I keep my worries to myself at work.", user=OWNER
        )
    )
    assert "own.support.1" in json.dumps(added) and "reverse-scored" in json.dumps(added)
    again = response_json(
        driver.command("/pulse", "bank add support 1-5 I keep my worries to myself at work", user=OWNER)
    )
    assert "already has an item with that wording" in json.dumps(again)
    bad = response_json(driver.command("/pulse", "bank add moods 1-5 I am fine", user=OWNER))
    assert "Unknown theme 'moods'" in json.dumps(bad)
    refused = json.dumps(response_json(driver.command("/pulse", "bank add support 1-5 Hi", user="UEMPLOYEE")))
    assert "Only the workspace's empathy-bot owners" in refused
    listing = json.dumps(response_json(driver.command("/pulse", "bank", user=OWNER)), ensure_ascii=False)
    assert "fatigue.drained" in listing and "own.support.1" in listing and "Empathy fatigue" in listing
    own = [item for item in container.pulse.bank_items(TEAM_ID) if item.key.startswith("own.")]
    assert [(i.key, i.theme, i.scale, i.reverse) for i in own] == [("own.support.1", "support", "1-5", True)]
    assert container.pulse.bank_items("T0OTHER") == list(BANK)  # per workspace


# Answers to the "empathy" template (q1..q6) plus the owner's own reverse-scored item (q7), five people.
EMPATHY_ANSWERS = [
    # drained(R) recover red_tape(R) say_feel ask_help listens own-worries(R)
    [5, 2, 4, 4, 5, 3, 2],
    [4, 1, 2, 5, 4, 4, 1],
    [2, 4, 1, 3, 3, 5, 4],
    [1, 5, 5, 2, 4, 2, 5],
    [3, 3, 3, 4, 2, 4, 3],
]


def test_the_theme_index_equals_a_hand_computation_with_reverse_scored_items(
    driver: SlackDriver, container: Container, slack: SlackStandIn
) -> None:
    driver.command("/pulse", "bank add support 1-5 reverse I keep my worries to myself at work.", user=OWNER)
    team = people(slack, 5)
    questions = questions_text("empathy") + "\n[1-5] I keep my worries to myself at work."
    survey_id = launch(driver, container, template="empathy", questions=questions)
    container.outbox.drain()
    for user, answers in zip(team, EMPATHY_ANSWERS, strict=True):
        respondent = Respondent.from_dm(driver, slack, user)
        for number, value in enumerate(answers, start=1):
            respondent.click(f"q{number}", value)
    driver.command("/pulse", f"close {survey_id}", user=OWNER)
    results = container.pulse.results_for(container.actors.of(TEAM_ID, OWNER), survey_id)

    # By hand, reverse items flipped (6 - x):
    # fatigue: drained flipped 1,2,4,5,3 + recover 2,1,4,5,3 = 30/10 = 3.0; favourable (>=4) 4 of 10
    # empowered: red tape flipped 2,4,5,1,3 = 15/5 = 3.0; favourable 2 of 5
    # support: say 4,5,3,2,4 + ask 5,4,3,4,2 + own worries flipped 4,5,2,1,3 = 51/15 = 3.4; 8 of 15 = 53 %
    # manager: 3,4,5,2,4 = 18/5 = 3.6; favourable 3 of 5
    got = [(t.theme, t.items, t.answers, t.mean, t.favourable) for t in results.themes]
    assert got == [
        ("fatigue", 2, 10, 3.0, 40),
        ("empowered", 1, 5, 3.0, 40),
        ("support", 3, 15, 3.4, 53),
        ("manager", 1, 5, 3.6, 60),
    ]
    shown = json.dumps(final_answer(slack, driver.command("/pulse", f"results {survey_id}", user=OWNER)))
    assert "Theme index" in shown and "Empathy fatigue: *3.0*, 40% favourable" in shown
