"""Employment: job postings, job seekers' journeys, events and trainings (永安社区, 京杭佳苑社区 planted)."""

from __future__ import annotations

import datetime as dt

from etl.demo.world import END, START, Community, World

EMPLOYERS = [
    "孝义市巾帼家政服务有限公司",
    "山西鹏飞集团",
    "济宁城投星城广场",
    "太白湖新区物业服务中心",
    "运城盐湖区人民医院",
    "华润万家超市",
    "顺丰速运",
    "美团外卖站点",
    "中通快递",
    "本地餐饮店",
    "汽车维修厂",
    "幼儿园",
]
POSITIONS = ["家政服务员", "育婴员", "保洁员", "仓库管理员", "快递员", "收银员", "厨师", "保安", "护工", "电工", "司机"]
CHANNELS = ["招聘会", "线上平台", "公告栏", "微信群"]
GROUPS = ["就业困难人员", "失业人员", "高校毕业生", "退役军人", "农村转移劳动力", "妇女"]
COURSES = ["家政服务", "育婴员", "中式烹调", "电工", "养老护理", "电子商务"]


def add_jobs(world: World) -> None:
    for c in world.communities:
        number = 0
        for first, last in world.months():
            planted = c.name == "永安社区" and first.year == 2022
            count = 0 if planted else int(world.rng.poisson(6 * c.households / 3500))
            for _ in range(count):
                number += 1
                _posting(world, c, number, world.day_in(first, last))
    yongan = world.by_name["永安社区"]
    for i in range(230):  # 永安社区 2022: 230 postings
        _posting(world, yongan, 5000 + i, world.day_in(dt.date(2022, 1, 1), dt.date(2022, 12, 31)))
    _seekers(world)


def _posting(world: World, c: Community, number: int, day: dt.date) -> None:
    low = int(world.rng.integers(25, 45)) * 100
    world.ledgers.job_postings.append(
        {
            "posting_id": f"GW{c.code[-6:]}{day.year}{number:04d}",
            "community": c.name,
            "employer": world.pick(EMPLOYERS),
            "position": world.pick(POSITIONS),
            "vacancies": int(world.rng.integers(1, 15)),
            "posted_at": day,
            "channel": world.pick(CHANNELS),
            "salary_min": low,
            "salary_max": low + int(world.rng.integers(5, 25)) * 100,
        }
    )


def _seekers(world: World) -> None:
    postings: dict[str, list[str]] = {}
    for p in world.ledgers.job_postings:
        postings.setdefault(p["community"], []).append(p["posting_id"])
    numbers: dict[str, int] = {}
    for c in world.communities:
        for first, last in world.months():
            # Journeys run for up to two months: keep the background clear of the planted windows.
            if (c.name == "永安社区" and dt.date(2021, 10, 1) <= first <= dt.date(2022, 12, 1)) or (
                c.name == "京杭佳苑社区" and dt.date(2023, 10, 1) <= first <= dt.date(2024, 6, 1)
            ):
                continue  # planted below
            for _ in range(int(world.rng.poisson(4 * c.households / 3500))):
                _journey(world, c, numbers, postings, world.day_in(first, last), world.rng.integers(1, 5))
    yongan = world.by_name["永安社区"]
    for _ in range(120):  # 永安社区 2022: 120 records at 达成意向 (some go on to be hired)
        _journey(
            world,
            yongan,
            numbers,
            postings,
            world.day_in(dt.date(2022, 1, 1), dt.date(2022, 11, 30)),
            int(world.rng.choice([2, 3, 4])),
            intent_until=dt.date(2022, 12, 31),
        )
    for _ in range(30):  # and people who registered in 2022 but found nothing yet
        _journey(world, yongan, numbers, postings, world.day_in(dt.date(2022, 1, 1), dt.date(2022, 12, 31)), 1)
    jinghang = world.by_name["京杭佳苑社区"]
    for _ in range(350):  # 京杭佳苑社区 2024 H1: 350 people on the job
        _journey(
            world,
            jinghang,
            numbers,
            postings,
            world.day_in(dt.date(2023, 11, 1), dt.date(2024, 4, 30)),
            4,
            job_between=(dt.date(2024, 1, 1), dt.date(2024, 6, 30)),
        )
    for _ in range(60):  # registered in the half-year, not yet on the job
        _journey(
            world,
            jinghang,
            numbers,
            postings,
            world.day_in(dt.date(2024, 1, 1), dt.date(2024, 6, 30)),
            2,
            intent_until=dt.date(2024, 6, 30),
        )


