"""The fault timeline of a scenario: fixed ``faults`` and seeded ``random_faults``.

Reading checks every target against the sandbox's real components and links; drawing the
random faults uses only ``random.Random(seed)``, so a seed replays the same timeline.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase

from chaos.faults import (
    TOXIC_ATTRIBUTES,
    DeliveryFault,
    Fault,
    NetworkFault,
    ProcessAction,
    ProcessFault,
    Stream,
    ToxicKind,
)
from chaos.scenario_yaml import Field, ScenarioError

SERVICES_WORD = "services"  # in targets and choices: every service component
PROCESS_KINDS = tuple(action.value for action in ProcessAction)
NETWORK_KINDS = tuple(kind.value for kind in ToxicKind)
# A restarted or killed process needs a while to be ready again: keep its target clear.
PROCESS_SETTLE_S = 10.0
_DRAW_ATTEMPTS = 50

# Used when a toxic fault gives no attributes, and for random faults. Toxiproxy's own
# defaults are zeros, which would make most toxics do nothing.
_DEFAULT_ATTRIBUTES: dict[ToxicKind, dict[str, int]] = {
    ToxicKind.LATENCY: {"latency": 500, "jitter": 200},  # milliseconds
    ToxicKind.BANDWIDTH: {"rate": 16},  # KB/s
    ToxicKind.TIMEOUT: {"timeout": 0},  # 0: hold data until the toxic is removed
    ToxicKind.RESET_PEER: {"timeout": 0},  # reset at once
    ToxicKind.SLOW_CLOSE: {"delay": 1000},  # milliseconds
    ToxicKind.SLICER: {"average_size": 64, "size_variation": 32, "delay": 10},  # delay in µs
    ToxicKind.LIMIT_DATA: {"bytes": 4096},
    ToxicKind.DOWN: {},
}

_FAULT_KINDS = (*PROCESS_KINDS, "toxic", "duplicate_delivery")
_NETWORK_ONLY = ("links", "stream", "toxicity", "attributes")
_FAULT_KEYS = ("at", "for", *_FAULT_KINDS, *_NETWORK_ONLY)
_RANDOM_KEYS = ("count", "window", "max_duration", "kinds", "targets", "links")


@dataclass(frozen=True)
class Known:
    """What a scenario may name: the sandbox's links, components and services."""

    links: tuple[str, ...]
    components: tuple[str, ...]
    services: tuple[str, ...]


@dataclass(frozen=True)
class RandomFaults:
    count: int
    window_s: tuple[float, float]  # faults start uniformly in this window
    max_duration_s: float
    kinds: tuple[str, ...]  # ProcessAction and ToxicKind values
    targets: tuple[str, ...]  # components, or "services"
    link_patterns: tuple[str, ...]


def default_attributes(kind: ToxicKind) -> dict[str, int]:
    return dict(_DEFAULT_ATTRIBUTES[kind])


def read_fault(item: Field, known: Known) -> Fault:
    fields = item.mapping(_FAULT_KEYS, required=("at",))
    kinds = [key for key in _FAULT_KINDS if key in fields]
    if len(kinds) != 1:
        got = f", got {' and '.join(kinds)}" if kinds else ""
        raise item.error(f"needs exactly one of {', '.join(_FAULT_KINDS)}{got}")
    kind = kinds[0]
    if kind != "toxic":
        for key in _NETWORK_ONLY:
            if key in fields:
                raise fields[key].error(f"only a toxic fault takes {key}, not {kind}")
    at_s = fields["at"].duration(allow_zero=True)
    if kind in PROCESS_KINDS:
        return _read_process_fault(ProcessAction(kind), item, fields, at_s, known)
    duration_field = fields.get("for")
    if duration_field is None:
        raise item.error(f"a {kind} fault needs 'for': a positive duration")
    duration_s = duration_field.duration(allow_zero=False)
    if kind == "duplicate_delivery":
        if not fields[kind].boolean():
            raise fields[kind].error("must be true (remove the fault to have none)")
        return DeliveryFault(at_s, duration_s)
    return _read_network_fault(item, fields, at_s, duration_s, known)


def _read_process_fault(
    action: ProcessAction, item: Field, fields: dict[str, Field], at_s: float, known: Known
) -> ProcessFault:
    target = fields[action.value].choice(known.components, "component")
    duration_field = fields.get("for")
    if action is ProcessAction.PAUSE:
        if duration_field is None:
            raise item.error("a pause needs 'for': a positive duration")
        return ProcessFault(action, target, at_s, duration_field.duration(allow_zero=False))
    if duration_field is not None and duration_field.duration(allow_zero=True) != 0:
        raise duration_field.error(f"a {action.value} is one-shot: leave 'for' out or set it to 0")
    return ProcessFault(action, target, at_s)


def _read_network_fault(
    item: Field, fields: dict[str, Field], at_s: float, duration_s: float, known: Known
) -> NetworkFault:
    kind = ToxicKind(fields["toxic"].choice(NETWORK_KINDS, "toxic"))
    links_field = fields.get("links")
    if links_field is None:
        raise item.error("a toxic fault needs 'links': a list of link names or globs")
    links = sorted({link for _, hits in match_links(links_field, known) for link in hits})
    stream_field = fields.get("stream")
    stream = Stream(stream_field.choice(tuple(Stream), "stream")) if stream_field else None
    toxicity_field = fields.get("toxicity")
    return NetworkFault(
        kind=kind,
        links=tuple(links),
        at_s=at_s,
        duration_s=duration_s,
        attributes=_read_attributes(fields.get("attributes"), kind),
        stream=stream or Stream.DOWNSTREAM,
        toxicity=toxicity_field.number(0.0, 1.0) if toxicity_field else 1.0,
    )


