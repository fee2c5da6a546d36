"""types_match.py - the Node declarations (wrappers/node/index.d.ts) and the
Python TypedDicts (wrappers/python/ecommerce) against docs/schemas/: for
each document object, the same field names and the same optional fields.

A schema object's fields are its properties, required ones as `required`
lists them; a oneOf of objects (an effect, an inventory operation or
result) is compared as one object holding every alternative's fields,
required where every alternative requires them.  A TypeScript interface's
fields are its members, `name?:` optional; a union alias of interfaces is
flattened the same way.  A TypedDict's are its __required_keys__ and
__optional_keys__ (the package is imported, so ECOMMERCE_LIBRARY must name
the built library).

Usage: ECOMMERCE_LIBRARY=build/lib/libecommerce.so.0 python3 tests/ffi/types_match.py
Prints "types: N passed, M failed"."""
import importlib
import os
import re
import sys
import typing

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "schemas"))
sys.path.insert(0, os.path.join(ROOT, "wrappers", "python"))
import schemas  # noqa: E402

# (schema, TypeScript name, Python module.name)
PAIRS = [
    ("ruleset.json", "RulesetDocument", "documents.RulesetDocument"),
    ("ruleset.json#/$defs/product", "Product", "documents.Product"),
    ("ruleset.json#/$defs/tier", "PriceTier", "documents.PriceTier"),
    ("ruleset.json#/$defs/price_entry", "PriceListEntry", "documents.PriceListEntry"),
    ("ruleset.json#/$defs/price_list", "PriceList", "documents.PriceList"),
    ("ruleset.json#/$defs/target", "PromotionTarget", "documents.PromotionTarget"),
    ("ruleset.json#/$defs/promotion", "Promotion", "documents.Promotion"),
    ("ruleset.json#/$defs/promotion/properties/action", "PromotionAction", "documents.PromotionAction"),
    ("ruleset.json#/$defs/action_percent_off", "PercentOffAction", "documents.PercentOffAction"),
    ("ruleset.json#/$defs/action_amount_off_each", "AmountOffEachAction", "documents.AmountOffEachAction"),
    ("ruleset.json#/$defs/action_amount_off_order", "AmountOffOrderAction", "documents.AmountOffOrderAction"),
    ("ruleset.json#/$defs/action_fixed_price", "FixedPriceAction", "documents.FixedPriceAction"),
    ("ruleset.json#/$defs/action_buy_x_get_y", "BuyXGetYAction", "documents.BuyXGetYAction"),
    ("ruleset.json#/$defs/action_tiered_percent", "TieredPercentAction", "documents.TieredPercentAction"),
    ("ruleset.json#/$defs/action_tiered_percent/properties/tiers/items", "PercentTier", "documents.PercentTier"),
    ("ruleset.json#/$defs/action_free_shipping", "FreeShippingAction", "documents.FreeShippingAction"),
    ("ruleset.json#/$defs/tax_entry", "TaxEntry", "documents.TaxEntry"),
    ("ruleset.json#/$defs/tax_rate", "NamedTaxRate", "documents.NamedTaxRate"),
    ("ruleset.json#/$defs/shipping_method", "ShippingMethod", "documents.ShippingMethod"),
    ("cart.json", "Cart", "documents.Cart"),
    ("common.json#/$defs/line", "CartLine", "documents.CartLine"),
    ("price-result.json", "PriceResult", "documents.PriceResult"),
    ("price-result.json#/$defs/priced_line", "PricedLine", "documents.PricedLine"),
    ("price-result.json#/$defs/priced_line/properties/discounts/items", "LineDiscount", "documents.LineDiscount"),
    ("price-result.json#/$defs/tax_amount", "TaxAmount", "documents.TaxAmount"),
    ("price-result.json#/$defs/priced_shipping", "PricedShipping", "documents.Shipping"),
    ("price-result.json#/$defs/promotion_outcome", "PromotionOutcome", "documents.PromotionOutcome"),
    ("price-result.json#/$defs/coupon_outcome", "CouponOutcome", "documents.CouponOutcome"),
    ("error.json", "ErrorDocument", "documents.ErrorDocument"),
    ("common.json#/$defs/error_body", "ErrorBody", "documents.ErrorBody"),
    ("order.json", "Order", "orders.Order"),
    ("order.json#/$defs/line", "OrderLine", "orders.OrderLine"),
    ("order.json#/$defs/shipping", "OrderShipping", "orders.Shipping"),
    ("order.json#/$defs/payment", "OrderPayment", "orders.Payment"),
    ("order.json#/$defs/history_entry", "OrderHistoryEntry", "orders.HistoryEntry"),
    ("order.json#/properties/promotions/items", "PromotionUse", "orders.PromotionUse"),
    ("order-event.json", "OrderEvent", "orders.OrderEvent"),
    ("common.json#/$defs/line", "OrderEventLine", "orders.EventLine"),
    ("apply-result.json", "ApplyResult", "orders.ApplyResult"),
    ("apply-result.json#/$defs/stock_effect", "StockEffect", "orders.StockEffect"),
    ("apply-result.json#/$defs/payment_effect", "PaymentEffect", "orders.PaymentEffect"),
    ("apply-result.json#/properties/effects/items", "Effect", "orders.Effect"),
    ("order-machine.json", "MachineDocument", "orders.MachineDocument"),
    ("order-machine.json#/$defs/transition", "OrderTransition", "orders.MachineTransition"),
    ("inventory-state.json", "InventoryState", "inventory.InventoryState"),
    ("inventory-state.json#/$defs/stock_entry", "StockEntry", "inventory.StockEntry"),
    ("inventory-state.json#/$defs/reservation", "Reservation", "inventory.Reservation"),
    ("inventory-state.json#/$defs/reservation_line", "ReservationLine", "inventory.ReservationLine"),
    ("inventory-operation.json", "InventoryOperation", "inventory.InventoryOperation"),
    ("inventory-operation.json#/$defs/set", "SetOperation", "inventory.SetOperation"),
    ("inventory-operation.json#/$defs/receive", "ReceiveOperation", "inventory.ReceiveOperation"),
    ("inventory-operation.json#/$defs/reserve", "ReserveOperation", "inventory.ReserveOperation"),
    ("inventory-operation.json#/$defs/commit", "CommitOperation", "inventory.CommitOperation"),
    ("inventory-operation.json#/$defs/release", "ReleaseOperation", "inventory.ReleaseOperation"),
    ("inventory-operation.json#/$defs/ship", "ShipOperation", "inventory.ShipOperation"),
    ("inventory-operation.json#/$defs/restock", "RestockOperation", "inventory.RestockOperation"),
    ("inventory-operation.json#/$defs/expire", "ExpireOperation", "inventory.ExpireOperation"),
    ("inventory-operation.json#/$defs/available", "AvailableOperation", "inventory.AvailableOperation"),
    ("inventory-result.json", "InventoryResult", "inventory.InventoryResult"),
    ("inventory-result.json#/$defs/placed_line", "PlacedLine", "inventory.PlacedLine"),
]

