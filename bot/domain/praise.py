"""Customer praise that names an employee: who, among the workspace's people, a feedback text names.

A name counts when it appears as a whole word, capitalised as names are ("Ana was wonderful"), and is
at least three letters; first names shared by several people name nobody (we would have to guess).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

MAX_NAMED = 3


def named_people(text: str, directory: Mapping[str, Sequence[str]]) -> list[str]:
    """User ids whose name (full, display or first) the text mentions, in the order the text does."""
    owners: dict[str, set[str]] = {}
    for user_id, names in directory.items():
        for name in names:
            for candidate in {name.strip(), name.strip().split(" ")[0]}:
                if len(candidate) >= 3 and candidate[0].isupper():
                    owners.setdefault(candidate, set()).add(user_id)
    found: list[tuple[int, str]] = []
    for name, users in owners.items():
        if len(users) != 1:
            continue
        match = re.search(rf"(?<![\w@]){re.escape(name)}(?!\w)", text)
        if match:
            found.append((match.start(), next(iter(users))))
    ordered = [user for _, user in sorted(found)]
    return list(dict.fromkeys(ordered))[:MAX_NAMED]
