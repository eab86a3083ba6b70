"""Tasks and the party members' claims on them, with 崇北社区's 2022 planted."""

from __future__ import annotations

import datetime as dt

import numpy as np

from etl.demo.world import AS_OF, END, LAGGING, Community, World

TASK_CATEGORIES = ["安全隐患", "环境卫生", "矛盾纠纷", "疫情防控", "政策宣传", "微心愿", "便民服务"]
TASK_TITLES = {
    "安全隐患": ["排查楼道堆物", "检查电动车充电", "更换破损井盖", "消防通道清障"],
    "环境卫生": ["清理卫生死角", "垃圾分类督导", "小区绿化修剪", "清运建筑垃圾"],
    "矛盾纠纷": ["邻里噪音协调", "停车位纠纷协调", "漏水纠纷上门了解"],
    "疫情防控": ["核酸检测秩序维护", "重点人员排查", "疫苗接种引导"],
    "政策宣传": ["反诈宣传进楼栋", "医保政策宣讲", "垃圾分类宣传"],
    "微心愿": ["为独居老人买药", "为留守儿童送书包", "帮老人修收音机"],
    "便民服务": ["上门理发", "代缴水电费", "维修路灯", "疏通下水道"],
}
SOURCES = ["小程序", "网格员上报", "热线", "居民来访", "社区发布"]
MEMBER_TYPES = ["在职党员", "网格员", "志愿者", "社区工作者"]


def add_tasks(world: World) -> None:
    for c in world.communities:
        closure = 0.55 if c.name == LAGGING else world.rng.uniform(0.78, 0.93)
        task_number = 0
        for first, last in world.months():
            if c.name == "崇北社区" and first.year == 2022:
                continue  # planted below
            season = 1.3 if first.month in (3, 4, 5, 9, 10) else 0.8 if first.month in (1, 2, 8) else 1.0
            for _ in range(int(world.rng.poisson(7 * season * c.households / 3500))):
                task_number += 1
                _task(world, c, task_number, world.day_in(first, last), closure)
    _plant_chongbei_2022(world)


def _task(
    world: World,
    c: Community,
    number: int,
    day: dt.date,
    closure: float,
    source: str | None = None,
    closed: bool | None = None,
    claims: int | None = None,
    claim_window: int = 6,
) -> dict:
    category = world.pick(TASK_CATEGORIES)
    published = world.moment(day)
    deadline = day + dt.timedelta(days=int(world.pick([3, 5, 7, 15, 30])))
    age = (END - day).days
    planted = closed is not None
    if closed is None:
        closed = world.rng.random() < closure
    grid = world.pick(c.grids)
    west, south, east, north = grid["cell"]
    task = {
        "task_id": f"RW{c.code[-6:]}{day.year}{number:04d}",
        "community": c.name,
        "grid_id": grid["grid_id"],
        "category": category,
        "title": world.pick(TASK_TITLES[category]),
        "source": source or world.pick(SOURCES),
        "published_at": published,
        "deadline": deadline,
        "closed_at": None,
        "satisfaction": None,
        "lon": round(float(world.rng.uniform(west, east)), 6),
        "lat": round(float(world.rng.uniform(south, north)), 6),
    }
    slow = 2.5 if c.name == LAGGING else 1.0
    closed_at = None
    if closed:
        days = float(world.rng.exponential(4 * slow))
        if planted:
            days = min(days, max(age - 1, 0))
        closed_at = published + dt.timedelta(days=days, hours=2)
    elif age > 60:
        # Tasks that missed their time: most are done late, weeks after the deadline (not the planted
        # ones, whose count of closed tasks is fixed); of the rest, most are closed off (已关闭) at a
        # review. The lagging community leaves more hanging, and those are the overdue open tasks the
        # overview flags.
        late, withdrawn = (0.75, 0.4) if c.name == LAGGING else (0.85, 0.75)
        if not planted and world.rng.random() < late:
            extra = (deadline - day).days + 3 + float(world.rng.exponential(12 * slow))
            closed_at = published + dt.timedelta(days=extra, hours=2)
        elif world.rng.random() < withdrawn:
            task["status"] = "已关闭"
    # A task that would be done only after the data's last day is still in hand on it: the last weeks
    # have open tasks because they are recent, not because anyone failed.
    if closed_at is not None and closed_at <= AS_OF:
        task["closed_at"] = closed_at
        task["status"] = "已办结"
        task["satisfaction"] = world.pick(["满意"] * 7 + ["基本满意"] * 2 + ["不满意"])
    elif "status" not in task:
        task["status"] = world.pick(["待接单", "已接单", "办理中"])
    if c.street == "许庄街道" and task["source"] == "热线":
        task["grid_id"] = None  # hotline tasks come with the caller's location, not a grid
    world.ledgers.tasks.append(task)
    n_claims = claims if claims is not None else (0 if task["status"] == "待接单" else int(world.rng.integers(1, 6)))
    year_end = min(dt.datetime(day.year, 12, 31, 22, 0), AS_OF)  # claims stay in the task's year
    for k in range(n_claims):
        # The first taker usually answers within hours (later in the lagging community); the others
        # join over the following days.
        hours = (
            float(world.rng.exponential(7 * slow)) + 0.5 if k == 0 else float(world.rng.uniform(1, 24 * claim_window))
        )
        claimed = min(published + dt.timedelta(hours=hours), year_end)
        world.ledgers.task_claims.append(
            {
                "claim_id": f"JD{task['task_id'][2:]}{k + 1:02d}",
                "task_id": task["task_id"],
                "person": world.person_name(c.name),
                "member_type": world.pick(MEMBER_TYPES),
                "claimed_at": claimed,
                "completed_at": claimed + dt.timedelta(hours=float(world.rng.uniform(1, 30))),
                "hours": round(float(world.rng.uniform(0.5, 4)), 1),
            }
        )
    return task


def _plant_chongbei_2022(world: World) -> None:
    """崇北社区 2022: 61 tasks (all from the mini-program), 508 claims, 50 closed."""
    c = world.by_name["崇北社区"]
    days = sorted(world.day_in(dt.date(2022, 1, 4), dt.date(2022, 12, 20)) for _ in range(61))
    closed = set(world.rng.choice(61, 50, replace=False).tolist())
    claims = _split(world, 508, 61, low=2)
    for i, day in enumerate(days):
        _task(world, c, 9000 + i, day, 0, source="小程序", closed=i in closed, claims=claims[i], claim_window=4)


def _split(world: World, total: int, parts: int, low: int) -> list[int]:
    """``parts`` whole numbers of at least ``low`` adding up to ``total``."""
    weights = world.rng.dirichlet(np.ones(parts))
    counts = [low + int(w * (total - low * parts)) for w in weights]
    for i in range(total - sum(counts)):
        counts[i % parts] += 1
    return counts
