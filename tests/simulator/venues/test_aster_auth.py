"""Aster simulator: V3 (EIP-712 API wallet) and V1 (HMAC) authentication, verified for real."""

from __future__ import annotations

import time
from urllib.parse import quote

from eth_account import Account

from simulator.engine.faults import Fault, FaultKind
from simulator.venues.aster.auth import recover_signer
from tests.simulator.venues.aster_support import aster, hmac_hex, sign_v3, venue

# published vectors (asterdex/api-docs demo key; ccxt test-only key): see notes/aster/v3_sign_vectors.py
_CCXT_ADDR = "0xb67f9a782d3678a0bac50c22eacbb4924fe9d4cf"
_CCXT_MSG = f"nonce=1776872065013000&user={_CCXT_ADDR}&signer={_CCXT_ADDR}"
_CCXT_SIG = ("940797301fe43103c0b059e3ec1d768bd82de10cfc4440a397e921f50b79b17e3ed0e9a1261bd4514e35"
             "ddd72c5bec9fe8e9ddac1a73d2c21d25e2eec1b7293c1b")
_DOC_SIGNER = "0x21cF8Ae13Bb72632562c6Fff438652Ba1a151bb0"
_DOC_MSG = ("symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.010&price=60000.0"
            "&nonce=1748310859508867&user=0x63DD5aCC6b1aa0f563956C0e534DD30B6dcF7C4e"
            "&signer=0x21cF8Ae13Bb72632562c6Fff438652Ba1a151bb0")
_DOC_SIG = ("7c3e7caee5dd6789490e121730377f4bee6f3a2d96c9acc8a604a3e9deb1c7732e3925e575f4619ec9932"
            "1a51be32b3deab8f8ad1453f6292ba05315a7315e0b1c")
_DOC_SIG_714 = ("f03999e3373a4dce17c3bbe98dce5ae84dd97730a150640038eed9a009bebf1763917fa1c3addbe561a00"
                "7a39dd5799b785dd863f97f5e42cd87741b58de71e41c")


def test_digest_recovers_the_published_signatures() -> None:
    assert recover_signer(_CCXT_MSG, bytes.fromhex(_CCXT_SIG), 1666) == _CCXT_ADDR
    assert recover_signer(_DOC_MSG, bytes.fromhex(_DOC_SIG), 1666) == _DOC_SIGNER.lower()
    assert recover_signer(_DOC_MSG, bytes.fromhex(_DOC_SIG_714), 714) == _DOC_SIGNER.lower()
    assert recover_signer(_DOC_MSG, bytes.fromhex(_DOC_SIG_714), 1666) != _DOC_SIGNER.lower()
    assert recover_signer(_DOC_MSG, b"\x00" * 65, 1666) is None


def test_v1_hmac_matches_the_doc_example() -> None:
    total = ("symbol=BTCUSDT&side=BUY&type=LIMIT&quantity=1&price=9000&timeInForce=GTC&recvWindow=5000"
             "&timestamp=1591702613943")
    secret = "2b5eb11e18796d12d88f13dc27dbbd02c2cc51ff7059765ed9821957d82bb4d9"
    assert hmac_hex(secret, total) == "3c661234138461fcc7a7d8746c6558c9842d4e10870d2ecbedf7777cad694af9"


async def test_v3_signed_requests_in_body_or_query_and_either_order() -> None:
    async with aster() as (_, client):
        status, rows, headers = await client.v3("GET", "/fapi/v3/balance")
        assert status == 200 and rows[0]["asset"] == "USDT" and rows[0]["balance"] == "100000.00000000"
        assert "X-MBX-USED-WEIGHT-1M" in headers
        # POST with everything in the query string and an empty body (the doc's send_by_url)
        status, _, _ = await client.v3("POST", "/fapi/v3/leverage", {"symbol": "BTCUSDT", "leverage": 10},
                                       where="query")
        assert status == 200
        # nonce/user/signer first (ccxt's order) is as good as last: the order is the sender's
        nonce = client.nonce()
        head = [("nonce", str(nonce)), ("user", client.creds["user"]), ("signer", client.creds["signer"])]
        msg = "&".join(f"{k}={v}" for k, v in [*head, ("symbol", "BTCUSDT")])
        sig = sign_v3(msg, client.creds["signer_private_key"])
        status, risk, _ = await client.send("GET", "/fapi/v3/positionRisk", query=f"{msg}&signature={sig}")
        assert status == 200 and risk == []
        # without `user` (the doc example since 2026-04) and with a signature lacking 0x
        signed = client.signed_string(None, user=False)
        msg, _, sig = signed.rpartition("&signature=")
        status, _, _ = await client.send("GET", "/fapi/v3/balance", query=f"{msg}&signature={sig[2:]}")
        assert status == 200


