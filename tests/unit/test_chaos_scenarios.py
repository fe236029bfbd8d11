"""Scenario files: the shipped catalog loads, bad files are refused at the right line, and
random faults replay from a seed."""

from __future__ import annotations

from pathlib import Path

import pytest

from chaos.faults import (
    DeliveryFault,
    NetworkFault,
    ProcessAction,
    ProcessFault,
    Stream,
    ToxicKind,
)
from chaos.scenario import (
    Scenario,
    ScenarioError,
    catalog,
    expand_faults,
    find_scenario,
    load_scenario,
    parameter_values,
)

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
SERVICES = (
    "catalog",
    "identity",
    "inventory",
    "payments",
    "fulfillment",
    "shopping",
    "orders",
    "storefront",
)
HTTP_CALLS = {
    "shopping": ("catalog",),
    "orders": ("identity",),
    "storefront": ("catalog", "identity", "inventory", "shopping", "orders"),
}
LINKS = tuple(
    link
    for service in SERVICES
    for link in (
        f"{service}->postgres",
        f"{service}->rabbitmq",
        *(f"{service}->{callee}" for callee in HTTP_CALLS.get(service, ())),
    )
)
COMPONENTS = ("epmd", "postgres", "toxiproxy", "rabbitmq", *SERVICES)
SHIPPED = {
    "broker-restart",
    "broker-kill",
    "postgres-restart",
    "service-crash",
    "service-pause",
    "broker-latency",
    "broker-partition",
    "db-latency",
    "http-partition",
    "sse-isolation",
    "storefront-restart",
    "redelivery",
    "everything",
}
# Four lines; a test's faults start on line 5.
HEADER = """description: A scenario under test.
workload: {customers: 2, orders: 4, rate: 1}
checks: [durability]
faults:
"""


def load(path: Path, arguments: dict[str, str] | None = None) -> Scenario:
    return load_scenario(
        path, links=LINKS, components=COMPONENTS, services=SERVICES, arguments=arguments
    )


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "under-test.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def refusal(path: Path, arguments: dict[str, str] | None = None) -> str:
    with pytest.raises(ScenarioError) as caught:
        load(path, arguments)
    return str(caught.value)


# --- the shipped catalog -------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_every_shipped_scenario_loads(name: str) -> None:
    scenario = load(find_scenario(SCENARIOS, name))

    assert scenario.name == name
    assert scenario.checks
    assert 60 <= scenario.recovery_deadline_s <= 120
    assert scenario.faults or scenario.random_faults is not None
    for fault in expand_faults(scenario, 1, links=LINKS, services=SERVICES):
        if isinstance(fault, ProcessFault):
            assert fault.target in COMPONENTS
        elif isinstance(fault, NetworkFault):
            assert fault.links
            assert set(fault.links) <= set(LINKS)


def test_every_choice_of_a_parameterised_scenario_loads() -> None:
    crash = load(SCENARIOS / "service-crash.yaml")
    partition = load(SCENARIOS / "http-partition.yaml")

    assert parameter_values(crash) == SERVICES
    assert parameter_values(partition) == ("catalog", "identity", "inventory", "shopping", "orders")
    for service in SERVICES:
        fault = load(SCENARIOS / "service-crash.yaml", {"service": service}).faults[0]
        assert fault == ProcessFault(ProcessAction.KILL, service, 3.0)
    for context in parameter_values(partition):
        fault = load(SCENARIOS / "http-partition.yaml", {"context": context}).faults[0]
        assert isinstance(fault, NetworkFault)
        assert fault.links == (f"storefront->{context}",)


def test_a_parameter_defaults_and_is_recorded_in_the_arguments() -> None:
    scenario = load(SCENARIOS / "service-pause.yaml")

    assert scenario.arguments == {"service": "inventory"}
    assert scenario.faults == (ProcessFault(ProcessAction.PAUSE, "inventory", 3.0, 4.0),)
    assert parameter_values(load(SCENARIOS / "broker-restart.yaml")) == ()


def test_catalog_lists_every_shipped_scenario_with_a_description() -> None:
    listed = catalog(SCENARIOS)

    assert [name for name, _ in listed] == sorted(SHIPPED)
    for name, description in listed:
        assert description == load(SCENARIOS / f"{name}.yaml").description
        assert description
        assert "\n" not in description
        assert not description.startswith("(invalid")


