"""Reminders by capability: planning (what is due), the outbox (delivery, the Poster port), answers, the
digest; engine wires them; the scheduler runs them."""