async def test_v3_accepts_the_signature_of_the_raw_or_the_decoded_string() -> None:
    async with aster() as (_, client):
        params = {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC",
                  "quantity": "0.010", "price": "90000.0"}
        # ccxt style: values percent-encoded, the encoded string signed and sent
        encoded = client.signed_string({**params, "newClientOrderId": "a:b/c"},
                                       encode=lambda v: quote(v, safe=""))
        assert "a%3Ab%2Fc" in encoded
        status, order, _ = await client.send("POST", "/fapi/v3/order", data=encoded)
        assert status == 200 and order["clientOrderId"] == "a:b/c"
        # node-demo style: the raw (decoded) string signed, the encoded one sent
        nonce = client.nonce()
        fields = {**params, "newClientOrderId": "d:e", "nonce": nonce, "user": client.creds["user"],
                  "signer": client.creds["signer"]}
        raw = "&".join(f"{k}={v}" for k, v in fields.items())
        sig = sign_v3(raw, client.creds["signer_private_key"])
        sent = raw.replace("d:e", "d%3Ae") + f"&signature={sig}"
        status, order, _ = await client.send("POST", "/fapi/v3/order", data=sent)
        assert status == 200 and order["clientOrderId"] == "d:e"


async def test_v3_rejections() -> None:
    async with aster() as (sim, client):
        path = "/fapi/v3/balance"
        # a re-ordered string is not the signed one
        signed = client.signed_string({"a": "1", "b": "2"})
        msg, _, sig = signed.rpartition("&signature=")
        swapped = msg.replace("a=1&b=2", "b=2&a=1")
        assert (await client.send("GET", path, query=f"{swapped}&signature={sig}"))[:2] == (
            400, {"code": -1022, "msg": "Signature for this request is not valid."})
        # signature not the last parameter
        status, err, _ = await client.send("GET", path, query=f"signature={sig}&{msg}")
        assert status == 400 and err["code"] == -1022
        # signed by another key, or for the testnet chain
        other = Account.create().key.hex()
        assert (await client.v3("GET", path, key="0x" + other.removeprefix("0x")))[1]["code"] == -1022
        assert (await client.v3("GET", path, chain_id=714))[1]["code"] == -1022
        # unknown signer; `user` that does not own the signer
        stranger = Account.create()
        creds = dict(client.creds)
        client.creds.update(signer=stranger.address, signer_private_key="0x" + bytes(stranger.key).hex())
        status, err, _ = await client.v3("GET", path)
        assert status == 401 and err["code"] == -2015
        client.creds.update(creds, user=stranger.address)
        status, err, _ = await client.v3("GET", path)
        assert status == 401 and err["code"] == -1002
        client.creds.update(creds)
        # missing pieces
        status, err, _ = await client.send("GET", path, query="nonce=1")
        assert status == 400 and err["code"] == -1102 and "signature" in err["msg"]
        signed = client.signed_string(None)
        no_nonce = "&".join(p for p in signed.split("&") if not p.startswith("nonce="))
        assert (await client.send("GET", path, query=no_nonce))[1]["code"] == -1102
        # an engine account's REST call works once more afterwards
        assert (await client.v3("GET", path))[0] == 200
        assert venue(sim).core.auth.chain_id == 1666


