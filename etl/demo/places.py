"""Communities and their grids: the directory rows, grid sizes, and where blocks and cells lie."""

from __future__ import annotations

import numpy as np

from etl.demo.world import STREETS, Community, World

# Households not yet assigned to any grid (new buildings, a village not yet re-gridded): coverage < 100%.
GRID_COVERAGE = {"振兴社区": 0.93, "京杭佳苑社区": 0.97}
BLOCK = (0.012, 0.009)  # a community's block in degrees of longitude and latitude (about 1 km each way)


def add_places(world: World) -> None:
    for c in world.communities:
        world.ledgers.communities.append(
            {
                "community_id": c.code,
                "name": c.name,
                "street": c.street,
                "households": c.households,
                "population": int(c.households * world.rng.uniform(2.6, 3.1)),
                "kind": c.kind,
                "aliases": c.alias,
            }
        )
        gridded = int(c.households * GRID_COVERAGE.get(c.name, 1.0))
        count = max(1, round(gridded / 400))
        deltas = world.rng.integers(-40, 41, count)
        sizes = gridded // count + deltas - int(deltas.mean())
        sizes[-1] += gridded - int(sizes.sum())  # the rule: 300-500 households a grid
        for number, size in enumerate(sizes.tolist(), start=1):
            leader = world.person_name(c.name)
            grid = {
                "grid_id": f"{c.code}-{number:02d}",
                "name": f"{c.alias}第{number}网格",
                "community": c.name,
                "households": size,
                "people_per_household": float(world.rng.uniform(2.5, 3.2)),
                "leader": leader,
                "full_time_staff": 1,
                "part_time_staff": int(world.rng.integers(1, 4)),
                "party_group": "是" if world.rng.random() < 0.8 else "否",
            }
            c.grids.append(grid)
            world.ledgers.grids.append(grid)
    # What the grid checks should find: two oversized grids and one without a leader.
    _oversize(world.by_name["永安社区"], -1, 640)
    _oversize(world.by_name["古桥社区"], 0, 560)
    world.by_name["文苑社区"].grids[1]["leader"] = None
    for grid in world.ledgers.grids:
        grid["population"] = int(grid["households"] * grid.pop("people_per_household"))
    layout(world)


def _oversize(c: Community, index: int, households: int) -> None:
    """Make one grid oversized, taking its households from the others (the community total holds)."""
    grid = c.grids[index]
    extra, others = households - grid["households"], [g for g in c.grids if g is not grid]
    grid["households"] = households
    for k, other in enumerate(others):
        other["households"] -= extra // len(others) + (1 if k < extra % len(others) else 0)


def layout(world: World) -> None:
    """Where communities and grids lie: the boundary files are drawn from this (``boundary_collections``).

    Each street's communities sit as blocks of ``BLOCK`` degrees around the street's real location,
    and each community's grids tile its block as a lattice of cells (the last row stretched, so the
    grids cover the block exactly), except for the problems planted for the grid checks to find
    (``_plant_grid_problems``). Pure arithmetic, no random draws. Task coordinates fall inside the
    cell of the task's grid.
    """
    for street in STREETS:
        members = [c for c in world.communities if c.street == street]
        cols = int(np.ceil(np.sqrt(len(members))))
        rows = int(np.ceil(len(members) / cols))
        for i, c in enumerate(members):
            row, col = divmod(i, cols)
            west = c.lon + (col - cols / 2) * BLOCK[0]
            north = c.lat + (rows / 2 - row) * BLOCK[1]
            c.bbox = (round(west, 6), round(north - BLOCK[1], 6), round(west + BLOCK[0], 6), round(north, 6))
            c.lon, c.lat = round(west + BLOCK[0] / 2, 6), round(north - BLOCK[1] / 2, 6)
            _tile(c)
    _plant_grid_problems(world)


def _plant_grid_problems(world: World) -> None:
    """What the boundary checks should find, in 崇文街道 (the street the app opens on)."""

    def move(c: Community, index: int, **edges: float) -> None:
        west, south, east, north = c.grids[index]["cell"]
        box = dict(west=west, south=south, east=east, north=north)
        box.update(
            {
                k: round(box[k] + v * (east - west if k in ("west", "east") else north - south), 6)
                for k, v in edges.items()
            }
        )
        c.grids[index]["cell"] = (box["west"], box["south"], box["east"], box["north"])

    # 振兴社区: its last grid stops 40% short of the community's east edge, a strip no grid covers
    # (new buildings whose households are not gridded yet, as GRID_COVERAGE says).
    move(world.by_name["振兴社区"], -1, east=-0.4)
    # 新建社区: its fifth grid reaches a quarter of a cell into its neighbour, the sixth.
    move(world.by_name["新建社区"], 4, east=0.25)
    # 府东社区: its first grid reaches a tenth of a cell west, beyond the community (and the street).
    move(world.by_name["府东社区"], 0, west=-0.1)


def _tile(c: Community) -> None:
    west, south, east, north = c.bbox
    count = len(c.grids)
    cols = int(np.ceil(np.sqrt(count)))
    rows = int(np.ceil(count / cols))

    def edge(low: float, high: float, k: int, parts: int) -> float:
        # One expression per edge, so neighbours share it exactly (no slivers from rounding).
        return round(low + (high - low) * k / parts, 6)

    for j, grid in enumerate(c.grids):
        row, col = divmod(j, cols)
        in_row = cols if row < rows - 1 else count - cols * (rows - 1)
        grid["cell"] = (
            edge(west, east, col, in_row),
            edge(north, south, row + 1, rows),
            edge(west, east, col + 1, in_row),
            edge(north, south, row, rows),
        )
