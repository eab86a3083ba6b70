"""The streets, their communities and the one seeded random source every topic of the demo draws from.

Every random value of the demo comes from ``World.rng``: first the topics, in the order
``build.Generator.build`` runs them, then the way the ledgers are written (``offices.write_ledgers``).
The same seed gives the same draws, so the same files; moving a draw changes every file after it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from etl.pii import ID_CHECK_CHARS, ID_WEIGHTS

START, END = dt.date(2021, 1, 1), dt.date(2024, 12, 31)
# The moment the demo's ledgers were exported and loaded ("数据截至"): nothing is done after it.
AS_OF = dt.datetime(END.year, END.month, END.day, 20, 0)

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

SURNAMES = list(
    "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢"
) + ["欧阳", "司马", "上官", "诸葛"]
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰建国志红梅丹婷宇浩然子涵欣怡佳琪俊凯瑞雪晨阳")


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
    bbox: tuple[float, float, float, float] | None = None  # west, south, east, north (WGS-84), see places.layout()


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


class World:
    """The seeded random source, the communities and the ledgers being filled; the topic modules draw
    through it (``world.rng`` and the small helpers below) and append to ``world.ledgers``."""

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
