"""The demo street: seeded, made-up ledgers kept the way community offices keep them, then loaded.

``python -m etl demo`` writes the ledgers into ``data/demo/`` (a mix of .xlsx and .csv, some GB18030,
some with title rows, synonyms and date forms of every kind, and a few bad rows) and builds the
warehouse by loading that folder through the same loader a user runs. Everything is drawn from one
seeded generator, so the same seed gives the same files and the same warehouse.

The figures of the calibration table in ``../shared/METRICS.md`` come out exactly, whatever the seed:
they are planted (``_plant_*`` and the blocks marked "planted below"), the random background is drawn
around them without touching them, and the bad rows sit in communities and years no figure counts.
Where communities and grids lie (``Generator.layout``) is the seam for boundary polygons.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import xlsxwriter
from rich.console import Console

from etl.pii import ID_CHECK_CHARS, ID_WEIGHTS
from streetdash.config import DATA_DIR, DEMO_DIR, warehouse_path
from streetdash.schema import load_schemas

START, END = dt.date(2021, 1, 1), dt.date(2024, 12, 31)
FIXED_TIME = dt.datetime(2024, 12, 31, 18, 0)  # workbook metadata, so files are byte-stable

# street -> (city, area code for ID numbers, lon, lat, communities: (code, name, alias, kind, households))
STREETS = {
    "崇文街道": (
        "孝义市",
        "141181",
        111.78,
        37.14,
        [
            ("141181001001", "新建社区", "新建", "商品房小区", 3600),
            ("141181001002", "崇北社区", "崇北", "老旧小区", 3100),
            ("141181001003", "永安社区", "永安", "回迁安置", 4200),
            ("141181001004", "府东社区", "府东", "混合", 2900),
            ("141181001005", "振兴社区", "振兴", "村改居", 3300),
            ("141181001006", "文苑社区", "文苑", "商品房小区", 2600),
        ],
    ),
    "许庄街道": (
        "济宁市",
        "370811",
        116.58,
        35.35,
        [
            ("370811005001", "南风花园社区", "南风花园", "商品房小区", 3800),
            ("370811005002", "古桥社区", "古桥", "老旧小区", 2700),
            ("370811005003", "京杭佳苑社区", "京杭佳苑", "回迁安置", 4600),
            ("370811005004", "滨湖社区", "滨湖", "商品房小区", 3400),
        ],
    ),
    "北城街道": (
        "运城市",
        "140802",
        111.00,
        35.03,
        [
            ("140802003001", "星河社区", "星河", "混合", 4100),
        ],
    ),
}
LAGGING = "振兴社区"  # closes fewer tasks, later: the community the overview should flag
# Households not yet assigned to any grid (new buildings, a village not yet re-gridded): coverage < 100%.
GRID_COVERAGE = {"振兴社区": 0.93, "京杭佳苑社区": 0.97}
BLOCK = (0.012, 0.009)  # a community's block in degrees of longitude and latitude (about 1 km each way)

SURNAMES = list(
    "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢"
) + ["欧阳", "司马", "上官", "诸葛"]
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰建国志红梅丹婷宇浩然子涵欣怡佳琪俊凯瑞雪晨阳")
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
DISPUTES = ["邻里纠纷", "物业纠纷", "婚姻家庭", "劳动争议", "房屋土地", "消费纠纷", "损害赔偿"]
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
XINGHE_MEDIATORS = ["星河社区人民调解委员会", "红色议事亭调解小组", "老娘舅调解工作室"]


@dataclass
class Community:
    code: str
    name: str
    alias: str
    kind: str
    households: int
    street: str
    area: str
    lon: float
    lat: float
    grids: list[dict] = field(default_factory=list)
    bbox: tuple[float, float, float, float] | None = None  # west, south, east, north (WGS-84), see layout()


@dataclass
class Ledgers:
    """Canonical rows per kind (field name -> value), before they are written the messy way."""

    communities: list[dict] = field(default_factory=list)
    grids: list[dict] = field(default_factory=list)
    tasks: list[dict] = field(default_factory=list)
    task_claims: list[dict] = field(default_factory=list)
    mediation: list[dict] = field(default_factory=list)
    job_postings: list[dict] = field(default_factory=list)
    job_seekers: list[dict] = field(default_factory=list)
    events: list[dict] = field(default_factory=list)
    trainings: list[dict] = field(default_factory=list)
    campaigns: list[dict] = field(default_factory=list)
    points: list[dict] = field(default_factory=list)


class Generator:
    def __init__(self, seed: int):
        self.rng = np.random.default_rng(seed)
        self.ledgers = Ledgers()
        self.communities = [
            Community(code, name, alias, kind, households, street, area, lon, lat)
            for street, (_, area, lon, lat, members) in STREETS.items()
            for code, name, alias, kind, households in members
        ]
        self.by_name = {c.name: c for c in self.communities}
        self.used_names: dict[str, set[str]] = {c.name: set() for c in self.communities}
        self.used_ids: set[str] = set()

    # ---- small helpers ------------------------------------------------------------------
    def pick(self, items: list):
        return items[int(self.rng.integers(len(items)))]

    def person_name(self, community: str, unique: bool = False) -> str:
        for _ in range(1000):
            name = self.pick(SURNAMES) + "".join(self.pick(GIVEN) for _ in range(int(self.rng.integers(1, 3))))
            if not unique or name not in self.used_names[community]:
                self.used_names[community].add(name)
                return name
        raise RuntimeError("ran out of names")

    def id_number(self, area: str) -> str:
        """A valid 18-digit ID number (area, birth date, sequence, check digit), never given out twice."""
        while True:
            birth = dt.date(1965, 1, 1) + dt.timedelta(days=int(self.rng.integers(0, 365 * 38)))
            body = f"{area}{birth:%Y%m%d}{int(self.rng.integers(1, 1000)):03d}"
            if body not in self.used_ids:
                self.used_ids.add(body)
                return body + ID_CHECK_CHARS[sum(int(c) * w for c, w in zip(body, ID_WEIGHTS, strict=True)) % 11]

    def phone(self) -> str:
        return "1" + self.pick(["3", "5", "7", "8"]) + "".join(str(int(d)) for d in self.rng.integers(0, 10, 9))

    def moment(self, day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(int(self.rng.integers(8, 19)), int(self.rng.integers(0, 60))))

    def day_in(self, start: dt.date, end: dt.date) -> dt.date:
        return start + dt.timedelta(days=int(self.rng.integers(0, (end - start).days + 1)))

    def months(self):
        for year in range(START.year, END.year + 1):
            for month in range(1, 13):
                first = dt.date(year, month, 1)
                last = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
                yield first, last

    # ---- the street ------------------------------------------------------------------------
    def build(self) -> Ledgers:
        self.places()
        self.tasks()
        self.mediation()
        self.jobs()
        self.events_and_trainings()
        self.campaigns()
        self.points()
        return self.ledgers

    def places(self) -> None:
        for c in self.communities:
            self.ledgers.communities.append(
                {
                    "community_id": c.code,
                    "name": c.name,
                    "street": c.street,
                    "households": c.households,
                    "population": int(c.households * self.rng.uniform(2.6, 3.1)),
                    "kind": c.kind,
                    "aliases": c.alias,
                }
            )
            gridded = int(c.households * GRID_COVERAGE.get(c.name, 1.0))
            count = max(1, round(gridded / 400))
            deltas = self.rng.integers(-40, 41, count)
            sizes = gridded // count + deltas - int(deltas.mean())
            sizes[-1] += gridded - int(sizes.sum())  # the rule: 300-500 households a grid
            for number, size in enumerate(sizes.tolist(), start=1):
                leader = self.person_name(c.name)
                grid = {
                    "grid_id": f"{c.code}-{number:02d}",
                    "name": f"{c.alias}第{number}网格",
                    "community": c.name,
                    "households": size,
                    "people_per_household": float(self.rng.uniform(2.5, 3.2)),
                    "leader": leader,
                    "full_time_staff": 1,
                    "part_time_staff": int(self.rng.integers(1, 4)),
                    "party_group": "是" if self.rng.random() < 0.8 else "否",
                }
                c.grids.append(grid)
                self.ledgers.grids.append(grid)
        # What the grid checks should find: two oversized grids and one without a leader.
        self._oversize(self.by_name["永安社区"], -1, 640)
        self._oversize(self.by_name["古桥社区"], 0, 560)
        self.by_name["文苑社区"].grids[1]["leader"] = None
        for grid in self.ledgers.grids:
            grid["population"] = int(grid["households"] * grid.pop("people_per_household"))
        self.layout()

    @staticmethod
    def _oversize(c: Community, index: int, households: int) -> None:
        """Make one grid oversized, taking its households from the others (the community total holds)."""
        grid = c.grids[index]
        extra, others = households - grid["households"], [g for g in c.grids if g is not grid]
        grid["households"] = households
        for k, other in enumerate(others):
            other["households"] -= extra // len(others) + (1 if k < extra % len(others) else 0)

    def layout(self) -> None:
        """Where communities and grids lie: the boundary files are drawn from this (``boundary_collections``).

        Each street's communities sit as blocks of ``BLOCK`` degrees around the street's real location,
        and each community's grids tile its block as a lattice of cells (the last row stretched, so the
        grids cover the block exactly), except for the problems planted for the grid checks to find
        (``_plant_grid_problems``). Pure arithmetic, no random draws. Task coordinates fall inside the
        cell of the task's grid.
        """
        for street in STREETS:
            members = [c for c in self.communities if c.street == street]
            cols = int(np.ceil(np.sqrt(len(members))))
            rows = int(np.ceil(len(members) / cols))
            for i, c in enumerate(members):
                row, col = divmod(i, cols)
                west = c.lon + (col - cols / 2) * BLOCK[0]
                north = c.lat + (rows / 2 - row) * BLOCK[1]
                c.bbox = (round(west, 6), round(north - BLOCK[1], 6), round(west + BLOCK[0], 6), round(north, 6))
                c.lon, c.lat = round(west + BLOCK[0] / 2, 6), round(north - BLOCK[1] / 2, 6)
                self._tile(c)
        self._plant_grid_problems()

    def _plant_grid_problems(self) -> None:
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
        move(self.by_name["振兴社区"], -1, east=-0.4)
        # 新建社区: its fifth grid reaches a quarter of a cell into its neighbour, the sixth.
        move(self.by_name["新建社区"], 4, east=0.25)
        # 府东社区: its first grid reaches a tenth of a cell west, beyond the community (and the street).
        move(self.by_name["府东社区"], 0, west=-0.1)

    @staticmethod
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

    def tasks(self) -> None:
        for c in self.communities:
            closure = 0.55 if c.name == LAGGING else self.rng.uniform(0.78, 0.93)
            task_number = 0
            for first, last in self.months():
                if c.name == "崇北社区" and first.year == 2022:
                    continue  # planted below
                season = 1.3 if first.month in (3, 4, 5, 9, 10) else 0.8 if first.month in (1, 2, 8) else 1.0
                for _ in range(int(self.rng.poisson(7 * season * c.households / 3500))):
                    task_number += 1
                    self._task(c, task_number, self.day_in(first, last), closure)
        self._plant_chongbei_2022()

    def _task(
        self,
        c: Community,
        number: int,
        day: dt.date,
        closure: float,
        source: str | None = None,
        closed: bool | None = None,
        claims: int | None = None,
        claim_window: int = 6,
    ) -> dict:
        category = self.pick(TASK_CATEGORIES)
        published = self.moment(day)
        deadline = day + dt.timedelta(days=int(self.pick([3, 5, 7, 15, 30])))
        age = (END - day).days
        if closed is None:
            closed = self.rng.random() < closure * min(1.0, age / 30)  # the last month is still in hand
        grid = self.pick(c.grids)
        west, south, east, north = grid["cell"]
        task = {
            "task_id": f"RW{c.code[-6:]}{day.year}{number:04d}",
            "community": c.name,
            "grid_id": grid["grid_id"],
            "category": category,
            "title": self.pick(TASK_TITLES[category]),
            "source": source or self.pick(SOURCES),
            "published_at": published,
            "deadline": deadline,
            "closed_at": None,
            "satisfaction": None,
            "lon": round(float(self.rng.uniform(west, east)), 6),
            "lat": round(float(self.rng.uniform(south, north)), 6),
        }
        if closed:
            slow = 2.5 if c.name == LAGGING else 1.0
            days = min(float(self.rng.exponential(4 * slow)), max(age - 1, 0))
            task["closed_at"] = published + dt.timedelta(days=days, hours=2)
            task["status"] = "已办结"
            task["satisfaction"] = self.pick(["满意"] * 7 + ["基本满意"] * 2 + ["不满意"])
        else:
            # Old tasks left undone are mostly closed off at the year-end review; the lagging community
            # leaves more of them hanging, and those are the overdue open tasks the overview flags.
            withdrawn = 0.4 if c.name == LAGGING else 0.75
            stale = age > 60 and self.rng.random() < withdrawn
            task["status"] = "已关闭" if stale else self.pick(["待接单", "已接单", "办理中"])
        if c.street == "许庄街道" and task["source"] == "热线":
            task["grid_id"] = None  # hotline tasks come with the caller's location, not a grid
        self.ledgers.tasks.append(task)
        n_claims = claims if claims is not None else (0 if task["status"] == "待接单" else int(self.rng.integers(1, 6)))
        year_end = dt.datetime(day.year, 12, 31, 22, 0)  # claims stay in the task's year
        for k in range(n_claims):
            claimed = min(published + dt.timedelta(hours=float(self.rng.uniform(1, 24 * claim_window))), year_end)
            self.ledgers.task_claims.append(
                {
                    "claim_id": f"JD{task['task_id'][2:]}{k + 1:02d}",
                    "task_id": task["task_id"],
                    "person": self.person_name(c.name),
                    "member_type": self.pick(MEMBER_TYPES),
                    "claimed_at": claimed,
                    "completed_at": claimed + dt.timedelta(hours=float(self.rng.uniform(1, 30))),
                    "hours": round(float(self.rng.uniform(0.5, 4)), 1),
                }
            )
        return task

    def _plant_chongbei_2022(self) -> None:
        """崇北社区 2022: 61 tasks (all from the mini-program), 508 claims, 50 closed."""
        c = self.by_name["崇北社区"]
        days = sorted(self.day_in(dt.date(2022, 1, 4), dt.date(2022, 12, 20)) for _ in range(61))
        closed = set(self.rng.choice(61, 50, replace=False).tolist())
        claims = self._split(508, 61, low=2)
        for i, day in enumerate(days):
            self._task(c, 9000 + i, day, 0, source="小程序", closed=i in closed, claims=claims[i], claim_window=4)

    def _split(self, total: int, parts: int, low: int) -> list[int]:
        """``parts`` whole numbers of at least ``low`` adding up to ``total``."""
        weights = self.rng.dirichlet(np.ones(parts))
        counts = [low + int(w * (total - low * parts)) for w in weights]
        for i in range(total - sum(counts)):
            counts[i % parts] += 1
        return counts

    def mediation(self) -> None:
        groups = {c.name: [f"{c.alias}社区人民调解委员会", f"{c.alias}网格调解小组"] for c in self.communities}
        groups["星河社区"] = XINGHE_MEDIATORS
        for c in self.communities:
            number = 0
            for first, last in self.months():
                for _ in range(int(self.rng.poisson(2.2 * c.households / 3500))):
                    number += 1
                    day = self.day_in(first, last)
                    level = self.rng.choice(["网格", "社区", "街道", "移交上级"], p=[0.55, 0.3, 0.1, 0.05])
                    open_case = (END - day).days < 20 and self.rng.random() < 0.6
                    if open_case:
                        outcome, level = "调解中", None
                    elif level == "移交上级":
                        outcome = "已移交"
                    else:
                        outcome = "调解成功" if self.rng.random() < 0.88 else "调解不成"
                    received = self.moment(day)
                    closed = None
                    if outcome in ("调解成功", "调解不成"):
                        closed = received + dt.timedelta(days=float(self.rng.gamma(2, 3)))
                    mediators = groups[c.name]
                    if c.name == "星河社区" and day.year == 2024:
                        mediator = mediators[number % 3]  # all three groups at work in 2024
                    else:
                        mediator = self.pick(mediators[:2])
                    self.ledgers.mediation.append(
                        {
                            "case_id": f"TJ{c.code[-6:]}{day.year}{number:04d}",
                            "community": c.name,
                            "grid_id": self.pick(c.grids)["grid_id"],
                            "dispute_type": self.pick(DISPUTES),
                            "parties": "、".join(self.person_name(c.name) for _ in range(2)),
                            "received_at": received,
                            "level": level,
                            "mediator": mediator,
                            "outcome": outcome,
                            "closed_at": closed,
                            "agreement": None if closed is None else self.pick(["书面", "口头", "无"]),
                            "followup": None if closed is None else self.pick(["满意", "满意", "基本满意", "未回访"]),
                        }
                    )

    def jobs(self) -> None:
        for c in self.communities:
            number = 0
            for first, last in self.months():
                planted = c.name == "永安社区" and first.year == 2022
                count = 0 if planted else int(self.rng.poisson(6 * c.households / 3500))
                for _ in range(count):
                    number += 1
                    self._posting(c, number, self.day_in(first, last))
        yongan = self.by_name["永安社区"]
        for i in range(230):  # 永安社区 2022: 230 postings
            self._posting(yongan, 5000 + i, self.day_in(dt.date(2022, 1, 1), dt.date(2022, 12, 31)))
        self._seekers()

    def _posting(self, c: Community, number: int, day: dt.date) -> None:
        low = int(self.rng.integers(25, 45)) * 100
        self.ledgers.job_postings.append(
            {
                "posting_id": f"GW{c.code[-6:]}{day.year}{number:04d}",
                "community": c.name,
                "employer": self.pick(EMPLOYERS),
                "position": self.pick(POSITIONS),
                "vacancies": int(self.rng.integers(1, 15)),
                "posted_at": day,
                "channel": self.pick(CHANNELS),
                "salary_min": low,
                "salary_max": low + int(self.rng.integers(5, 25)) * 100,
            }
        )

    def _seekers(self) -> None:
        postings: dict[str, list[str]] = {}
        for p in self.ledgers.job_postings:
            postings.setdefault(p["community"], []).append(p["posting_id"])
        numbers: dict[str, int] = {}
        for c in self.communities:
            for first, last in self.months():
                # Journeys run for up to two months: keep the background clear of the planted windows.
                if (c.name == "永安社区" and dt.date(2021, 10, 1) <= first <= dt.date(2022, 12, 1)) or (
                    c.name == "京杭佳苑社区" and dt.date(2023, 10, 1) <= first <= dt.date(2024, 6, 1)
                ):
                    continue  # planted below
                for _ in range(int(self.rng.poisson(4 * c.households / 3500))):
                    self._journey(c, numbers, postings, self.day_in(first, last), self.rng.integers(1, 5))
        yongan = self.by_name["永安社区"]
        for _ in range(120):  # 永安社区 2022: 120 records at 达成意向 (some go on to be hired)
            self._journey(
                yongan,
                numbers,
                postings,
                self.day_in(dt.date(2022, 1, 1), dt.date(2022, 11, 30)),
                int(self.rng.choice([2, 3, 4])),
                intent_until=dt.date(2022, 12, 31),
            )
        for _ in range(30):  # and people who registered in 2022 but found nothing yet
            self._journey(yongan, numbers, postings, self.day_in(dt.date(2022, 1, 1), dt.date(2022, 12, 31)), 1)
        jinghang = self.by_name["京杭佳苑社区"]
        for _ in range(350):  # 京杭佳苑社区 2024 H1: 350 people on the job
            self._journey(
                jinghang,
                numbers,
                postings,
                self.day_in(dt.date(2023, 11, 1), dt.date(2024, 4, 30)),
                4,
                job_between=(dt.date(2024, 1, 1), dt.date(2024, 6, 30)),
            )
        for _ in range(60):  # registered in the half-year, not yet on the job
            self._journey(
                jinghang,
                numbers,
                postings,
                self.day_in(dt.date(2024, 1, 1), dt.date(2024, 6, 30)),
                2,
                intent_until=dt.date(2024, 6, 30),
            )

    def _journey(
        self,
        c: Community,
        numbers: dict,
        postings: dict,
        day: dt.date,
        steps: int,
        intent_until: dt.date | None = None,
        job_between: tuple[dt.date, dt.date] | None = None,
    ) -> None:
        """One person's records from registration to (at most) the job, dated in order."""
        name, id_number, phone = self.person_name(c.name, unique=True), self.id_number(c.area), self.phone()
        group = self.pick(GROUPS)
        posting = self.pick(postings.get(c.name, [None]))
        stages = ["求职登记", "达成意向", "已录用", "已上岗"][: int(steps)]
        for k, stage in enumerate(stages):
            if stage == "达成意向" and intent_until:
                day = min(day + dt.timedelta(days=int(self.rng.integers(1, 10))), intent_until)
            elif stage == "已上岗" and job_between:
                day = self.day_in(max(day + dt.timedelta(days=1), job_between[0]), job_between[1])
            elif k:
                day = day + dt.timedelta(days=int(self.rng.integers(2, 20)))
            if day > END:
                break
            numbers[c.name] = numbers.get(c.name, 0) + 1
            self.ledgers.job_seekers.append(
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

    def events_and_trainings(self) -> None:
        kinds = ["招聘会", "创业沙龙", "座谈会", "培训班", "政策宣讲", "志愿服务", "文体活动"]
        for c in self.communities:
            number = 0
            for first, last in self.months():
                for _ in range(int(self.rng.poisson(3))):
                    kind = self.pick(kinds)
                    if c.name == "永安社区" and first.year == 2022 and kind in ("创业沙龙", "座谈会"):
                        kind = "志愿服务"  # 永安's 2022 salons and forums are planted below
                    number += 1
                    self._event(c, number, kind, self.day_in(first, last))
        yongan = self.by_name["永安社区"]
        self._event(yongan, 901, "座谈会", dt.date(2022, 10, 20), "“就业创业 正青春”交流座谈会", 60)
        self._event(yongan, 902, "创业沙龙", dt.date(2022, 5, 18), "青年创业联盟沙龙", 35)
        self._event(yongan, 903, "创业沙龙", dt.date(2022, 8, 24), "巾帼家政创业分享会", 28)
        for c in self.communities:
            for number, start in enumerate(sorted(self.day_in(START, END) for _ in range(8)), start=1):
                course = self.pick(COURSES)
                if (
                    c.name == "永安社区"
                    and course == "家政服务"
                    and dt.date(2021, 10, 1) <= start <= dt.date(2022, 12, 31)
                ):
                    course = "育婴员"
                self._training(c, number, course, start, int(self.rng.integers(15, 60)))
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
            self._training(yongan, number, "家政服务", start, trainees)  # 247 in 2021-10..2022-12

    def _event(
        self,
        c: Community,
        number: int,
        kind: str,
        day: dt.date,
        title: str | None = None,
        participants: int | None = None,
    ) -> None:
        self.ledgers.events.append(
            {
                "event_id": f"HD{c.code[-6:]}{number:04d}",
                "community": c.name,
                "kind": kind,
                "title": title or f"{c.alias}{kind}",
                "date": day,
                "participants": participants or int(self.rng.integers(15, 120)),
            }
        )

    def _training(self, c: Community, number: int, course: str, start: dt.date, trainees: int) -> None:
        certified = int(trainees * self.rng.uniform(0.7, 0.95))
        self.ledgers.trainings.append(
            {
                "training_id": f"PX{c.code[-6:]}{number:03d}",
                "community": c.name,
                "course": course,
                "start_date": start,
                "trainees": trainees,
                "certified": certified,
                "employed": int(certified * self.rng.uniform(0.6, 0.95)),
            }
        )

    def campaigns(self) -> None:
        year = (dt.date(2024, 1, 1), dt.date(2024, 12, 31))
        rows = [
            ("南风花园社区", "强圈优社", "合作商铺", "家", 20, 23, None, (dt.date(2024, 3, 1), year[1])),
            ("南风花园社区", "强圈优社", "商圈公益活动", "场", 12, 9, None, (dt.date(2024, 3, 1), year[1])),
            ("古桥社区", "盟友聚力", "爱心联盟商家", "家", 30, 32, None, year),
            ("古桥社区", "盟友聚力", "志愿服务任务", "件", 150, None, "tasks.published", year),
            ("京杭佳苑社区", "创业就业", "实现就业", "人", 600, None, "jobs.placements", year),
            ("京杭佳苑社区", "创业就业", "发布就业信息", "条", 90, None, "jobs.postings", year),
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
            self.ledgers.campaigns.append(
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

    def points(self) -> None:
        for c in self.communities:
            residents = [self.person_name(c.name, unique=True) for _ in range(int(c.households / 25))]
            number = 0
            for first, last in self.months():
                if first.year < 2023:
                    continue  # the points market opened in 2023
                for _ in range(int(self.rng.poisson(40 * c.households / 3500))):
                    number += 1
                    day = self.day_in(first, last)
                    reason = self.rng.choice(
                        ["志愿服务", "缴纳物业费", "爱心捐赠", "参加活动", "不文明行为", "积分兑换"],
                        p=[0.35, 0.15, 0.1, 0.25, 0.03, 0.12],
                    )
                    in_window = dt.date(2024, 4, 1) <= day <= dt.date(2024, 6, 10)
                    if c.name == "滨湖社区" and reason == "积分兑换" and in_window:
                        reason = "参加活动"  # 滨湖's redemptions in that window are planted below
                    self._points(c, number, self.pick(residents), day, str(reason))
            if c.name == "滨湖社区":
                for person in self.rng.choice(residents, 56, replace=False):
                    number += 1
                    self._points(
                        c, number, str(person), self.day_in(dt.date(2024, 4, 1), dt.date(2024, 6, 10)), "积分兑换"
                    )

    def _points(self, c: Community, number: int, person: str, day: dt.date, reason: str) -> None:
        points = {"志愿服务": 10, "缴纳物业费": 5, "爱心捐赠": 8, "参加活动": 3, "不文明行为": -10}.get(reason)
        item = None
        if reason == "积分兑换":
            item, cost = self.pick([("洗衣液", 20), ("大米", 30), ("食用油", 40), ("毛巾", 10)])
            points = -cost
        self.ledgers.points.append(
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


def boundary_collections(generator: Generator) -> tuple[dict, dict]:
    """GeoJSON FeatureCollections (WGS-84) of the community blocks and grid cells of ``layout()``."""

    def feature(bbox: tuple[float, float, float, float], properties: dict) -> dict:
        west, south, east, north = bbox
        ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
        return {"type": "Feature", "properties": properties, "geometry": {"type": "Polygon", "coordinates": [ring]}}

    communities = [feature(c.bbox, {"社区编码": c.code, "社区名称": c.name}) for c in generator.communities]
    grids = [
        feature(g["cell"], {"网格编码": g["grid_id"], "网格名称": g["name"]})
        for c in generator.communities
        for g in c.grids
    ]
    return ({"type": "FeatureCollection", "features": communities}, {"type": "FeatureCollection", "features": grids})


# ---------------------------------------------------------------------------------------------
# Writing the ledgers the way offices keep them

HEADERS = {  # field -> header as this office writes it (synonyms on purpose)
    "communities": {
        "community_id": "社区代码",
        "name": "社区名称",
        "street": "所属街道",
        "households": "户数",
        "population": "常住人口",
        "kind": "社区类型",
        "aliases": "简称",
    },
    "grids": {
        "grid_id": "网格编码",
        "name": "网格名称",
        "community": "所属社区",
        "households": "网格户数",
        "population": "人口",
        "leader": "网格长",
        "full_time_staff": "专职网格员数",
        "part_time_staff": "兼职网格员",
        "party_group": "党小组",
    },
    "tasks": {
        "task_id": "任务编号",
        "community": "所属社区",
        "grid_id": "网格编码",
        "category": "任务类别",
        "title": "任务内容",
        "source": "任务来源",
        "published_at": "发布时间",
        "deadline": "办理时限",
        "status": "状态",
        "closed_at": "办结时间",
        "satisfaction": "满意度",
        "lon": "经度",
        "lat": "纬度",
    },
    "task_claims": {
        "claim_id": "接单编号",
        "task_id": "任务编号",
        "person": "党员姓名",
        "member_type": "身份",
        "claimed_at": "接单时间",
        "completed_at": "完成时间",
        "hours": "服务时长（小时）",
    },
    "mediation": {
        "case_id": "案件编号",
        "community": "所属社区",
        "grid_id": "网格编码",
        "dispute_type": "纠纷类型",
        "parties": "当事人",
        "received_at": "受理时间",
        "level": "化解层级",
        "mediator": "调解组织",
        "outcome": "调解结果",
        "closed_at": "结案时间",
        "agreement": "协议形式",
        "followup": "回访情况",
    },
    "job_postings": {
        "posting_id": "信息编号",
        "community": "所属社区",
        "employer": "用人单位",
        "position": "招聘岗位",
        "vacancies": "招聘人数（人）",
        "posted_at": "发布日期",
        "channel": "发布渠道",
        "salary_min": "最低月薪",
        "salary_max": "最高月薪",
    },
    "job_seekers": {
        "record_id": "记录编号",
        "community": "所属社区",
        "person": "姓名",
        "id_number": "身份证号码",
        "phone": "联系电话",
        "group": "人员类别",
        "posting_id": "岗位编号",
        "stage": "服务阶段",
        "date": "办理日期",
    },
    "events": {
        "event_id": "活动编号",
        "community": "所属社区",
        "kind": "活动类型",
        "title": "活动名称",
        "date": "活动日期",
        "participants": "参与人数",
    },
    "trainings": {
        "training_id": "培训编号",
        "community": "所属社区",
        "course": "培训项目",
        "start_date": "开班日期",
        "trainees": "参训人数",
        "certified": "取证人数",
        "employed": "就业人数",
    },
    "campaigns": {
        "community": "所属社区",
        "campaign": "领题项目",
        "metric": "指标名称",
        "unit": "单位",
        "target": "目标值",
        "actual": "完成值",
        "metric_key": "数据来源",
        "period_start": "统计起始",
        "period_end": "统计截止",
    },
    "points": {
        "entry_id": "流水号",
        "community": "所属社区",
        "person": "居民姓名",
        "date": "日期",
        "reason": "事由",
        "points": "积分",
        "item": "兑换物品",
    },
}
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
WRITTEN_AS = {
    "已办结": ["已办结", "已办结", "办结", "已完成"],
    "满意": ["满意", "满意", "非常满意"],
    "调解成功": ["调解成功", "调解成功", "成功"],
    "网格员上报": ["网格员上报", "网格员"],
}


class Writer:
    """Turns canonical rows into cells the way a clerk types them: varied dates, synonyms, aliases."""

    def __init__(self, rng: np.random.Generator, communities: list[Community]):
        self.rng = rng
        self.alias = {c.name: c.alias for c in communities}
        self.code = {c.name: c.code for c in communities}

    def cell(self, value, date_style: str, excel: bool):
        if value is None:
            return ""
        if isinstance(value, dt.datetime | dt.date):
            return self.date(value, date_style, excel)
        if isinstance(value, str) and value in WRITTEN_AS:
            options = WRITTEN_AS[value]
            return options[int(self.rng.integers(len(options)))]
        return value

    def date(self, value: dt.date, style: str, excel: bool):
        timed = isinstance(value, dt.datetime)
        if style == "mixed":  # a ledger typed by several hands over the years
            style = ["iso", "iso", "slash", "cn", "wide"][int(self.rng.integers(5))]
        if excel and style == "cell":
            return value
        if style == "wide":  # typed with a Chinese input method left in full-width mode
            text = f"{value.year}年{value.month}月{value.day}日" + (f" {value:%H:%M}" if timed else "")
            return text.translate(FULL_WIDTH)
        text = {
            "iso": f"{value:%Y-%m-%d}",
            "slash": f"{value.year}/{value.month}/{value.day}",
            "dot": f"{value.year}.{value.month}.{value.day}",
            "cn": f"{value.year}年{value.month}月{value.day}日",
            "cell": f"{value:%Y-%m-%d}",
        }[style]
        return f"{text} {value:%H:%M}" if timed else text

    def community(self, name: str) -> str:
        choice = self.rng.random()
        return self.alias[name] if choice < 0.15 else self.code[name] if choice < 0.2 else name

    def rows(self, kind: str, records: list[dict], date_style: str, excel: bool, template: bool = False) -> list[list]:
        """The header row and the data rows; ``template`` offices use the import template's headers."""
        headers = (
            {f.name: f.header for f in load_schemas().kinds[kind].fields if f.name in HEADERS[kind]}
            if template
            else HEADERS[kind]
        )
        out = [list(headers.values())]
        for record in records:
            row = []
            for name in headers:
                value = record.get(name)
                if name == "community":
                    value = self.community(value)
                row.append(self.cell(value, date_style, excel))
            out.append(row)
        return out


def write_csv(path: Path, rows: list[list], encoding: str, title: str | None = None) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if title:
        writer.writerow([title] + [""] * (len(rows[0]) - 1))
    writer.writerows([[("" if v is None else v) for v in row] for row in rows])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue().encode(encoding))


def write_xlsx(path: Path, sheets: dict[str, tuple[list[list], str | None]]) -> None:
    """Sheets of (rows, title); a title becomes a merged first row with a blank row under it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False})
    book.set_properties({"created": FIXED_TIME, "author": "社区工作站"})
    formats = {
        "date": book.add_format({"num_format": "yyyy-mm-dd"}),
        "datetime": book.add_format({"num_format": "yyyy-mm-dd hh:mm"}),
        "header": book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1}),
        "title": book.add_format({"bold": True, "font_size": 14, "align": "center"}),
    }
    for name, (rows, title) in sheets.items():
        sheet = book.add_worksheet(name)
        r = 0
        if title:
            sheet.merge_range(0, 0, 0, len(rows[0]) - 1, title, formats["title"])
            r = 2
        for i, row in enumerate(rows):
            for col, value in enumerate(row):
                if isinstance(value, dt.datetime):
                    sheet.write_datetime(r, col, value, formats["datetime"])
                elif isinstance(value, dt.date):
                    sheet.write_datetime(r, col, dt.datetime.combine(value, dt.time()), formats["date"])
                elif value not in ("", None):
                    sheet.write(r, col, value, formats["header"] if i == 0 else None)
            r += 1
        sheet.set_column(0, len(rows[0]) - 1, 14)
        sheet.freeze_panes(r - len(rows) + 1, 0)
    book.close()


def _by(records: list[dict], key) -> dict:
    out: dict = {}
    for record in records:
        out.setdefault(key(record), []).append(record)
    return out


BAD_ROWS = [  # what the loader must reject and report, placed where no calibrated figure lives
    (
        "tasks",
        {
            "task_id": "RW-BAD-01",
            "community": "新建社区",
            "category": "便民服务",
            "source": "热线",
            "published_at": "2023-02-30",
            "status": "待接单",
        },
    ),
    (
        "tasks",
        {
            "task_id": "RW-BAD-02",
            "community": "许庄社区",
            "category": "环境卫生",
            "source": "居民来访",
            "published_at": dt.datetime(2023, 5, 6, 9, 0),
            "status": "待接单",
        },
    ),
    (
        "tasks",
        {
            "task_id": "RW-BAD-03",
            "community": "府东社区",
            "category": "安全隐患",
            "source": "网格员上报",
            "published_at": dt.datetime(2023, 6, 8, 10, 0),
            "status": "已办结",
            "closed_at": dt.datetime(2023, 6, 1, 10, 0),
        },
    ),
    (
        "mediation",
        {
            "case_id": "TJ-BAD-01",
            "community": "文苑社区",
            "dispute_type": "物业纠纷",
            "received_at": dt.datetime(2023, 3, 2, 9, 0),
            "outcome": "调解成功",
            "level": "社区",
        },
    ),
    (
        "job_seekers",
        {
            "record_id": "JY-BAD-01",
            "community": "振兴社区",
            "person": "刘建国",
            "id_number": "141181198001010010",
            "stage": "求职登记",
            "date": dt.date(2023, 4, 1),
        },
    ),
    (
        "job_postings",
        {
            "posting_id": "GW-BAD-01",
            "community": "新建社区",
            "employer": "某物流公司",
            "position": "分拣员",
            "vacancies": "若干",
            "posted_at": dt.date(2023, 7, 1),
        },
    ),
    (
        "trainings",
        {
            "training_id": "PX-BAD-01",
            "community": "府东社区",
            "course": "电工",
            "start_date": dt.date(2023, 9, 1),
            "trainees": 20,
            "certified": 25,
        },
    ),
]


def bad_rows(ledgers: Ledgers) -> list[tuple[str, dict]]:
    """``BAD_ROWS`` and a claim dated before its task was published (a 南风花园 task of 2023)."""
    task = next(t for t in ledgers.tasks if t["community"] == "南风花园社区" and t["published_at"].year == 2023)
    claimed = task["published_at"] - dt.timedelta(days=2)
    return BAD_ROWS + [
        (
            "task_claims",
            {
                "claim_id": f"JD{task['task_id'][2:]}99",
                "task_id": task["task_id"],
                "person": "欧阳明",
                "member_type": "在职党员",
                "claimed_at": claimed,
                "completed_at": claimed + dt.timedelta(hours=3),
                "hours": 2.5,
            },
        )
    ]


def write_ledgers(ledgers: Ledgers, generator: Generator, folder: Path) -> None:
    """Write every ledger into ``folder`` in the mix of forms a street's offices produce."""
    rng = generator.rng
    w = Writer(rng, generator.communities)
    for kind, record in bad_rows(ledgers):  # a clerk's slips land anywhere in a ledger
        rows = getattr(ledgers, kind)
        rows.insert(int(rng.integers(len(rows) + 1)), record)
    street_of = {c.name: c.street for c in generator.communities} | {"许庄社区": "许庄街道"}

    write_xlsx(
        folder / "社区名录.xlsx",
        {"社区名录": (w.rows("communities", ledgers.communities, "iso", True), "街道社区名录（2024年）")},
    )
    write_csv(folder / "网格名录.csv", w.rows("grids", ledgers.grids, "iso", False, template=True), "utf-8-sig")

    tasks_by = _by(ledgers.tasks, lambda r: street_of[r["community"]])
    claims_by_task = {t["task_id"]: street_of[t["community"]] for t in ledgers.tasks}
    claims_by = _by(ledgers.task_claims, lambda r: claims_by_task[r["task_id"]])
    mediation_by = _by(ledgers.mediation, lambda r: street_of[r["community"]])

    # 崇文街道: each community keeps its own task workbook, a sheet per year under a merged title;
    # the street's party service centre keeps the claims (GB18030 CSV) and the mediation ledger.
    for community, rows in _by(tasks_by["崇文街道"], lambda r: r["community"]).items():
        years = _by(rows, lambda r: r["published_at"].year if isinstance(r["published_at"], dt.datetime) else 2023)
        write_xlsx(
            folder / "崇文街道" / f"{community}任务台账.xlsx",
            {
                f"{year}年": (w.rows("tasks", rows, "cell", True), f"{community}任务台账（{year}年）")
                for year, rows in sorted(years.items())
            },
        )
    write_csv(
        folder / "崇文街道" / "党员接单记录.csv",
        w.rows("task_claims", claims_by["崇文街道"], "slash", False),
        "gb18030",
    )
    write_csv(
        folder / "崇文街道" / "矛盾纠纷调解台账.csv",
        w.rows("mediation", mediation_by["崇文街道"], "cn", False),
        "gb18030",
        title="崇文街道矛盾纠纷排查调解台账",
    )
    # 许庄街道: tasks as UTF-8 CSV with BOM (the template's headers, dates typed every which way),
    # claims and mediation as workbooks.
    write_csv(
        folder / "许庄街道" / "许庄街道任务台账.csv",
        w.rows("tasks", tasks_by["许庄街道"], "mixed", False, template=True),
        "utf-8-sig",
    )
    write_xlsx(
        folder / "许庄街道" / "接单记录.xlsx",
        {"接单记录": (w.rows("task_claims", claims_by["许庄街道"], "cell", True, template=True), None)},
    )
    write_xlsx(
        folder / "许庄街道" / "调解台账.xlsx",
        {"调解": (w.rows("mediation", mediation_by["许庄街道"], "dot", True), "许庄街道矛盾纠纷调解台账")},
    )
    # 北城街道 星河社区: one workbook holding several ledgers.
    write_xlsx(
        folder / "北城街道" / "星河社区台账汇总.xlsx",
        {
            "任务": (w.rows("tasks", tasks_by["北城街道"], "cell", True, template=True), None),
            "接单": (w.rows("task_claims", claims_by["北城街道"], "cell", True), None),
            "调解": (w.rows("mediation", mediation_by["北城街道"], "cn", True), "星河社区矛盾纠纷调解台账"),
        },
    )
    # Employment, events, trainings, campaigns and points are kept by the street's service centre.
    write_xlsx(
        folder / "就业" / "就业信息台账.xlsx",
        {"岗位信息": (w.rows("job_postings", ledgers.job_postings, "cell", True), "就业岗位信息发布台账")},
    )
    write_csv(folder / "就业" / "就业服务台账.csv", w.rows("job_seekers", ledgers.job_seekers, "iso", False), "gb18030")
    write_xlsx(
        folder / "就业" / "活动与培训.xlsx",
        {
            "活动": (w.rows("events", ledgers.events, "cell", True), "活动台账"),
            "培训": (w.rows("trainings", ledgers.trainings, "cn", True), "技能培训台账"),
        },
    )
    write_xlsx(folder / "领题攻坚指标.xlsx", {"领题攻坚": (w.rows("campaigns", ledgers.campaigns, "cell", True), None)})
    write_csv(folder / "积分台账.csv", w.rows("points", ledgers.points, "slash", False, template=True), "utf-8")
    # Boundaries, as a GIS office hands them over: GeoJSON in WGS-84, one file each.
    communities, grids = boundary_collections(generator)
    for name, collection in [("社区边界.geojson", communities), ("网格边界.geojson", grids)]:
        (folder / "边界").mkdir(parents=True, exist_ok=True)
        (folder / "边界" / name).write_text(json.dumps(collection, ensure_ascii=False), encoding="utf-8")


def generate_demo(folder: Path = DEMO_DIR, seed: int = 20221231) -> Path:
    """Write the demo ledgers into ``folder`` (cleared first) and return it."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    generator = Generator(seed)
    write_ledgers(generator.build(), generator, folder)
    return folder


def build_demo(
    db: Path | None = None, seed: int = 20221231, folder: Path = DEMO_DIR, report_dir: Path = DATA_DIR / "demo_reports"
) -> int:
    """Generate the demo ledgers and load them through the loader; returns the loader's exit code.

    The demo's bad rows are rejected on purpose; their report goes to ``report_dir``, not among the
    ledgers.
    """
    from etl.load import load_paths
    from etl.reader import REPORT_SUFFIX
    from etl.report import print_summary, write_rejected_workbooks

    console = Console(stderr=True, width=160 if not sys.stderr.isatty() else None)
    target = warehouse_path(db)
    if target.exists():
        console.print(
            f"注意：数仓 {target} 已存在，演示台账将按主键更新进去，其中原有的其他数据会保留；"
            "要得到与种子完全一致的演示数仓，请先删除该文件，或用 --db 指定一个新文件。",
            style="yellow",
        )
    generate_demo(folder, seed)
    result = load_paths([folder], db=db)
    for stale in Path(report_dir).glob(f"*{REPORT_SUFFIX}"):  # the reports of an earlier demo run
        stale.unlink()
    write_rejected_workbooks(result, report_dir)
    print_summary(result, console)
    return result.exit_code