def _journey(
    world: World,
    c: Community,
    numbers: dict,
    postings: dict,
    day: dt.date,
    steps: int,
    intent_until: dt.date | None = None,
    job_between: tuple[dt.date, dt.date] | None = None,
) -> None:
    """One person's records from registration to (at most) the job, dated in order."""
    name, id_number, phone = world.person_name(c.name, unique=True), world.id_number(c.area), world.phone()
    group = world.pick(GROUPS)
    posting = world.pick(postings.get(c.name, [None]))
    stages = ["求职登记", "达成意向", "已录用", "已上岗"][: int(steps)]
    for k, stage in enumerate(stages):
        if stage == "达成意向" and intent_until:
            day = min(day + dt.timedelta(days=int(world.rng.integers(1, 10))), intent_until)
        elif stage == "已上岗" and job_between:
            day = world.day_in(max(day + dt.timedelta(days=1), job_between[0]), job_between[1])
        elif k:
            day = day + dt.timedelta(days=int(world.rng.integers(2, 20)))
        if day > END:
            break
        numbers[c.name] = numbers.get(c.name, 0) + 1
        world.ledgers.job_seekers.append(
            {
                "record_id": f"JY{c.code[-6:]}{numbers[c.name]:05d}",
                "community": c.name,
                "person": name,
                "id_number": id_number,
                "phone": phone,
                "group": group,
                "posting_id": posting if stage != "求职登记" else None,
                "stage": stage,
                "date": day,
            }
        )


def add_events_and_trainings(world: World) -> None:
    kinds = ["招聘会", "创业沙龙", "座谈会", "培训班", "政策宣讲", "志愿服务", "文体活动"]
    for c in world.communities:
        number = 0
        for first, last in world.months():
            for _ in range(int(world.rng.poisson(3))):
                kind = world.pick(kinds)
                if c.name == "永安社区" and first.year == 2022 and kind in ("创业沙龙", "座谈会"):
                    kind = "志愿服务"  # 永安's 2022 salons and forums are planted below
                number += 1
                _event(world, c, number, kind, world.day_in(first, last))
    yongan = world.by_name["永安社区"]
    _event(world, yongan, 901, "座谈会", dt.date(2022, 10, 20), "“就业创业 正青春”交流座谈会", 60)
    _event(world, yongan, 902, "创业沙龙", dt.date(2022, 5, 18), "青年创业联盟沙龙", 35)
    _event(world, yongan, 903, "创业沙龙", dt.date(2022, 8, 24), "巾帼家政创业分享会", 28)
    for c in world.communities:
        for number, start in enumerate(sorted(world.day_in(START, END) for _ in range(8)), start=1):
            course = world.pick(COURSES)
            if c.name == "永安社区" and course == "家政服务" and dt.date(2021, 10, 1) <= start <= dt.date(2022, 12, 31):
                course = "育婴员"
            _training(world, c, number, course, start, int(world.rng.integers(15, 60)))
    for number, (start, trainees) in enumerate(
        [
            (dt.date(2021, 10, 15), 60),
            (dt.date(2022, 3, 10), 52),
            (dt.date(2022, 6, 8), 45),
            (dt.date(2022, 9, 14), 50),
            (dt.date(2022, 11, 16), 40),
        ],
        start=50,
    ):
        _training(world, yongan, number, "家政服务", start, trainees)  # 247 in 2021-10..2022-12


def _event(
    world: World,
    c: Community,
    number: int,
    kind: str,
    day: dt.date,
    title: str | None = None,
    participants: int | None = None,
) -> None:
    world.ledgers.events.append(
        {
            "event_id": f"HD{c.code[-6:]}{number:04d}",
            "community": c.name,
            "kind": kind,
            "title": title or f"{c.alias}{kind}",
            "date": day,
            "participants": participants or int(world.rng.integers(15, 120)),
        }
    )


def _training(world: World, c: Community, number: int, course: str, start: dt.date, trainees: int) -> None:
    certified = int(trainees * world.rng.uniform(0.7, 0.95))
    world.ledgers.trainings.append(
        {
            "training_id": f"PX{c.code[-6:]}{number:03d}",
            "community": c.name,
            "course": course,
            "start_date": start,
            "trainees": trainees,
            "certified": certified,
            "employed": int(certified * world.rng.uniform(0.6, 0.95)),
        }
    )
