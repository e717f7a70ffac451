"""empathy-bot: keep empathy at the centre of a small business, in Slack."""
