"""Which class of failure each check stands for; the gate's exit code follows the class.

* ``sla`` - a service level the run was measured against (latency, errors, throughput,
  recovery time);
* ``invariant`` - something that must never happen whatever the load (an order lost or
  applied twice, stock not conserved, an event leaked to another customer);
* ``validity`` - whether the run proves anything at all (the sandbox was steady first, the
  faults really happened and were rolled back, enough orders were measured).

A check this table does not know counts as an invariant: the strictest reading, so a new
check can never make a failing run look like a mere SLA miss.
"""

from __future__ import annotations

from typing import Literal

CheckKind = Literal["sla", "invariant", "validity"]
CHECK_KINDS: tuple[CheckKind, ...] = ("sla", "invariant", "validity")

_SLA_NAMES = frozenset({"error-rate", "throughput", "recovery"})
_SLA_PREFIXES = ("latency-",)
_VALIDITY_NAMES = frozenset({"steady-state", "faults-happened", "rolled-back", "enough-orders"})


def kind_of(check_name: str) -> CheckKind:
    if check_name in _SLA_NAMES or check_name.startswith(_SLA_PREFIXES):
        return "sla"
    if check_name in _VALIDITY_NAMES:
        return "validity"
    return "invariant"
