"""Great-circle distance and the coarse grid that stands in for a geo index.

Neither FerretDB 1.24 nor our portable subset of MongoDB offers `$near`/2dsphere, so nearby
search buckets events into a fixed latitude/longitude grid and refines candidates with the
haversine distance in code. Two levels:

- fine cells of 0.01° (about 1.1 km north-south, 0.7 km east-west at 52°N) hold the events;
- coarse cells of 0.25° (25 x 25 fine cells) only list which of their fine cells are occupied,
  so a wide radius over empty country costs a handful of look-ups, not thousands.

A cell key is `f:<i>:<j>` or `c:<i>:<j>` where `i`, `j` count cells from (-90°, -180°). Both levels
use integer arithmetic on the fine index, so a point's coarse cell is always the parent of its
fine cell. `lower_bound_km` is a true lower bound of the distance from a point to anything in a
cell (centre distance minus the cell's circumradius, by the triangle inequality), which is what
makes the nearest-first search exact.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

EARTH_RADIUS_KM = 6371.0088
FINE_PER_DEGREE = 100  # 0.01° fine cells
COARSE_FACTOR = 25  # a coarse cell is 25 x 25 fine cells (0.25°)
_FINE_ROWS = 180 * FINE_PER_DEGREE
_FINE_COLS = 360 * FINE_PER_DEGREE
_MARGIN_KM = 0.001


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance on a spherical Earth (mean radius), in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def valid_point(lat: float, lon: float) -> bool:
    return math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180


@dataclass(frozen=True, order=True)
class Cell:
    level: str  # "f" (fine) or "c" (coarse)
    i: int  # row, counted northwards from -90°
    j: int  # column, counted eastwards from -180°

    @property
    def key(self) -> str:
        return f"{self.level}:{self.i}:{self.j}"

    @property
    def size_degrees(self) -> float:
        return (COARSE_FACTOR if self.level == "c" else 1) / FINE_PER_DEGREE

    def bounds(self) -> tuple[float, float, float, float]:
        """(south, north, west, east) in degrees."""
        s = self.size_degrees
        south = -90 + self.i * s
        west = -180 + self.j * s
        return south, min(90.0, south + s), west, west + s

    def centre(self) -> tuple[float, float]:
        south, north, west, east = self.bounds()
        return (south + north) / 2, (west + east) / 2

    def circumradius_km(self) -> float:
        """Farthest a point of the cell can be from its centre (corners; tiny cells)."""
        lat, lon = self.centre()
        south, north, west, east = self.bounds()
        corners = ((south, west), (south, east), (north, west), (north, east))
        return max(haversine_km(lat, lon, a, b) for a, b in corners) * 1.001 + _MARGIN_KM

    def lower_bound_km(self, lat: float, lon: float) -> float:
        c_lat, c_lon = self.centre()
        return max(0.0, haversine_km(lat, lon, c_lat, c_lon) - self.circumradius_km())

    def upper_bound_km(self, lat: float, lon: float) -> float:
        c_lat, c_lon = self.centre()
        return haversine_km(lat, lon, c_lat, c_lon) + self.circumradius_km()


def parse_key(key: str) -> Cell:
    level, i, j = key.split(":")
    return Cell(level, int(i), int(j))


def _fine_index(lat: float, lon: float) -> tuple[int, int]:
    i = min(_FINE_ROWS - 1, max(0, math.floor((lat + 90) * FINE_PER_DEGREE)))
    j = math.floor((lon + 180) * FINE_PER_DEGREE) % _FINE_COLS
    return i, j


def fine_cell(lat: float, lon: float) -> Cell:
    return Cell("f", *_fine_index(lat, lon))


def coarse_of(cell: Cell) -> Cell:
    if cell.level == "c":
        return cell
    return Cell("c", cell.i // COARSE_FACTOR, cell.j // COARSE_FACTOR)


def _bounding_box(lat: float, radius_km: float) -> tuple[float, float, float | None]:
    """(south, north, half-width in longitude degrees, or None when every longitude counts)."""
    angular = radius_km / EARTH_RADIUS_KM
    south = lat - math.degrees(angular)
    north = lat + math.degrees(angular)
    if south <= -90 or north >= 90:
        return max(-90.0, south), min(90.0, north), None  # a pole is inside the circle
    ratio = math.sin(angular) / math.cos(math.radians(lat))
    if ratio >= 1:
        return south, north, None
    return south, north, math.degrees(math.asin(ratio))


def covering(lat: float, lon: float, radius_km: float, level: str) -> list[Cell]:
    """Cells of `level` that may hold a point within `radius_km` of (lat, lon)."""
    per_degree = FINE_PER_DEGREE // (COARSE_FACTOR if level == "c" else 1)
    rows = 180 * per_degree
    cols = 360 * per_degree
    south, north, half_width = _bounding_box(lat, radius_km)
    i0 = max(0, math.floor((south + 90) * per_degree))
    i1 = min(rows - 1, math.floor((north + 90) * per_degree))
    if half_width is None or half_width >= 180:
        columns = range(cols)
    else:
        j0 = math.floor((lon - half_width + 180) * per_degree)
        j1 = math.floor((lon + half_width + 180) * per_degree)
        columns = range(j0, j1 + 1)
    cells = {Cell(level, i, j % cols) for i in range(i0, i1 + 1) for j in columns}
    return sorted(c for c in cells if c.lower_bound_km(lat, lon) <= radius_km)