def _read_attributes(field: Field | None, kind: ToxicKind) -> dict[str, int]:
    if field is None:
        return default_attributes(kind)
    allowed = sorted(TOXIC_ATTRIBUTES[kind])
    return {key: value.integer(0) for key, value in field.mapping(allowed).items()}


def match_links(field: Field, known: Known) -> list[tuple[str, tuple[str, ...]]]:
    """Each pattern of a list of link names or globs, with the links it matches (>= 1)."""
    matched = []
    for item in field.sequence():
        pattern = item.text()
        hits = tuple(sorted(link for link in known.links if fnmatchcase(link, pattern)))
        if not hits:
            raise item.error(f"{pattern!r} matches no link (e.g. {', '.join(known.links[:3])})")
        matched.append((pattern, hits))
    return matched


def read_random_faults(field: Field, known: Known) -> RandomFaults:
    fields = field.mapping(_RANDOM_KEYS, required=("count", "window", "max_duration", "kinds"))
    window = fields["window"].sequence()
    if len(window) != 2:
        raise fields["window"].error("must be [start, end]")
    start_s, end_s = (bound.duration(allow_zero=True) for bound in window)
    if end_s <= start_s:
        raise fields["window"].error("the end must come after the start")
    kinds = tuple(
        k.choice((*PROCESS_KINDS, *NETWORK_KINDS), "kind") for k in fields["kinds"].sequence()
    )
    targets: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()
    if any(kind in PROCESS_KINDS for kind in kinds):
        if "targets" not in fields:
            raise field.error("process kinds need 'targets': components or 'services'")
        options = (*known.components, SERVICES_WORD)
        targets = tuple(t.choice(options, "component") for t in fields["targets"].sequence())
    if any(kind in NETWORK_KINDS for kind in kinds):
        if "links" not in fields:
            raise field.error("toxic kinds need 'links': link names or globs")
        patterns = tuple(pattern for pattern, _ in match_links(fields["links"], known))
    return RandomFaults(
        count=fields["count"].integer(1, 20),
        window_s=(start_s, end_s),
        max_duration_s=fields["max_duration"].duration(allow_zero=False),
        kinds=kinds,
        targets=targets,
        link_patterns=patterns,
    )


def draw_random_faults(
    plan: RandomFaults,
    rng: random.Random,
    fixed: Sequence[Fault],
    links: Sequence[str],
    services: Sequence[str],
) -> list[Fault]:
    """``plan.count`` faults, none colliding with another (or a fixed one) on a target.

    The injectors could not roll back a pause and a kill of one process, or two cuts of
    one link, independently; so a draw that collides is drawn again.
    """
    placed = list(fixed)
    drawn: list[Fault] = []
    for _ in range(plan.count):
        for _ in range(_DRAW_ATTEMPTS):
            fault = _draw_one(plan, rng, links, sorted(services))
            if not any(_collide(fault, other) for other in placed):
                break
        else:
            raise ScenarioError(
                f"random_faults: cannot place {plan.count} faults without two hitting the same"
                " component or link at once; widen the window or lower the count"
            )
        placed.append(fault)
        drawn.append(fault)
    return drawn


def _draw_one(
    plan: RandomFaults, rng: random.Random, links: Sequence[str], services: list[str]
) -> Fault:
    kind = rng.choice(plan.kinds)
    at_s = round(rng.uniform(*plan.window_s), 3)
    duration_s = round(rng.uniform(plan.max_duration_s / 2, plan.max_duration_s), 3)
    if kind in PROCESS_KINDS:
        action = ProcessAction(kind)
        target = rng.choice(plan.targets)
        if target == SERVICES_WORD:
            target = rng.choice(services)
        held_s = duration_s if action is ProcessAction.PAUSE else 0.0
        return ProcessFault(action, target, at_s, held_s)
    toxic = ToxicKind(kind)
    pattern = rng.choice(plan.link_patterns)
    matched = tuple(sorted(link for link in links if fnmatchcase(link, pattern)))
    if not matched:
        raise ScenarioError(f"random_faults.links: {pattern!r} matches no link of this sandbox")
    return NetworkFault(toxic, matched, at_s, duration_s, default_attributes(toxic))


def _collide(first: Fault, second: Fault) -> bool:
    (start_a, end_a), (start_b, end_b) = _span(first), _span(second)
    return bool(_resources(first) & _resources(second)) and start_a < end_b and start_b < end_a


def _resources(fault: Fault) -> set[str]:
    if isinstance(fault, ProcessFault):
        return {fault.target}
    if isinstance(fault, NetworkFault):
        return set(fault.links)
    return {"delivery"}


def _span(fault: Fault) -> tuple[float, float]:
    settle_s = PROCESS_SETTLE_S if isinstance(fault, ProcessFault) else 0.0
    return fault.at_s, fault.at_s + fault.duration_s + settle_s
