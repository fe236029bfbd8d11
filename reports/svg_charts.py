"""Inline SVG charts without a dependency: time lines with fault bands and SLA lines, and a
latency histogram with its CDF. Each builder returns one ``<svg class="chart">`` string whose
text is escaped; data is drawn as elements of class ``series`` so tests can find it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape
from typing import Literal

from reports.series import nice_ticks

ChartName = Literal["latency", "throughput", "distribution", "errors"]
Format = Callable[[float], str]
_Entry = tuple[str, str, Literal["box", "line", "dash"]]  # a legend's name, colour and look
WIDTH, HEIGHT = 720, 270
LEFT, RIGHT, TOP, BOTTOM = 58, 60, 40, 42
BAND_FILL, LINE_COLOR, AXIS_COLOR, GRID_COLOR = "#f6ad55", "#9b2c2c", "#4a5568", "#e2e8f0"


@dataclass(frozen=True)
class Series:
    name: str
    points: Sequence[tuple[float, float | None]]  # a None value breaks the line
    color: str


@dataclass(frozen=True)
class Band:
    label: str
    start: float
    end: float


@dataclass(frozen=True)
class Marker:  # a threshold: dashed across at ``value`` (or up, on a histogram's x axis)
    label: str
    value: float


@dataclass(frozen=True)
class TimeAxis:
    title: str
    until: float  # the axis reaches at least this far (the end of the run)
    bands: Sequence[Band] = ()  # the faults, drawn behind the data


def format_number(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}"


def format_share(value: float) -> str:
    return f"{value * 100:.3g} %"


@dataclass(frozen=True)
class ValueAxis:
    title: str
    format: Format = format_number
    unit: str = ""  # after a threshold's value: "p90 SLA 5 s"
    floor: float = 0.0  # the axis reaches at least this high, so small noise stays small
    empty_note: str = "no data"


@dataclass(frozen=True)
class _Frame:  # maps data coordinates onto the plot area
    x_top: float
    y_top: float

    def x(self, value: float) -> float:
        return round(LEFT + (WIDTH - LEFT - RIGHT) * value / self.x_top, 1)

    def y(self, value: float) -> float:
        return round(HEIGHT - BOTTOM - (HEIGHT - TOP - BOTTOM) * value / self.y_top, 1)


def line_chart(
    chart: ChartName, title: str, series: Sequence[Series], time: TimeAxis, value: ValueAxis,
    markers: Sequence[Marker] = (),
) -> str:  # fmt: skip
    """Several series over time, with the fault bands behind them and SLA lines across."""
    values = [v for s in series for _, v in s.points if v is not None]
    if not values:
        return empty_chart(chart, title, value.empty_note)
    x_values = [time.until, *(x for s in series for x, _ in s.points), *(b.end for b in time.bands)]
    x_top, x_ticks = nice_ticks(max(x_values))
    y_top, y_ticks = nice_ticks(max([value.floor, *values, *(m.value for m in markers)]))
    frame = _Frame(x_top, y_top)
    parts = [_bands(frame, time.bands), _axes(frame, x_ticks, y_ticks, value.format)]
    parts.append(_titles(time.title, value.title))
    for m in markers:
        y = frame.y(m.value)
        parts.append(_dashed(LEFT, y, WIDTH - RIGHT, y))
        label = f"{m.label} {value.format(m.value)} {value.unit}".rstrip()
        parts.append(_text(WIDTH - RIGHT - 4, y - 4, label, "end"))
    for number, s in enumerate(series):
        parts.append(_series_path(frame, s, number))
    legend: list[_Entry] = [(s.name, s.color, "line") for s in series]
    legend += _extra_legend(time.bands, markers)
    return _svg(chart, title, [*parts, _legend(legend)])


def histogram_chart(
    chart: ChartName, title: str, bin_width: float, counts: Sequence[int],
    cdf: Sequence[tuple[float, float]], x_title: str, markers: Sequence[Marker] = (),
) -> str:  # fmt: skip
    """Bars of counts per bin (left axis) with the CDF as a share from 0 to 100 % (right)."""
    if not counts or max(counts) == 0:
        return empty_chart(chart, title, "no completed order to draw")
    x_top, x_ticks = nice_ticks(max([len(counts) * bin_width, *(m.value for m in markers)]))
    y_top, y_ticks = nice_ticks(max(counts))
    frame, share = _Frame(x_top, y_top), _Frame(x_top, 1.0)
    parts = [_axes(frame, x_ticks, y_ticks, format_number)]
    parts.append(_titles(x_title, "orders", "share of all orders"))
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        y = share.y(tick)
        parts.append(_text(WIDTH - RIGHT + 6, y + 4, format_share(tick), "start"))
    bars = []
    for index, count in enumerate(counts):
        x0, x1, y = frame.x(index * bin_width), frame.x((index + 1) * bin_width), frame.y(count)
        bars.append(
            f'<rect class="series bar" x="{x0}" y="{y}" width="{max(0.5, x1 - x0 - 0.5):.1f}" '
            f'height="{round(HEIGHT - BOTTOM - y, 1)}" fill="#90cdf4"/>'
        )
    parts.append(f'<g class="bars">{"".join(bars)}</g>')
    parts.append(_series_path(share, Series("CDF", cdf, "#2c5282"), 0, css="cdf"))
    for number, m in enumerate(markers):
        x = frame.x(m.value)
        parts.append(_dashed(x, TOP, x, HEIGHT - BOTTOM))
        label = f"{m.label} {format_number(m.value)} s"
        # Low down, right of the line: the CDF runs along the top once most orders are done.
        parts.append(_text(x + 3, HEIGHT - BOTTOM - 8 - 12 * (number % 3), label, "start"))
    legend: list[_Entry] = [("orders per bin", "#90cdf4", "box"), ("CDF", "#2c5282", "line")]
    legend += _extra_legend((), markers)
    return _svg(chart, title, [*parts, _legend(legend)])


def empty_chart(chart: ChartName, title: str, note: str) -> str:
    """A chart-sized frame that says why there is nothing to draw."""
    body = (
        f'<rect x="1" y="1" width="{WIDTH - 2}" height="{HEIGHT - 2}" fill="#f7fafc" '
        f'stroke="{GRID_COLOR}"/>'
        + _text(WIDTH / 2, HEIGHT / 2, f"{title}: {note}", "middle", css="empty-note")
    )
    return _svg(chart, title, [body], empty=True)


def _svg(chart: ChartName, title: str, parts: Sequence[str], empty: bool = False) -> str:
    css = "chart empty" if empty else "chart"
    return (
        f'<svg class="{css}" data-chart="{chart}" role="img" aria-label="{escape(title)}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}">'
        f"<title>{escape(title)}</title>{''.join(parts)}</svg>"
    )


def _axes(
    frame: _Frame, x_ticks: Sequence[float], y_ticks: Sequence[float], y_format: Format
) -> str:
    bottom, right = HEIGHT - BOTTOM, WIDTH - RIGHT
    parts = []
    for tick in y_ticks:
        y = frame.y(tick)
        parts.append(f'<line x1="{LEFT}" y1="{y}" x2="{right}" y2="{y}" stroke="{GRID_COLOR}"/>')
        parts.append(_text(LEFT - 6, y + 4, y_format(tick), "end"))
    for tick in x_ticks:
        x = frame.x(tick)
        parts.append(
            f'<line x1="{x}" y1="{bottom}" x2="{x}" y2="{bottom + 5}" stroke="{AXIS_COLOR}"/>'
        )
        parts.append(_text(x, bottom + 17, format_number(tick), "middle"))
    axis = f'<path d="M{LEFT},{TOP} V{bottom} H{right}" fill="none" stroke="{AXIS_COLOR}"/>'
    return f'<g class="axes">{"".join(parts)}{axis}</g>'


def _titles(x_title: str, y_title: str, right_title: str = "") -> str:
    middle_y = (TOP + HEIGHT - BOTTOM) / 2
    parts = [_text((LEFT + WIDTH - RIGHT) / 2, HEIGHT - 6, x_title, "middle")]
    parts.append(_text(14, middle_y, y_title, "middle", rotate=True))
    if right_title:
        parts.append(_text(WIDTH - 8, middle_y, right_title, "middle", rotate=True))
    return f'<g class="axis-titles">{"".join(parts)}</g>'


def _bands(frame: _Frame, bands: Sequence[Band]) -> str:
    parts = []
    for number, band in enumerate(bands):
        x0, x1 = frame.x(band.start), frame.x(band.end)
        parts.append(
            f'<rect class="fault-band" x="{x0}" y="{TOP}" width="{max(2.0, x1 - x0):.1f}" '
            f'height="{HEIGHT - TOP - BOTTOM}" fill="{BAND_FILL}" fill-opacity="0.25">'
            f"<title>{escape(band.label)}</title></rect>"
        )
        parts.append(_text(x0 + 3, TOP + 12 + 12 * (number % 3), band.label, "start"))
    return f'<g class="faults">{"".join(parts)}</g>'


def _series_path(frame: _Frame, series: Series, number: int, css: str = "line") -> str:
    """One path whose segments break at missing values, with a dot on every point."""
    commands, dots, pen_down = [], [], False
    for x, value in series.points:
        if value is None:
            pen_down = False
            continue
        px, py = frame.x(x), frame.y(value)
        commands.append(f"{'L' if pen_down else 'M'}{px},{py}")
        if len(series.points) <= 120:
            dots.append(f'<circle cx="{px}" cy="{py}" r="2" fill="{series.color}"/>')
        pen_down = True
    return (
        f'<g class="series-group" data-series="{escape(series.name)}">'
        f'<path class="series {css} series-{number}" d="{" ".join(commands)}" fill="none" '
        f'stroke="{series.color}" stroke-width="2" stroke-linejoin="round">'
        f"<title>{escape(series.name)}</title></path>{''.join(dots)}</g>"
    )


def _dashed(x1: float, y1: float, x2: float, y2: float) -> str:
    return (
        f'<line class="threshold" x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" '
        f'stroke="{LINE_COLOR}" stroke-width="1.5" stroke-dasharray="6 4"/>'
    )


def _extra_legend(bands: Sequence[Band], markers: Sequence[Marker]) -> list[_Entry]:
    faults: list[_Entry] = [("fault", BAND_FILL, "box")] if bands else []
    return faults + ([("SLA", LINE_COLOR, "dash")] if markers else [])


def _legend(entries: Sequence[_Entry]) -> str:
    """One row of swatches drawn like what they stand for: a box, a line or a dashed line."""
    parts, x = [], LEFT
    for name, color, look in entries:
        if look == "box":
            parts.append(f'<rect x="{x}" y="12" width="16" height="10" fill="{color}"/>')
        else:
            dash = ' stroke-dasharray="4 3"' if look == "dash" else ""
            parts.append(f'<line x1="{x}" y1="17" x2="{x + 16}" y2="17" stroke="{color}" '
                         f'stroke-width="2"{dash}/>')  # fmt: skip
        parts.append(_text(x + 20, 21, name, "start"))
        x += 32 + 7 * len(name)  # a rough width: the system font is not known here
    return f'<g class="legend">{"".join(parts)}</g>'


def _text(
    x: float, y: float, content: str, anchor: str, css: str = "", rotate: bool = False
) -> str:
    turn = f' transform="rotate(-90 {x} {y})"' if rotate else ""
    klass = f' class="{css}"' if css else ""
    return (
        f'<text{klass} x="{x}" y="{y}" text-anchor="{anchor}" font-size="11" '
        f'fill="#2d3748" stroke="#fff" stroke-width="3" paint-order="stroke"{turn}>'
        f"{escape(content)}</text>"
    )
