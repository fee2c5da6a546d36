"""test_retention.py - the sweeper forgets stored Idempotency-Key responses
and outbox events after --idempotency-ttl and --events-ttl, and keeps them
by default for a day and a week."""
import time

from ecomd_harness import Server, check, eq, wait_until


def reserve(s, key):
    body = {"lines": [{"sku": "A", "quantity": 1}], "ttl_seconds": 60}
    return s.request("POST", "/v1/reservations", body, headers={"Idempotency-Key": key})


def events(s):
    return s.request("GET", "/v1/events?limit=1000").json()["events"]


def test_old_keys_and_events_are_forgotten():
    with Server(args=["--idempotency-ttl", "1", "--events-ttl", "1"]) as s:
        eq(s.request("PUT", "/v1/stock/A/berlin", {"on_hand": 10}).status, 200, "stock")
        first = reserve(s, "k")
        eq(first.status, 201, "reserved")
        again = reserve(s, "k")
        eq((again.status, again.body, again.header("Idempotent-Replayed")),
           (201, first.body, "true"), "replayed while kept")
        old = events(s)
        check(len(old) >= 1, "events written")
        time.sleep(1.1)
        wait_until(lambda: s.sql("SELECT count(*) FROM idempotency") == [("0",)], "keys forgotten",
                   timeout=5)
        wait_until(lambda: events(s) == [], "events deleted", timeout=5)
        later = reserve(s, "k")
        eq(later.status, 201, "a forgotten key is a new request")
        check(later.json()["id"] != first.json()["id"], "a second reservation")
        eq(later.header("Idempotent-Replayed"), None, "not a replay")
        eq(s.request("PUT", "/v1/stock/A/berlin", {"on_hand": 9}).status, 200, "stock again")
        new = events(s)
        check(new and new[0]["id"] > old[-1]["id"], "new events continue the ids: %r" % new)


def test_keys_and_events_kept_by_default():
    with Server() as s:
        eq(s.request("PUT", "/v1/stock/A/berlin", {"on_hand": 10}).status, 200, "stock")
        first = reserve(s, "k")
        n = len(events(s))
        time.sleep(1.5)  # several sweeps (--poll-ms 200)
        again = reserve(s, "k")
        eq((again.status, again.body), (201, first.body), "still replayed")
        eq(len(events(s)), n, "events kept")
