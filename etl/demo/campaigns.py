"""Campaigns (领题攻坚, targets and actuals) and the points market (积分超市), with 滨湖社区 planted."""

from __future__ import annotations

import datetime as dt

from etl.demo.world import LAGGING, Community, World


def add_campaigns(world: World) -> None:
    year = (dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    rows = [
        ("南风花园社区", "强圈优社", "合作商铺", "家", 20, 23, None, (dt.date(2024, 3, 1), year[1])),
        ("南风花园社区", "强圈优社", "商圈公益活动", "场", 12, 9, None, (dt.date(2024, 3, 1), year[1])),
        ("古桥社区", "盟友聚力", "爱心联盟商家", "家", 30, 32, None, year),
        ("古桥社区", "盟友聚力", "志愿服务任务", "件", 150, None, "tasks.published", year),
        ("京杭佳苑社区", "创业就业", "实现就业", "人", 600, None, "jobs.placements", year),
        ("京杭佳苑社区", "创业就业", "发布就业信息", "条", 90, None, "jobs.postings", year),
        # 许庄街道's 考核 scores 发布就业信息 against each community's own target (target = "campaign").
        ("南风花园社区", "就业服务", "发布就业信息", "条", 100, None, "jobs.postings", year),
        ("古桥社区", "就业服务", "发布就业信息", "条", 70, None, "jobs.postings", year),
        ("滨湖社区", "就业服务", "发布就业信息", "条", 90, None, "jobs.postings", year),
        ("滨湖社区", "积分超市", "兑换居民", "人", 80, None, "points.redeemers", year),
        ("滨湖社区", "积分超市", "参与居民", "人", 300, None, "points.participants", year),
        ("星河社区", "三联共治", "矛盾纠纷调解成功率", "%", 90, None, "mediation.success_rate", year),
        (
            "崇北社区",
            "党员接单",
            "党员接单",
            "次",
            500,
            None,
            "tasks.claims",
            (dt.date(2022, 1, 1), dt.date(2022, 12, 31)),
        ),
        ("永安社区", "创业联盟", "家政培训", "人", 200, 247, None, (dt.date(2021, 10, 1), dt.date(2022, 12, 31))),
        (LAGGING, "办结提速", "任务办结率", "%", 85, None, "tasks.closure_rate", year),
    ]
    for community, campaign, metric, unit, target, actual, key, (start, end) in rows:
        world.ledgers.campaigns.append(
            {
                "community": community,
                "campaign": campaign,
                "metric": metric,
                "unit": unit,
                "target": target,
                "actual": actual,
                "metric_key": key,
                "period_start": start,
                "period_end": end,
            }
        )


def add_points(world: World) -> None:
    for c in world.communities:
        residents = [world.person_name(c.name, unique=True) for _ in range(int(c.households / 25))]
        number = 0
        for first, last in world.months():
            if first.year < 2023:
                continue  # the points market opened in 2023
            for _ in range(int(world.rng.poisson(40 * c.households / 3500))):
                number += 1
                day = world.day_in(first, last)
                reason = world.rng.choice(
                    ["志愿服务", "缴纳物业费", "爱心捐赠", "参加活动", "不文明行为", "积分兑换"],
                    p=[0.35, 0.15, 0.1, 0.25, 0.03, 0.12],
                )
                in_window = dt.date(2024, 4, 1) <= day <= dt.date(2024, 6, 10)
                if c.name == "滨湖社区" and reason == "积分兑换" and in_window:
                    reason = "参加活动"  # 滨湖's redemptions in that window are planted below
                _points(world, c, number, world.pick(residents), day, str(reason))
        if c.name == "滨湖社区":
            for person in world.rng.choice(residents, 56, replace=False):
                number += 1
                _points(
                    world, c, number, str(person), world.day_in(dt.date(2024, 4, 1), dt.date(2024, 6, 10)), "积分兑换"
                )


def _points(world: World, c: Community, number: int, person: str, day: dt.date, reason: str) -> None:
    points = {"志愿服务": 10, "缴纳物业费": 5, "爱心捐赠": 8, "参加活动": 3, "不文明行为": -10}.get(reason)
    item = None
    if reason == "积分兑换":
        item, cost = world.pick([("洗衣液", 20), ("大米", 30), ("食用油", 40), ("毛巾", 10)])
        points = -cost
    world.ledgers.points.append(
        {
            "entry_id": f"JF{c.code[-6:]}{number:05d}",
            "community": c.name,
            "person": person,
            "date": day,
            "reason": reason,
            "points": points,
            "item": item,
        }
    )
