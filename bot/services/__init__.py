"""Domain services: what the bot does, without Slack payloads or Block Kit."""