def test_catalog_marks_a_broken_file_instead_of_failing(tmp_path: Path) -> None:
    (tmp_path / "good.yaml").write_text("description: Fine.\n")
    (tmp_path / "broken.yaml").write_text("description: [unclosed\n")
    (tmp_path / "silent.yaml").write_text("workload: {}\n")

    listed = dict(catalog(tmp_path))

    assert listed["good"] == "Fine."
    assert listed["broken"].startswith("(invalid: ")
    assert "broken.yaml:" in listed["broken"]
    assert listed["silent"] == "(invalid: no description)"


def test_find_scenario_names_the_known_ones_when_missing() -> None:
    with pytest.raises(ScenarioError, match=r"no scenario 'broker-reboot'.*broker-restart"):
        find_scenario(SCENARIOS, "broker-reboot")


# --- refusals name the field and the line ----------------------------------------------------

FAULT_REFUSALS = [
    pytest.param(
        "  - at: 1s\n    for: 2s\n    toxic: jitter\n    links: ['*->rabbitmq']\n",
        7,
        "faults[0].toxic",
        "unknown toxic 'jitter'",
        id="unknown-toxic",
    ),
    pytest.param(
        "  - at: 1s\n    explode: rabbitmq\n",
        6,
        "faults[0].explode",
        "unknown key",
        id="unknown-kind",
    ),
    pytest.param(
        "  - at: 1s\n    kill: redis\n",
        6,
        "faults[0].kill",
        "unknown component 'redis'",
        id="unknown-component",
    ),
    pytest.param(
        "  - at: 1s\n    for: 2s\n    toxic: down\n    links:\n"
        "      - orders->rabbitmq\n      - orders->redis\n",
        10,
        "faults[0].links[1]",
        "'orders->redis' matches no link",
        id="unknown-link",
    ),
    pytest.param(
        "  - at: 1s\n    for: 2s\n    toxic: down\n    links: ['*->redis']\n",
        8,
        "faults[0].links[0]",
        "matches no link",
        id="glob-matching-nothing",
    ),
    pytest.param(
        "  - at: 1s\n    for: -3\n    toxic: down\n    links: ['*->rabbitmq']\n",
        6,
        "faults[0].for",
        "must be a positive duration (seconds, or with ms|s|m), got -3",
        id="negative-for",
    ),
    pytest.param(
        "  - at: 1s\n    for: 0s\n    toxic: down\n    links: ['*->rabbitmq']\n",
        6,
        "faults[0].for",
        "must be a positive duration",
        id="zero-for",
    ),
    pytest.param(
        "  - at: -1\n    restart: rabbitmq\n", 5, "faults[0].at", "duration >= 0", id="negative-at"
    ),
    pytest.param(
        "  - at: soon\n    restart: rabbitmq\n", 5, "faults[0].at", "got soon", id="word-for-at"
    ),
    pytest.param(
        "  - at: 1s\n    restart: rabbitmq\n  - at: 2s\n    pause: postgres\n",
        7,
        "faults[1]",
        "a pause needs 'for'",
        id="pause-without-for",
    ),
    pytest.param(
        "  - at: 1s\n    restart: rabbitmq\n    for: 3s\n",
        7,
        "faults[0].for",
        "one-shot",
        id="restart-with-for",
    ),
    pytest.param(
        "  - at: 1s\n    kill: rabbitmq\n    restart: postgres\n",
        5,
        "faults[0]",
        "needs exactly one of",
        id="two-kinds",
    ),
    pytest.param(
        "  - at: 1s\n    for: 2s\n    toxic: down\n", 5, "faults[0]", "needs 'links'", id="no-links"
    ),
    pytest.param(
        "  - at: 1s\n    kill: rabbitmq\n    links: ['*->rabbitmq']\n",
        7,
        "faults[0].links",
        "only a toxic fault",
        id="links-on-a-kill",
    ),
    pytest.param(
        "  - at: 1s\n    for: 2s\n    toxic: latency\n    links: ['*->rabbitmq']\n"
        "    attributes: {latency: 100, delay: 5}\n",
        9,
        "faults[0].attributes.delay",
        "unknown key (allowed here: jitter, latency)",
        id="attribute-of-another-toxic",
    ),
    pytest.param(
        "  - at: 1s\n    for: 2s\n    toxic: latency\n    links: ['*->rabbitmq']\n"
        "    attributes:\n      latency: -5\n",
        10,
        "faults[0].attributes.latency",
        "must be an integer 0 or more",
        id="negative-attribute",
    ),
    pytest.param(
        "  - at: 1s\n    for: 2s\n    toxic: latency\n    links: ['*->rabbitmq']\n"
        "    toxicity: 1.5\n",
        9,
        "faults[0].toxicity",
        "<= 1",
        id="toxicity-above-one",
    ),
    pytest.param(
        "  - at: 1s\n    for: 2s\n    toxic: latency\n    links: ['*->rabbitmq']\n"
        "    stream: sideways\n",
        9,
        "faults[0].stream",
        "unknown stream 'sideways'",
        id="unknown-stream",
    ),
    pytest.param(
        "  - at: 1s\n    for: 2s\n    duplicate_delivery: false\n",
        7,
        "faults[0].duplicate_delivery",
        "must be true",
        id="delivery-false",
    ),
    pytest.param(
        "  - at: 1s\n    kill: ${service}\n",
        6,
        "faults[0].kill",
        "${service} is not a parameter",
        id="undeclared-parameter",
    ),
]


