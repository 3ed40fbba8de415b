"""Transports: the Slack app and the local shell. Both call bot.service."""
