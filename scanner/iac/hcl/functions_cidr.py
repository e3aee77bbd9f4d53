"""IP network functions: cidrsubnet, cidrsubnets, cidrhost, cidrnetmask (IPv4 and IPv6).

A port of Terraform's implementation (its fork of Go's ``net.ParseCIDR``, which accepts IPv4 octets with leading
zeros as decimal, and ``github.com/apparentlymart/go-cidr``), including its edge cases: a network number is checked
against at most 64 bits, a negative host number counts back from the end of the range.
"""

from __future__ import annotations

from dataclasses import dataclass

from .functions_base import Call, Param, Spec, whole
from .functions_types import NUMBER, STRING

__all__ = ["FUNCTIONS"]

_U64 = 2**64 - 1


@dataclass(frozen=True)
class _Net:
    """A network: address as an integer, prefix length, address bits (32 or 128)."""

    address: int
    prefix: int
    bits: int

    @property
    def last(self) -> int:
        return self.address | ((1 << (self.bits - self.prefix)) - 1)

    def masked(self, prefix: int) -> _Net:
        mask = ((1 << self.bits) - 1) ^ ((1 << (self.bits - prefix)) - 1)
        return _Net(self.address & mask, prefix, self.bits)

    def contains(self, address: int) -> bool:
        return self.masked(self.prefix).address == _Net(address, self.prefix, self.bits).masked(self.prefix).address

    @property
    def mapped(self) -> bool:
        """An IPv4 address written as IPv6 (``::ffff:10.0.0.0``), which Go treats as IPv4 in places."""
        return self.bits == 128 and self.address >> 32 == 0xFFFF

    def __str__(self) -> str:
        if self.mapped:
            return f"{_ip_text(self.address, 128)}/{max(self.prefix - 96, 0)}"
        return f"{_ip_text(self.address, self.bits)}/{self.prefix}"


def _decimal(text: str) -> tuple[int, int]:
    """Go's ``dtoi``: the leading decimal number of ``text`` and its length (0 when none, or when too large)."""
    end = 0
    while end < len(text) and "0" <= text[end] <= "9":
        end += 1
        if int(text[:end]) >= 0xFFFFFF:
            return 0, 0
    return (int(text[:end]), end) if end else (0, 0)


def _parse_v4(text: str) -> int | None:
    parts = text.split(".")
    if len(parts) != 4:
        return None
    value = 0
    for part in parts:
        number, used = _decimal(part)
        if used == 0 or used != len(part) or number > 255:
            return None
        value = value << 8 | number
    return value


def _parse_v6(text: str) -> int | None:
    groups: list[int] = []
    ellipsis: int | None = None
    if text.startswith("::"):
        ellipsis, text = 0, text[2:]
    while text:
        hexpart = ""
        while len(hexpart) < len(text) and text[len(hexpart)] in "0123456789abcdefABCDEF":
            hexpart += text[len(hexpart)]
        rest = text[len(hexpart):]
        if rest.startswith(".") and hexpart:
            v4 = _parse_v4(text)
            if v4 is None or (ellipsis is None and len(groups) != 6) or len(groups) > 6:
                return None
            groups += [v4 >> 16, v4 & 0xFFFF]
            text = ""
            break
        if not hexpart or int(hexpart, 16) > 0xFFFF or len(groups) >= 8:
            return None
        groups.append(int(hexpart, 16))
        text = rest
        if not text:
            break
        if text[0] != ":" or len(text) == 1:
            return None
        text = text[1:]
        if text.startswith(":"):
            if ellipsis is not None:
                return None
            ellipsis, text = len(groups), text[1:]
    if (ellipsis is None and len(groups) != 8) or (ellipsis is not None and len(groups) > 7):
        return None
    if ellipsis is not None:
        groups[ellipsis:ellipsis] = [0] * (8 - len(groups))
    value = 0
    for group in groups:
        value = value << 16 | group
    return value


def _parse(call: Call, text: str) -> _Net:
    address, slash, mask = text.partition("/")
    bits, value = 32, _parse_v4(address)
    if value is None:
        bits, value = 128, _parse_v6(address)
    prefix, used = _decimal(mask)
    if not slash or value is None or used == 0 or used != len(mask) or prefix > bits:
        raise call.error(f"invalid CIDR expression: invalid CIDR address: {text}")
    return _Net(value, bits, bits).masked(prefix)


def _ip_text(address: int, bits: int) -> str:
    if bits == 128 and address >> 32 == 0xFFFF:
        bits, address = 32, address & 0xFFFFFFFF
    if bits == 32:
        return ".".join(str(address >> shift & 0xFF) for shift in (24, 16, 8, 0))
    groups = [address >> shift & 0xFFFF for shift in range(112, -1, -16)]
    best, best_len, run_start = -1, 1, -1
    for i, group in enumerate([*groups, 1]):
        if group == 0 and run_start < 0:
            run_start = i
        elif group != 0 and run_start >= 0:
            if i - run_start > best_len:
                best, best_len = run_start, i - run_start
            run_start = -1
    hexes = [format(g, "x") for g in groups]
    if best < 0:
        return ":".join(hexes)
    return ":".join(hexes[:best]) + "::" + ":".join(hexes[best + best_len:])


