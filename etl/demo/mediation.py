"""Mediation cases (矛盾纠纷调解): who mediated, at which level, with what outcome."""

from __future__ import annotations

import datetime as dt

from etl.demo.world import END, GIVEN, SURNAMES, World

DISPUTES = ["邻里纠纷", "物业纠纷", "婚姻家庭", "劳动争议", "房屋土地", "消费纠纷", "损害赔偿"]
XINGHE_MEDIATORS = ["星河社区人民调解委员会", "红色议事亭调解小组", "老娘舅调解工作室"]


def mediators_in_person(index: int) -> list[str]:
    """The two people of a community who mediate (调解员), taken in turn. Named by arithmetic, not by the
    random source: adding them moved no other draw, so every other value of the demo is as it was."""
    return [
        SURNAMES[(7 * index + 3 * k) % len(SURNAMES)]
        + GIVEN[(11 * index + 5 * k) % len(GIVEN)]
        + GIVEN[(13 * index + 2 * k + 1) % len(GIVEN)]
        for k in range(2)
    ]


def add_mediation(world: World) -> None:
    groups = {c.name: [f"{c.alias}社区人民调解委员会", f"{c.alias}网格调解小组"] for c in world.communities}
    groups["星河社区"] = XINGHE_MEDIATORS
    for index, c in enumerate(world.communities):
        people = mediators_in_person(index)
        number = 0
        for first, last in world.months():
            for _ in range(int(world.rng.poisson(2.2 * c.households / 3500))):
                number += 1
                day = world.day_in(first, last)
                level = world.rng.choice(["网格", "社区", "街道", "移交上级"], p=[0.55, 0.3, 0.1, 0.05])
                open_case = (END - day).days < 20 and world.rng.random() < 0.6
                if open_case:
                    outcome, level = "调解中", None
                elif level == "移交上级":
                    outcome = "已移交"
                else:
                    outcome = "调解成功" if world.rng.random() < 0.88 else "调解不成"
                received = world.moment(day)
                closed = None
                if outcome in ("调解成功", "调解不成"):
                    closed = received + dt.timedelta(days=float(world.rng.gamma(2, 3)))
                mediators = groups[c.name]
                if c.name == "星河社区" and day.year == 2024:
                    mediator = mediators[number % 3]  # all three groups at work in 2024
                else:
                    mediator = world.pick(mediators[:2])
                world.ledgers.mediation.append(
                    {
                        "case_id": f"TJ{c.code[-6:]}{day.year}{number:04d}",
                        "community": c.name,
                        "grid_id": world.pick(c.grids)["grid_id"],
                        "dispute_type": world.pick(DISPUTES),
                        "parties": "、".join(world.person_name(c.name) for _ in range(2)),
                        "received_at": received,
                        "level": level,
                        "mediator": mediator,
                        "mediator_person": people[number % 2],
                        "outcome": outcome,
                        "closed_at": closed,
                        "agreement": None if closed is None else world.pick(["书面", "口头", "无"]),
                        "followup": None if closed is None else world.pick(["满意", "满意", "基本满意", "未回访"]),
                    }
                )
