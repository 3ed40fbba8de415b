"""A server for bench.slack_http: the gaorec app, or a bare Bolt app that only
acks /gaorec, on the same WSGI server (waitress) with the same settings."""
from __future__ import annotations

import argparse
import sys

from slack_bolt import App
from waitress import create_server

from bot.adapters.slack import create_app, make_client, wsgi_app
from bot.service import Gaorec
from config.settings import Settings


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", choices=["gaorec", "bare"], required=True)
    args = ap.parse_args()
    settings = Settings()
    if args.mode == "gaorec":
        service = Gaorec(settings)
        application = wsgi_app(create_app(settings, service=service), service)
    else:
        from slack_bolt.adapter.wsgi import SlackRequestHandler

        bare = App(client=make_client(settings), signing_secret=settings.slack_signing_secret.get_secret_value(),
                   process_before_response=True, token_verification_enabled=False)
        bare.command("/gaorec")(lambda ack: ack())
        application = SlackRequestHandler(bare, path="/slack/events")
    server = create_server(application, host="127.0.0.1", port=0, threads=8)
    print(f"listening on http://127.0.0.1:{server.effective_port}", file=sys.stderr, flush=True)
    server.run()


if __name__ == "__main__":
    main()
