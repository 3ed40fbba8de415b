"""GAO parsing, dates and promises. Pure functions: nothing here imports Slack or the database."""
