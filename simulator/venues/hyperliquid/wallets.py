"""Who is who: master wallets (one per engine account) and the API wallets (agents) they approved.

An agent signs L1 actions for its master; queries always name the master's address. A master
has one unnamed agent (approving another replaces it) and up to three named ones (approving an
existing name replaces it; approving the zero address under a name revokes it). A replaced or
revoked agent's key still recovers to a known address, which the venue answers with "Must deposit
before performing actions".
"""

from __future__ import annotations

from dataclasses import dataclass, field

from eth_account import Account as EthAccount
from eth_utils.crypto import keccak

__all__ = ["Wallets", "Agent", "ZERO_ADDRESS", "MAX_NAMED_AGENTS"]

ZERO_ADDRESS = "0x" + "00" * 20
MAX_NAMED_AGENTS = 3


@dataclass
class Agent:
    address: str
    master: str
    name: str
    valid_until: int | None = None


@dataclass
class Wallets:
    venue: str
    users: dict[str, int] = field(default_factory=dict)       # master address -> account id
    address_of: dict[int, str] = field(default_factory=dict)  # account id -> master address
    agents: dict[str, Agent] = field(default_factory=dict)    # agent address -> agent
    retired: set[str] = field(default_factory=set)            # replaced/revoked agent addresses

    def register(self, account_id: int) -> tuple[str, str]:
        """A new master wallet for ``account_id``; returns (address, private key hex)."""
        wallet = EthAccount.create()
        address = str(wallet.address).lower()
        self.users[address] = account_id
        self.address_of[account_id] = address
        return address, "0x" + bytes(wallet.key).hex()

    def approve(self, master: str, agent: str, name: str) -> str | None:
        """Approve (or, with the zero address, revoke) an agent; returns an error text or None."""
        name, valid_until = _split_name(name)
        current = [a for a in self.agents.values() if a.master == master and a.name == name]
        named = {a.name for a in self.agents.values() if a.master == master and a.name}
        if agent != ZERO_ADDRESS and name and name not in named and len(named) >= MAX_NAMED_AGENTS:
            return f"Too many extra agents for cumulative volume traded. Current limit is {MAX_NAMED_AGENTS}"
        for old in current:
            del self.agents[old.address]
            self.retired.add(old.address)
        if agent != ZERO_ADDRESS:
            self.agents[agent] = Agent(agent, master, name, valid_until)
            self.retired.discard(agent)
        return None

    def new_agent(self, master: str) -> str:
        """A fresh unnamed agent for ``master``; returns its private key hex."""
        wallet = EthAccount.create()
        self.approve(master, str(wallet.address).lower(), "")
        return "0x" + bytes(wallet.key).hex()

    def resolve(self, signer: str, now_ms: int) -> str | None:
        """The master a signer acts for (itself if it is a master), or None."""
        if signer in self.users:
            return signer
        agent = self.agents.get(signer)
        if agent is None or (agent.valid_until is not None and agent.valid_until <= now_ms):
            return None
        return agent.master

    def extra_agents(self, master: str) -> list[Agent]:
        return [a for a in self.agents.values() if a.master == master and a.name]

    def pseudo_address(self, account_id: int) -> str:
        """A stable address for an account without a wallet (the engine's makers and takers)."""
        known = self.address_of.get(account_id)
        if known is not None:
            return known
        return "0x" + bytes(keccak(f"perpdex-sim:{self.venue}:{account_id}".encode()))[:20].hex()


def _split_name(name: str) -> tuple[str, int | None]:
    """``"bot valid_until 1767776120478"`` -> ("bot", 1767776120478)."""
    head, sep, tail = name.partition(" valid_until ")
    if sep and tail.isdigit():
        return head, int(tail)
    return name, None