def _integer(call: Call, value: int | float, what: str) -> int:
    """A whole number of any size (Go's ``*big.Int`` conversion)."""
    if isinstance(value, float) and not value.is_integer():
        raise call.error(f"{what}: value must be a whole number")
    return int(value)


def _insert(call: Call, net: _Net, number: int, length: int) -> int:
    """go-cidr's ``insertNumIntoIP``: ``number`` shifted to end at bit ``length`` and or-ed into the address (with
    big.Int's two's complement semantics for a negative number, whose magnitude becomes the address)."""
    value = abs(net.address | number << (net.bits - length))
    if value >> net.bits:
        raise call.error(f"the number {number} does not fit in the address range")
    return value


def _cidrsubnet(call: Call, prefix: str, newbits: int | float, netnum: int | float) -> str:
    """``cidrsubnet(prefix, newbits, netnum)``: subnet number ``netnum`` of ``prefix`` extended by ``newbits``."""
    bits, number = whole(call, newbits, "newbits"), _integer(call, netnum, "netnum")
    net = _parse(call, prefix)
    length = net.prefix + bits
    if length > net.bits:
        raise call.error(f"insufficient address space to extend prefix of {net.prefix} by {bits}")
    limit = (1 << bits) - 1 if 0 <= bits < 64 else _U64
    if abs(number) & _U64 > limit:
        raise call.error(f"prefix extension of {bits} does not accommodate a subnet numbered {number}")
    if length < 0:
        raise call.error(f"newbits {bits} would make the prefix length negative")
    return str(_Net(_insert(call, net, number, length), length, net.bits))


def _cidrhost(call: Call, prefix: str, hostnum: int | float) -> str:
    """``cidrhost(prefix, hostnum)``: host number ``hostnum`` in ``prefix`` (negative: counted from the end)."""
    number = _integer(call, hostnum, "hostnum")
    net = _parse(call, prefix)
    largest = (1 << (net.bits - net.prefix)) - 1
    if number < 0:
        magnitude = -number - 1
    else:
        magnitude = number & _U64
        magnitude -= (1 << 64) if magnitude >> 63 else 0
    if magnitude > largest:
        raise call.error(f"prefix of {net.prefix} does not accommodate a host numbered {number}")
    if number < 0:
        number = largest - magnitude
    width = 32 if net.bits == 32 or net.mapped else 128
    return _ip_text(_insert(call, net, number, width), net.bits)


def _cidrnetmask(call: Call, prefix: str) -> str:
    """``cidrnetmask(prefix)``: the IPv4 netmask of ``prefix`` in dotted form (IPv6 has none: an error)."""
    net = _parse(call, prefix)
    if net.bits != 32:
        raise call.error(f"IPv6 addresses cannot have a netmask: {prefix}")
    return _ip_text(((1 << 32) - 1) ^ ((1 << (32 - net.prefix)) - 1), 32)


def _cidrsubnets(call: Call, prefix: str, *newbits: int | float) -> list[str]:
    """``cidrsubnets(prefix, newbits...)``: consecutive subnets of ``prefix``, each extended by its ``newbits``."""
    net = _parse(call, prefix)
    if not newbits:
        return []
    lengths = [whole(call, bits, f"argument {pos}") for pos, bits in enumerate(newbits, 2)]
    first = net.prefix + lengths[0]
    previous = (net.address - 1) % (1 << net.bits)
    current = _Net(previous, first, net.bits).masked(first) if first <= net.bits else _Net(previous, 0, net.bits)
    out: list[str] = []
    for pos, length in enumerate(lengths, 2):
        if length < 1:
            raise call.error(f"argument {pos}: must extend prefix by at least one bit")
        if length > 32:
            raise call.error(f"argument {pos}: may not extend prefix by more than 32 bits")
        size = net.prefix + length
        if size > net.bits:
            raise call.error(f"argument {pos}: would extend prefix to {size} bits, which is too long for an "
                             f"{'IPv4' if net.bits == 32 else 'IPv6'} address")
        following = (_Net(current.last, size, net.bits).masked(size).last + 1) % (1 << net.bits)
        if following == 0 or not net.contains(following):
            raise call.error(f"argument {pos}: not enough remaining address space for a subnet with a prefix of "
                             f"{size} bits after {current}")
        current = _Net(following, size, net.bits)
        out.append(str(current))
    return out


S, N = Param(STRING), Param(NUMBER)
FUNCTIONS: dict[str, Spec] = {
    "cidrsubnet": Spec(_cidrsubnet, (S, N, N)),
    "cidrhost": Spec(_cidrhost, (S, N)),
    "cidrnetmask": Spec(_cidrnetmask, (S,)),
    "cidrsubnets": Spec(_cidrsubnets, (S,), N),
}
