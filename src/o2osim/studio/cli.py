"""``o2osim-studio``: start the training studio and print its address.

::

    o2osim-studio                 # http://127.0.0.1:8765, English
    o2osim-studio --lang zh --port 8800
    o2osim-studio --host 0.0.0.0  # the class's machines can reach it (trusted network only)

The studio is a Solara app (:mod:`o2osim.studio.app`) run by Solara's server in
production mode, offline: its front-end files come from the ``solara-assets`` package,
the version check and telemetry that would call out are off. It serves on 127.0.0.1
unless ``--host`` says otherwise. Bad input is one line naming the option, the value and
what is allowed, before anything starts.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
import warnings
from collections.abc import Sequence

from o2osim.i18n import DEFAULT_LANG, LANGS, LangError, check_lang, message
from o2osim.studio import LANG_ENV

DEFAULT_PORT = 8765
APP = "o2osim.studio.app"


class _Parser(argparse.ArgumentParser):
    def error(self, text: str) -> None:  # one line, exit 2, as the o2osim command
        self.exit(2, f"o2osim-studio: error: {text}\n")


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = _Parser(prog="o2osim-studio", description="The o2osim training studio: a local "
                     "web app to play a campaign day by day (docs/studio.md).")
    parser.add_argument("--port", default=str(DEFAULT_PORT),
                        help=f"port to serve on (default {DEFAULT_PORT}; 0: a free one)")
    parser.add_argument("--host", default="127.0.0.1", help="address to serve on (default "
                        "127.0.0.1: this machine only)")
    parser.add_argument("--lang", default=DEFAULT_LANG, help="language of the page: "
                        + ", ".join(LANGS) + f" (default {DEFAULT_LANG})")
    args = parser.parse_args(argv)
    try:
        args.lang = check_lang(args.lang, "--lang")
    except LangError as err:
        parser.error(str(err))
    given = args.port
    args.port = int(given) if given.strip().isdigit() else -1
    if not 0 <= args.port <= 65535:
        parser.error(f"--port: {given!r} is not a port — allowed: a whole number from 0 "
                     "(a free port) to 65535")
    if not args.host or any(c.isspace() for c in args.host):
        parser.error(f"--host: {args.host!r} is not an address — allowed: an IP address or "
                     "a host name, such as 127.0.0.1")
    if args.lang == "zh":  # the charts draw Chinese only with a CJK font
        from o2osim.reports.figures_common import MissingFontError, require_fonts

        try:
            require_fonts(args.lang)
        except MissingFontError as err:
            parser.error(f"--lang zh: {err}")
    return args


def offline_settings() -> None:
    """Solara in production mode with nothing that calls out (telemetry, CDN fallback)."""
    # mesa 3.3's ComponentsView trips Solara's hook check at import: Mesa's, not ours
    warnings.filterwarnings("ignore", category=UserWarning, module="solara.validate_hooks")
    os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")
    os.environ.setdefault("SOLARA_THEME_SHOW_BANNER", "False")
    from solara.server import settings

    settings.main.mode = "production"
    settings.telemetry.mixpanel_enable = False


def warm_up() -> None:
    """Import the page and read the cards (composing the presets) before serving, so the
    address is printed when the first page can answer at once."""
    from o2osim.studio import app, state  # noqa: F401  (the page, imported once)
    from o2osim.studio import scenario as scenarios

    state.cards()
    for market in scenarios.presets("market"):
        for plan in scenarios.presets("plan"):
            scenarios.base(market, plan)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse(argv)
    os.environ[LANG_ENV] = args.lang
    offline_settings()
    import uvicorn
    from solara.server import threaded

    port = args.port or threaded.get_free_port()
    warm_up()
    os.environ["SOLARA_APP"] = APP
    os.environ["SERVER_NAME"], os.environ["SERVER_PORT"] = args.host, str(port)
    host = f"[{args.host}]" if ":" in args.host else args.host
    config = uvicorn.Config("solara.server.starlette:app", host=args.host, port=port,
                            log_level="warning", ws_max_size=16 * 1024 * 1024)
    server = uvicorn.Server(config)

    def announce() -> None:  # the address, once the server answers
        while not server.started and not server.should_exit:
            time.sleep(0.05)
        if server.started:
            print(message("studio.app.started", args.lang, url=f"http://{host}:{port}"),
                  flush=True)

    threading.Thread(target=announce, daemon=True).start()
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    sys.exit(0)


if __name__ == "__main__":
    main()