@pytest.mark.parametrize(("faults", "line", "field", "problem"), FAULT_REFUSALS)
def test_a_bad_fault_is_refused_at_its_line(
    tmp_path: Path, faults: str, line: int, field: str, problem: str
) -> None:
    path = write(tmp_path, HEADER + faults)

    message = refusal(path)

    assert message.startswith(f"{path}:{line}: {field}: "), message
    assert problem in message


DOCUMENT_REFUSALS = [
    pytest.param("description: t\nseed: 3\n", 2, "seed", "unknown key", id="unknown-top-key"),
    pytest.param(
        "description: t\nchecks: [durability]\nworkload:\n  customers: 2\n  orders: 4\n  rate: 1\n"
        "  customer: 3\n",
        7,
        "workload.customer",
        "unknown key",
        id="unknown-nested-key",
    ),
    pytest.param(
        "description: t\nchecks: [durability]\nworkload:\n  customers: 2\n  rate: 1\n",
        3,
        "workload",
        "missing required key 'orders'",
        id="missing-workload-key",
    ),
    pytest.param(
        "description: t\nchecks: [durability]\nworkload: {customers: 0, orders: 4, rate: 1}\n",
        3,
        "workload.customers",
        "integer 1..2000",
        id="no-customers",
    ),
    pytest.param(
        "description: t\nchecks: [durability]\nworkload: {customers: 2, orders: 4, rate: 0}\n",
        3,
        "workload.rate",
        "must be a number > 0",
        id="zero-rate",
    ),
    pytest.param(
        "description: t\nchecks: [durability]\nworkload:\n  customers: 2\n  orders: 4\n"
        "  rate: 1\n  sse: false\n  reconnect_every: 2s\n",
        8,
        "workload.reconnect_every",
        "sse: true",
        id="reconnect-without-sse",
    ),
    pytest.param(
        "description: |\n  two\n  lines\nchecks: [durability]\n"
        "workload: {customers: 2, orders: 4, rate: 1}\n",
        1,
        "description",
        "single line",
        id="multi-line-description",
    ),
    pytest.param(
        "description: t\nworkload: {customers: 2, orders: 4, rate: 1}\nchecks:\n"
        "  - durability\n  - speed\n",
        5,
        "checks[1]",
        "unknown check 'speed'",
        id="unknown-check",
    ),
    pytest.param(
        "description: t\nworkload: {customers: 2, orders: 4, rate: 1}\nchecks: []\n",
        3,
        "checks",
        "must not be empty",
        id="no-checks",
    ),
    pytest.param(
        "description: t\nworkload: {customers: 2, orders: 4, rate: 1}\nchecks: [recovery]\n"
        "recovery:\n  deadline: 0\n",
        5,
        "recovery.deadline",
        "positive duration",
        id="zero-deadline",
    ),
    pytest.param(
        "description: t\nworkload: {customers: 2, orders: 4, rate: 1}\n"
        "checks: [durability]\nworkload: {customers: 3, orders: 4, rate: 1}\n",
        4,
        "workload",
        "duplicate key",
        id="duplicate-key",
    ),
    pytest.param(
        "description: t\nworkload: {customers: 2, orders: 4\nchecks: [durability]\n",
        3,
        "",
        "invalid YAML",
        id="bad-yaml",
    ),
    pytest.param("- a\n- b\n", 1, "", "must be a mapping", id="not-a-mapping"),
]


@pytest.mark.parametrize(("text", "line", "field", "problem"), DOCUMENT_REFUSALS)
def test_a_bad_document_is_refused_at_its_line(
    tmp_path: Path, text: str, line: int, field: str, problem: str
) -> None:
    path = write(tmp_path, text)

    message = refusal(path)

    prefix = f"{path}:{line}: {field}: " if field else f"{path}:{line}: "
    assert message.startswith(prefix), message
    assert problem in message


