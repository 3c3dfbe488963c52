"""The baseline of the HTTP load benchmark: aiohttp with nothing of govflow in it.

``python -m benchmarks.bare_server --port P --size N`` answers every POST with one fixed JSON
body of N bytes (the size of a real dry-run decision, measured first), after reading and parsing
the request body as the real handler does, so that the two differ only by what govflow adds:
middlewares, the decision, and building its JSON. ``GET /healthz`` says it is up.
"""

from __future__ import annotations

import argparse
import json

from aiohttp import web

CONTENT_TYPE = "application/json"


def body_of_size(size: int) -> bytes:
    """A JSON object of exactly ``size`` bytes: ``{"pad":"xxx…"}``."""
    empty = len(json.dumps({"pad": ""}))
    return json.dumps({"pad": "x" * max(0, size - empty)}).encode()


def make_app(size: int) -> web.Application:
    """POST anywhere: parse the JSON body, answer the fixed body (same headers as the kernel)."""
    payload = body_of_size(size)

    async def answer(request: web.Request) -> web.Response:
        await request.json()
        return web.Response(body=payload, content_type=CONTENT_TYPE, charset="utf-8")

    async def healthz(request: web.Request) -> web.Response:
        return web.Response(body=b'{"status":"ok"}', content_type=CONTENT_TYPE)

    app = web.Application()
    app.router.add_get("/healthz", healthz)
    app.router.add_post("/{tail:.*}", answer)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--size", type=int, required=True, help="bytes of the JSON answer")
    args = parser.parse_args()
    web.run_app(make_app(args.size), host=args.host, port=args.port, access_log=None)


if __name__ == "__main__":
    main()