Fields = typing.Dict[str, bool]  # name -> required


def merge(alternatives):
    """One object of several: every field, required where all require it."""
    alternatives = list(alternatives)
    out = {}
    for alt in alternatives:
        for k, req in alt.items():
            out[k] = out.get(k, True) and req
    for k in out:
        out[k] = out[k] and all(k in alt for alt in alternatives)
    return out


# ---- schemas ------------------------------------------------------------------------------

def schema_node(ref):
    file, _, pointer = ref.partition("#")
    node = schemas.schema(file)
    for part in [p for p in pointer.split("/") if p]:
        node = node[part]
    return file, node


def schema_fields(ref):
    file, node = schema_node(ref)
    if "$ref" in node:
        target = node["$ref"]
        return schema_fields(target if not target.startswith("#") else file + target)
    if "properties" in node:
        required = set(node.get("required", []))
        return {k: k in required for k in node["properties"]}
    alts = node.get("oneOf") or node.get("anyOf")
    assert alts, "%s is not an object schema" % ref
    return merge(schema_fields_of(file, a) for a in alts if a.get("type") != "null")


def schema_fields_of(file, node):
    if "$ref" in node:
        target = node["$ref"]
        return schema_fields(target if not target.startswith("#") else file + target)
    required = set(node.get("required", []))
    return {k: k in required for k in node["properties"]}