# --- parameters --------------------------------------------------------------------------

PARAMETERISED = """description: Kill one service.
parameter:
  name: service
  default: orders
  choices: [orders, payments]
workload: {customers: 2, orders: 4, rate: 1}
checks: [durability]
faults:
  - at: 1s
    kill: ${service}
"""


def test_an_argument_outside_the_choices_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, PARAMETERISED)

    message = refusal(path, {"service": "catalog"})

    assert message.startswith(f"{path}:2: parameter: --param service=catalog is not one of")
    assert load(path, {"service": "payments"}).faults[0] == ProcessFault(
        ProcessAction.KILL, "payments", 1.0
    )


def test_a_default_outside_the_choices_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, PARAMETERISED.replace("default: orders", "default: catalog"))

    assert refusal(path).startswith(f"{path}:4: parameter.default: 'catalog' is not one of")


def test_an_argument_for_a_parameter_the_scenario_lacks_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, PARAMETERISED)
    assert "--param context: this scenario takes only 'service'" in refusal(path, {"context": "x"})

    plain = SCENARIOS / "broker-restart.yaml"
    with pytest.raises(ScenarioError, match=r"--param service: this scenario takes no parameter"):
        load(plain, {"service": "orders"})


def test_a_parameter_that_is_never_used_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, PARAMETERISED.replace("kill: ${service}", "kill: orders"))

    assert refusal(path).startswith(f"{path}:2: parameter: ${{service}} is never used")


def test_choices_may_be_every_service(tmp_path: Path) -> None:
    path = write(tmp_path, PARAMETERISED.replace("[orders, payments]", "services"))

    assert parameter_values(load(path)) == SERVICES
    assert refusal(path, {"service": "rabbitmq"}).startswith(f"{path}:2: parameter: --param")


# --- values ------------------------------------------------------------------------------


def test_durations_take_units_and_workload_defaults_apply(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        HEADER
        + "  - at: 500ms\n    pause: rabbitmq\n    for: 1.5m\n"
        + "  - at: 2\n    for: 3s\n    duplicate_delivery: true\n",
    )

    scenario = load(path)

    assert scenario.faults == (
        ProcessFault(ProcessAction.PAUSE, "rabbitmq", 0.5, 90.0),
        DeliveryFault(2.0, 3.0),
    )
    workload = scenario.workload
    assert (workload.customers, workload.orders, workload.rate) == (2, 4, 1.0)
    assert (workload.sse, workload.hostile, workload.reconnect_every_s) == (True, False, 0.0)
    assert workload.decline_share == 0.0
    assert scenario.recovery_deadline_s == 90.0
    assert scenario.random_faults is None


def test_globs_expand_to_sorted_distinct_links(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        HEADER
        + "  - at: 1s\n    for: 2s\n    toxic: reset_peer\n"
        + "    links: ['storefront->*', '*->catalog', storefront->orders]\n"
        + "    stream: upstream\n    toxicity: 0.5\n",
    )

    (fault,) = load(path).faults

    assert fault == NetworkFault(
        kind=ToxicKind.RESET_PEER,
        links=(
            "shopping->catalog",
            "storefront->catalog",
            "storefront->identity",
            "storefront->inventory",
            "storefront->orders",
            "storefront->postgres",
            "storefront->rabbitmq",
            "storefront->shopping",
        ),
        at_s=1.0,
        duration_s=2.0,
        attributes={"timeout": 0},
        stream=Stream.UPSTREAM,
        toxicity=0.5,
    )


def test_a_glob_over_every_service_names_one_link_each() -> None:
    (fault,) = load(SCENARIOS / "broker-partition.yaml").faults

    assert isinstance(fault, NetworkFault)
    assert fault.kind is ToxicKind.DOWN
    assert fault.links == tuple(sorted(f"{service}->rabbitmq" for service in SERVICES))


# --- random faults -----------------------------------------------------------------------

RANDOM = """description: Random faults.
workload: {customers: 2, orders: 4, rate: 1}
checks: [durability]
faults:
  - at: 1s
    restart: rabbitmq
random_faults:
  count: 5
  window: [2s, 30s]
  max_duration: 4s
  kinds: [restart, kill, pause, latency, down]
  targets: [postgres, services]
  links: ["*->rabbitmq", "storefront->*"]
"""


def test_the_same_seed_replays_the_same_faults() -> None:
    scenario = load(SCENARIOS / "everything.yaml")

    first = expand_faults(scenario, 42, links=LINKS, services=SERVICES)
    again = expand_faults(scenario, 42, links=LINKS, services=SERVICES)

    assert first == again
    assert len(first) == 4