async def test_v3_nonce_freshness_reuse_and_window() -> None:
    async with aster() as (sim, client):
        path = "/fapi/v3/balance"
        signed = client.signed_string(None)
        assert (await client.send("GET", path, query=signed))[0] == 200
        status, err, _ = await client.send("GET", path, query=signed)          # replay
        assert (status, err) == (400, {"code": -4225, "msg": "Nonce Expired"})
        now_us = int(time.time() * 1_000_000)
        assert (await client.v3("GET", path, nonce=now_us - 11_000_000))[1]["code"] == -4225   # too old
        assert (await client.v3("GET", path, nonce=now_us + 11_000_000))[1]["code"] == -4225   # too far ahead
        assert (await client.v3("GET", path, nonce=now_us - 5_000_000))[0] == 200   # out of order is fine
        # the user keeps the last 100 nonces: below the smallest of a full window is expired
        auth = venue(sim).core.auth
        auth.nonce_keep = 3
        base = int(time.time() * 1_000_000)
        for offset in (10, 20, 30):
            assert (await client.v3("GET", path, nonce=base + offset))[0] == 200
        assert (await client.v3("GET", path, nonce=base + 5))[1]["code"] == -4225    # < min of a full window
        assert (await client.v3("GET", path, nonce=base + 15))[0] == 200   # above it: accepted, out of order
        assert (await client.v3("GET", path, nonce=base + 40))[0] == 200
        # an injected nonce rejection
        sim.venue("aster").ctx.faults.arm(Fault(kind=FaultKind.REJECT_NONCE, count=1))
        assert (await client.v3("GET", path))[1]["code"] == -4225
        assert (await client.v3("GET", path))[0] == 200


async def test_v1_hmac_surface() -> None:
    async with aster() as (sim, client):
        status, rows, _ = await client.v1("GET", "/fapi/v2/balance")
        assert status == 200 and rows[0]["asset"] == "USDT"
        status, order, _ = await client.v1("POST", "/fapi/v1/order", {
            "symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC", "quantity": "0.010",
            "price": "90000.0"}, recv_window=5000)
        assert status == 200 and order["status"] == "NEW"
        status, got, _ = await client.v1("GET", "/fapi/v1/order",
                                         {"symbol": "BTCUSDT", "orderId": order["orderId"]})
        assert status == 200 and got["orderId"] == order["orderId"]
        assert (await client.v1("GET", "/fapi/v2/positionRisk"))[0] == 200
        assert (await client.v1("GET", "/fapi/v4/account"))[1]["totalWalletBalance"] == "100000.00000000"
        # query + body split: signature over their concatenation, at the end of the body
        ts = int(time.time() * 1000)
        query = "symbol=BTCUSDT&leverage=5"
        body = f"timestamp={ts}"
        sig = hmac_hex(client.creds["secret_key"], query + body)
        status, lev, _ = await client.send("POST", "/fapi/v1/leverage", query=query,
                                           data=f"{body}&signature={sig}",
                                           headers={"X-MBX-APIKEY": client.creds["api_key"]})
        assert status == 200 and lev["leverage"] == 5
        # failures
        assert (await client.v1("GET", "/fapi/v2/balance", secret="x" * 64))[1]["code"] == -1022
        old = int(time.time() * 1000) - 6000
        status, err, _ = await client.v1("GET", "/fapi/v2/balance", timestamp=old)
        assert status == 400 and err["code"] == -1021 and "recvWindow" in err["msg"]
        assert (await client.v1("GET", "/fapi/v2/balance", timestamp=old, recv_window=10_000))[0] == 200
        ahead = int(time.time() * 1000) + 2000
        assert (await client.v1("GET", "/fapi/v2/balance", timestamp=ahead))[1]["code"] == -1021
        assert (await client.v1("GET", "/fapi/v2/balance", recv_window=70_000))[1]["code"] == -1130
        status, err, _ = await client.v1("GET", "/fapi/v2/balance", api_key="")
        assert status == 401 and err["code"] == -2014
        status, err, _ = await client.v1("GET", "/fapi/v2/balance", api_key="nope" * 8)
        assert status == 401 and err["code"] == -2015
        # USER_STREAM needs the key header only
        status, key, _ = await client.v1("POST", "/fapi/v1/listenKey", signed=False)
        assert status == 200 and len(key["listenKey"]) == 64
        # the V3 paths do not take V1 auth
        status, err, _ = await client.v1("GET", "/fapi/v3/balance")
        assert status == 400 and err["code"] == -1102
        assert venue(sim).core.auth.api_keys
