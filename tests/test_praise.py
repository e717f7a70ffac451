"""Who customer praise names: whole, capitalised names only, and never a guess between two people."""

from __future__ import annotations

from bot.domain.praise import named_people

DIRECTORY = {
    "UANA": ["Ana Lopez", "ana"],
    "UBEN1": ["Ben Okafor", "Ben"],
    "UBEN2": ["Ben Smith"],
    "UJO": ["Jo Park"],
    "UMAX": ["Maximilian Graf", "Max"],
}


def test_names_are_found_whole_and_capitalised() -> None:
    assert named_people("Thanks to Max and Ana Lopez!", DIRECTORY) == ["UMAX", "UANA"]
    assert named_people("the banana bread was great", DIRECTORY) == []  # "ana" inside a word, lower case
    assert named_people("Maximum effort from the team", DIRECTORY) == []
    assert named_people("Ben was great", DIRECTORY) == []  # two Bens: nobody is guessed
    assert named_people("Ben Smith was great", DIRECTORY) == ["UBEN2"]
    assert named_people("Jo helped", DIRECTORY) == []  # too short to trust
    assert named_people("@Ana <@UANA> Ana", DIRECTORY) == ["UANA"]
