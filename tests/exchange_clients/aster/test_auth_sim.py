"""Aster authentication against the simulator through the real client: V3 nonce reuse refused
(-4225) and recovered without a duplicate order, bad signatures and unknown signers as
``AuthenticationError``, V1 HMAC as an option."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from eth_account import Account

from exchange_clients.aster import AsterClient
from exchange_clients.errors import AuthenticationError, NonceError
from exchange_clients.models import OrderStatus, Side
from simulator.testing import RunningSimulator
from tests.exchange_clients.aster.conftest import (
    ClientFactory,
    config_for,
    control,
    new_credentials,
    passive_order,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")


class NonceReplayer:
    """Makes the client's next nonce repeat its last one, as a second process sharing the API
    wallet (or a clock stepping back) would."""

    def __init__(self, client: AsterClient) -> None:
        self.issued: list[int] = []
        self._pending: int | None = None
        self._original: Callable[[], int] = client.transport.nonces.next
        client.transport.nonces.next = self._next  # type: ignore[method-assign]

    def _next(self) -> int:
        value = self._pending if self._pending is not None else self._original()
        self._pending = None
        self.issued.append(value)
        return value

    def replay_last(self) -> None:
        self._pending = self.issued[-1]


async def test_reused_nonce_is_refused_then_recovered_with_a_fresh_one(client: AsterClient) -> None:
    replayer = NonceReplayer(client)
    await client.get_account_balance()
    replayer.replay_last()
    retries = client.transport.nonce_retries
    balance = await client.get_account_balance()   # -4225 first, then re-signed
    assert balance > 0
    assert client.transport.nonce_retries == retries + 1
    issued = replayer.issued
    assert issued[-3] == issued[-2] and issued[-1] > issued[-2]


async def test_reused_nonce_on_an_order_places_it_exactly_once(client: AsterClient) -> None:
    replayer = NonceReplayer(client)
    size, price = await passive_order(client)
    await client.get_account_balance()
    replayer.replay_last()
    result = await client.place_limit_order("BTC", size, price, Side.BUY)
    assert result.status is OrderStatus.OPEN
    issued = replayer.issued
    assert len(set(issued)) < len(issued)  # the replayed nonce was really sent
    assert issued[-1] > issued[-2]         # and the order went out on a fresh one
    active = await client.get_active_orders("BTC")
    assert [o.client_order_id for o in active].count(result.client_order_id) == 1
    await client.cancel_all_orders("BTC")


async def test_injected_nonce_rejection_on_submit_is_resolved_before_resending(
        sim: RunningSimulator, client: AsterClient) -> None:
    size, price = await passive_order(client)
    await control(sim, "POST", "/faults", {"kind": "reject_nonce", "match": "/fapi/v3/order",
                                           "count": 1})
    result = await client.place_limit_order("BTC", size, price, Side.BUY)
    assert result.status is OrderStatus.OPEN
    active = await client.get_active_orders("BTC")
    assert len(active) == 1 and active[0].client_order_id == result.client_order_id
    await client.cancel_all_orders("BTC")


async def test_persistent_nonce_rejection_surfaces_as_nonce_error(
        sim: RunningSimulator, client: AsterClient) -> None:
    size, price = await passive_order(client)
    await control(sim, "POST", "/faults", {"kind": "reject_nonce", "match": "/fapi/v3/order",
                                           "count": 3})
    with pytest.raises(NonceError):
        await client.place_limit_order("BTC", size, price, Side.BUY)
    assert await client.get_active_orders("BTC") == []


async def test_wrong_chain_signature_is_an_authentication_error(
        sim: RunningSimulator, make_client: ClientFactory) -> None:
    # a testnet (chainId 714) signature sent to a mainnet (1666) venue does not verify: -1022
    with pytest.raises(AuthenticationError) as info:
        await make_client(environment="testnet")
    assert info.value.code == "-1022"


async def test_tampered_signature_is_an_authentication_error(client: AsterClient) -> None:
    signer = client.transport.signer
    assert signer is not None and signer.scheme == "v3"
    genuine = signer.signature
    signer.signature = lambda msg: genuine(msg + "&x=1")  # type: ignore[method-assign]
    with pytest.raises(AuthenticationError) as info:
        await client.get_account_balance()
    assert info.value.code == "-1022"
    signer.signature = genuine  # type: ignore[method-assign]
    assert await client.get_account_balance() > 0


async def test_unregistered_signer_is_an_authentication_error(
        sim: RunningSimulator, make_client: ClientFactory) -> None:
    credentials = await new_credentials(sim)
    stranger = Account.create()
    credentials.update(signer=stranger.address, signer_private_key="0x" + bytes(stranger.key).hex())
    with pytest.raises(AuthenticationError) as info:
        await make_client(credentials)
    assert info.value.code == "-2015"


async def test_v1_hmac_keys_trade_and_a_wrong_secret_is_refused(
        sim: RunningSimulator, make_client: ClientFactory) -> None:
    credentials = await new_credentials(sim)
    v1 = await make_client(credentials, auth="v1")
    size, price = await passive_order(v1)
    result = await v1.place_limit_order("BTC", size, price, Side.BUY)
    assert result.status is OrderStatus.OPEN
    assert await v1.cancel_all_orders("BTC") == 1
    wrong = AsterClient(config_for(sim, {**credentials, "secret_key": "f" * 64}, auth="v1"))
    with pytest.raises(AuthenticationError):
        await wrong.connect()
    await wrong.disconnect()
