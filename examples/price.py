#!/usr/bin/env python3
"""price.py - pricing carts in a Python service, through the ``ecommerce`` package.

    python3 examples/price.py               # start, price examples/cart.json over HTTP, stop
    python3 examples/price.py --serve 8080  # keep serving: POST a cart to /price

The service compiles the rules once at start-up and shares them with every
request thread; each thread prices through its own native pricer, so there is
no lock on the hot path.  A refused cart answers with the error document and
an HTTP status chosen from its code.  In your own service install the package
(``pip install wrappers/python``) and drop the ``sys.path`` line below.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Dict, Tuple

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "wrappers" / "python"))  # running from a checkout

from ecommerce import EcommerceError, Ruleset  # noqa: E402

RULES = Ruleset(HERE / "rules.json")  # compiled once; thread-safe

# Refusals are the client's problem (4xx); anything else is ours (500).
HTTP_STATUS = {"invalid_json": 400, "payload_too_large": 413, "limit_exceeded": 413,
               "no_memory": 503, "internal": 500, "misuse": 500}


def handle_price(body: bytes) -> Tuple[int, str]:
    """POST /price: a cart document in, (HTTP status, response JSON) out.

    price_json() hands back the library's document as text, so the service
    forwards it without parsing and re-serialising it."""
    try:
        return 200, RULES.price_json(body)
    except EcommerceError as e:
        return HTTP_STATUS.get(e.code, 422), json.dumps(e.to_dict())


class Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        if self.path != "/price":
            self.send_error(404)
            return
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        status, text = handle_price(body)
        payload = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, fmt: str, *args: Any) -> None:
        pass  # keep the example's output to the point


def post(url: str, body: bytes) -> Tuple[int, Dict[str, Any]]:
    req = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.load(resp)
    except urllib.error.HTTPError as e:
        return e.code, json.load(e)


def demo() -> int:
    """Serve on a free loopback port, price two carts through it, stop."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/price"
    try:
        status, doc = post(url, (HERE / "cart.json").read_bytes())
        print(f"POST /price examples/cart.json -> {status}")
        for line in doc["lines"]:
            print(f"  {line['sku']:<8} x{line['quantity']:<3} net {line['net']:>8}  total {line['total']:>8}")
        print(f"  total {doc['total']} {doc['currency']} (tax {doc['tax']}, discount {doc['discount']})")
        bad = {"currency": "EUR", "at": "2026-11-28T10:00:00Z", "lines": [{"sku": "SHOE-1", "quantity": 0}]}
        status, err = post(url, json.dumps(bad).encode())
        print(f"POST /price with quantity 0 -> {status} {json.dumps(err)}")
        return 0 if doc["total"] and status == 422 else 1
    finally:
        server.shutdown()
        server.server_close()


def main() -> int:
    ap = argparse.ArgumentParser(description="Price carts over HTTP with libecommerce.")
    ap.add_argument("--serve", type=int, metavar="PORT", help="serve on 127.0.0.1:PORT until interrupted")
    args = ap.parse_args()
    if args.serve is None:
        return demo()
    server = ThreadingHTTPServer(("127.0.0.1", args.serve), Handler)
    print(f"pricing carts on http://127.0.0.1:{args.serve}/price (Ctrl-C stops)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