# ---- TypeScript -------------------------------------------------------------------------------

def strip_comments(src):
    src = re.sub(r"/\*.*?\*/", "", src, flags=re.S)
    return re.sub(r"//[^\n]*", "", src)


def ts_declarations(src):
    """interfaces: name -> fields; unions: name -> member names."""
    src = strip_comments(src)
    interfaces, unions = {}, {}
    for m in re.finditer(r"export interface (\w+)\s*\{", src):
        depth, i = 1, m.end()
        while depth:
            depth += {"{": 1, "}": -1}.get(src[i], 0)
            i += 1
        body, fields, depth, start = src[m.end():i - 1], {}, 0, 0
        for j, c in enumerate(body + ";"):
            depth += {"{": 1, "}": -1, "(": 1, ")": -1, "[": 1, "]": -1}.get(c, 0)
            if c == ";" and depth == 0:
                member = body[start:j].strip()
                start = j + 1
                f = re.match(r"(?:readonly\s+)?(\w+)(\?)?\s*:", member)
                if f:
                    fields[f.group(1)] = not f.group(2)
        interfaces[m.group(1)] = fields
    for m in re.finditer(r"export type (\w+)\s*=\s*([^;]*);", src):
        names = [n.strip() for n in m.group(2).split("|") if n.strip()]
        if names and all(re.fullmatch(r"\w+", n) for n in names):
            unions[m.group(1)] = names
    return interfaces, unions


def ts_fields(name, interfaces, unions):
    if name in interfaces:
        return interfaces[name]
    assert name in unions, "index.d.ts declares no interface or union %s" % name
    return merge(ts_fields(n, interfaces, unions) for n in unions[name])


# ---- Python ---------------------------------------------------------------------------------------

def py_fields(qualified):
    module, _, name = qualified.partition(".")
    t = getattr(importlib.import_module("ecommerce." + module), name)
    if typing.get_origin(t) is typing.Union:
        return merge(py_fields_of(a) for a in typing.get_args(t))
    return py_fields_of(t)


def py_fields_of(t):
    fields = {k: True for k in t.__required_keys__}
    fields.update({k: False for k in t.__optional_keys__})
    return fields


def describe(expected, got):
    out = []
    for k in sorted(set(expected) | set(got)):
        if k not in got:
            out.append("lacks %s" % k)
        elif k not in expected:
            out.append("has %s, which the schema does not" % k)
        elif expected[k] != got[k]:
            out.append("%s is %s, the schema says %s" % (k, "required" if got[k] else "optional",
                                                       "required" if expected[k] else "optional"))
    return ", ".join(out)


def main():
    with open(os.path.join(ROOT, "wrappers", "node", "index.d.ts"), encoding="utf-8") as f:
        interfaces, unions = ts_declarations(f.read())
    passed, failed = 0, 0
    for ref, ts, py in PAIRS:
        expected = schema_fields(ref)
        for what, got in (("index.d.ts " + ts, ts_fields(ts, interfaces, unions)),
                          ("ecommerce." + py, py_fields(py))):
            if got == expected:
                passed += 1
            else:
                failed += 1
                print("FAIL %s against %s: %s" % (what, ref, describe(expected, got)))
    # Every exported document interface is covered by a pair above, alone
    # or as a member of a union that is.
    covered = {ts for _, ts, _ in PAIRS}
    covered |= {m for u in covered if u in unions for m in unions[u]}
    helpers = {"FileURL", "ErrorBody"}
    for name in sorted(set(interfaces) - covered - helpers):
        failed += 1
        print("FAIL index.d.ts %s is compared with no schema (add it to PAIRS)" % name)
    print("types: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
