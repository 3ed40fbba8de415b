"""Reminders: the engine (what is due, the outbox, answers) and the scheduler."""
