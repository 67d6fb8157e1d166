"""Great-circle distance and the grid cover that nearby search relies on."""

import math
import random

import pytest
from events.domain import geo


def test_haversine_matches_known_distances() -> None:
    berlin, paris = (52.5200, 13.4050), (48.8566, 2.3522)
    assert geo.haversine_km(*berlin, *paris) == pytest.approx(878, abs=5)
    assert geo.haversine_km(0, 179.9, 0, -179.9) == pytest.approx(22.24, abs=0.05)
    assert geo.haversine_km(10, 10, 10, 10) == 0


def test_a_points_coarse_cell_is_the_parent_of_its_fine_cell() -> None:
    fine = geo.fine_cell(52.5200, 13.4050)
    south, north, west, east = fine.bounds()
    eps = 1e-9  # cell edges are computed in floating point; bounds carry a 1 m margin
    assert south - eps <= 52.52 < north + eps and west - eps <= 13.405 < east + eps
    coarse = geo.coarse_of(fine)
    c_south, c_north, c_west, c_east = coarse.bounds()
    assert c_south <= south and north <= c_north + 1e-9 and c_west <= west and east <= c_east + 1e-9


@pytest.mark.parametrize("seed", range(5))
def test_the_cover_of_a_circle_holds_every_point_inside_it(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(200):
        lat = rng.uniform(-85, 85)
        lon = rng.uniform(-180, 180)
        radius = rng.choice([0.5, 3, 10, 50, 100])
        cover = {c.key for c in geo.covering(lat, lon, radius, "c")}
        # a random point within the radius
        bearing = rng.uniform(0, 2 * math.pi)
        distance = rng.uniform(0, radius)
        d = distance / geo.EARTH_RADIUS_KM
        p1, l1 = math.radians(lat), math.radians(lon)
        p2 = math.asin(math.sin(p1) * math.cos(d) + math.cos(p1) * math.sin(d) * math.cos(bearing))
        l2 = l1 + math.atan2(
            math.sin(bearing) * math.sin(d) * math.cos(p1),
            math.cos(d) - math.sin(p1) * math.sin(p2),
        )
        plat, plon = math.degrees(p2), (math.degrees(l2) + 540) % 360 - 180
        assert geo.haversine_km(lat, lon, plat, plon) <= radius + 1e-6
        assert geo.coarse_of(geo.fine_cell(plat, plon)).key in cover


def test_the_cover_wraps_around_the_antimeridian() -> None:
    cover = {c.key for c in geo.covering(0, 179.99, 5, "c")}
    assert geo.coarse_of(geo.fine_cell(0, -179.99)).key in cover


def test_near_a_pole_the_cover_takes_every_longitude() -> None:
    cover = geo.covering(89.9, 0, 50, "c")
    assert {c.j for c in cover} == set(range(360 * 4))


@pytest.mark.parametrize("seed", range(3))
def test_lower_and_upper_bounds_enclose_every_point_of_a_cell(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(300):
        cell = geo.fine_cell(rng.uniform(-80, 80), rng.uniform(-180, 180))
        south, north, west, east = cell.bounds()
        qlat, qlon = rng.uniform(-80, 80), rng.uniform(-180, 180)
        if rng.random() < 0.7:  # mostly nearby query points, where bounds matter most
            qlat, qlon = south + rng.uniform(-0.05, 0.06), west + rng.uniform(-0.05, 0.06)
        low, high = cell.lower_bound_km(qlat, qlon), cell.upper_bound_km(qlat, qlon)
        for _ in range(10):
            plat, plon = rng.uniform(south, north), rng.uniform(west, east)
            d = geo.haversine_km(qlat, qlon, plat, plon)
            assert low <= d <= high


def test_points_are_checked_for_range() -> None:
    assert geo.valid_point(90, -180)
    assert not geo.valid_point(90.1, 0)
    assert not geo.valid_point(0, 180.5)
    assert not geo.valid_point(math.inf, 0)