def test_different_seeds_give_different_faults() -> None:
    scenario = load(SCENARIOS / "everything.yaml")

    # Faults hold a dict of attributes, so compare their reprs.
    timelines = {
        repr(expand_faults(scenario, seed, links=LINKS, services=SERVICES)) for seed in range(10)
    }

    assert len(timelines) == 10


def test_random_faults_follow_the_plan(tmp_path: Path) -> None:
    scenario = load(write(tmp_path, RANDOM))
    fixed = ProcessFault(ProcessAction.RESTART, "rabbitmq", 1.0)
    rabbitmq_links = {f"{service}->rabbitmq" for service in SERVICES}
    storefront_links = {link for link in LINKS if link.startswith("storefront->")}

    for seed in range(30):
        faults = expand_faults(scenario, seed, links=LINKS, services=SERVICES)
        assert len(faults) == 6
        assert fixed in faults
        assert [fault.at_s for fault in faults] == sorted(fault.at_s for fault in faults)
        for fault in (fault for fault in faults if fault != fixed):
            assert 2.0 <= fault.at_s <= 30.0
            if isinstance(fault, ProcessFault):
                assert fault.target in {"postgres", *SERVICES}
                if fault.action is ProcessAction.PAUSE:
                    assert 2.0 <= fault.duration_s <= 4.0
                else:
                    assert fault.duration_s == 0.0
            else:
                assert isinstance(fault, NetworkFault)
                assert set(fault.links) in (rabbitmq_links, storefront_links)
                assert 2.0 <= fault.duration_s <= 4.0
                expected = {"latency": 500, "jitter": 200} if fault.kind == "latency" else {}
                assert fault.attributes == expected


def test_random_faults_never_hit_one_target_at_once(tmp_path: Path) -> None:
    scenario = load(write(tmp_path, RANDOM))

    for seed in range(30):
        faults = expand_faults(scenario, seed, links=LINKS, services=SERVICES)
        busy: dict[str, float] = {}
        for fault in faults:  # in order of start time
            assert not isinstance(fault, DeliveryFault)
            targets = [fault.target] if isinstance(fault, ProcessFault) else list(fault.links)
            settle = 10.0 if isinstance(fault, ProcessFault) else 0.0
            for target in targets:
                assert busy.get(target, -1.0) <= fault.at_s, (seed, fault)
                busy[target] = fault.at_s + fault.duration_s + settle


def test_a_plan_that_cannot_fit_is_refused_when_expanded(tmp_path: Path) -> None:
    crowded = RANDOM.replace("[2s, 30s]", "[2s, 3s]").replace(
        "targets: [postgres, services]", "targets: [postgres]"
    )
    scenario = load(
        write(
            tmp_path,
            crowded.replace("kinds: [restart, kill, pause, latency, down]", "kinds: [kill]"),
        )
    )

    with pytest.raises(ScenarioError, match="cannot place 5 faults"):
        expand_faults(scenario, 1, links=LINKS, services=SERVICES)


RANDOM_REFUSALS = [
    pytest.param(
        ("[2s, 30s]", "[30s, 2s]"), 9, "random_faults.window", "after", id="window-reversed"
    ),
    pytest.param(
        ("kinds: [restart, kill", "kinds: [reboot, kill"),
        11,
        "random_faults.kinds[0]",
        "unknown kind 'reboot'",
        id="unknown-kind",
    ),
    pytest.param(
        ("  targets: [postgres, services]\n", ""),
        7,
        "random_faults",
        "need 'targets'",
        id="no-targets",
    ),
    pytest.param(
        ("[postgres, services]", "[postgres, redis]"),
        12,
        "random_faults.targets[1]",
        "unknown component 'redis'",
        id="unknown-target",
    ),
    pytest.param(
        ('"storefront->*"]', '"redis->*"]'),
        13,
        "random_faults.links[1]",
        "matches no link",
        id="unknown-link",
    ),
    pytest.param(
        ("count: 5", "count: 0"), 8, "random_faults.count", "integer 1..20", id="no-faults"
    ),
]


@pytest.mark.parametrize(("change", "line", "field", "problem"), RANDOM_REFUSALS)
def test_a_bad_random_plan_is_refused_at_its_line(
    tmp_path: Path, change: tuple[str, str], line: int, field: str, problem: str
) -> None:
    old, new = change
    assert old in RANDOM
    path = write(tmp_path, RANDOM.replace(old, new))

    message = refusal(path)

    assert message.startswith(f"{path}:{line}: {field}: "), message
    assert problem in message
