"""The landing contract in code: the fields of an event and the actions it may carry.

README's "Input: the landing contract" is the public promise; the generator, the Higgs
import and ingest's validation (sql/ingest/validate_events.sql) all follow it.
"""

from __future__ import annotations

ACTIONS: tuple[str, ...] = ("post", "reply", "share", "like", "mention", "follow", "unfollow")
# In the order the dumps write them; topics is the one optional list field.
LANDING_FIELDS: tuple[str, ...] = (
    "event_id",
    "ts",
    "network",
    "actor_id",
    "action",
    "target_user_id",
    "target_post_id",
    "post_id",
    "topics",
)
