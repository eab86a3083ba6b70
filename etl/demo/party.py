"""The fourth street (卧虎湾街道, 大同市平城区) and the party-building ledgers of every street.

Both draw from random streams of their own (``numpy`` generators seeded with ``[seed, 4]`` and
``[seed, 17]``), never from ``World.rng``: the files of the three other streets stay byte for byte what
they were. They are written into files of their own too (``卧虎湾街道/`` and ``党建/``), after the others.

Planted (the calibration rows of ``../shared/METRICS.md``): 卧虎湾街道's 2024 民生实事 list has 22 items, all
已销号 by 2024-12-31, and its organisations are 7 党总支 (one per community) and 18 党支部 and 小区党支部.
The rest is plausible and scaled down from the seeds' city figures (孝义 6,100 reporting members, 313 units,
252 compound branches; 平城 451 volunteer teams, 1,242 宝藏邻居 in 9 kinds): some forty members, a few units,
two to four compound branches, a few teams and a dozen 宝藏邻居 per community.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np

from etl.demo.places import BLOCK, _tile
from etl.demo.tasks import _task
from etl.demo.world import AS_OF, END, START, Community, Ledgers, World
from etl.demo.writer import Writer, write_csv, write_xlsx

WOHUWAN = "卧虎湾街道"
# (code, name, alias, kind, households) as in world.STREETS; the area code is 平城区's.
WOHUWAN_STREET = (
    "大同市",
    "140213",
    113.31,
    40.08,
    [
        ("140213012001", "卧虎湾一社区", "卧虎湾一", "老旧小区", 3300),
        ("140213012002", "卧虎湾二社区", "卧虎湾二", "回迁安置", 3600),
        ("140213012003", "御东社区", "御东", "商品房小区", 4000),
        ("140213012004", "恒安社区", "恒安", "混合", 2800),
        ("140213012005", "文瀛社区", "文瀛", "商品房小区", 3100),
        ("140213012006", "兴云社区", "兴云", "老旧小区", 2600),
        ("140213012007", "安泰社区", "安泰", "村改居", 2900),
    ],
)
# 18 党支部 and 小区党支部 over its 7 communities (under 7 党总支).
WOHUWAN_BRANCHES = [3, 3, 3, 2, 3, 2, 2]
WOHUWAN_PROJECTS_2024 = [
    "老旧小区屋面防水改造",
    "加装电梯",
    "背街小巷路面硬化",
    "雨污管网分流改造",
    "小区智能充电桩安装",
    "社区老年食堂",
    "便民市场提档升级",
    "口袋公园建设",
    "楼道照明改造",
    "小区监控全覆盖",
    "集中供热管网改造",
    "社区卫生服务站改造",
    "儿童托育点建设",
    "垃圾分类亭建设",
    "无障碍通道改造",
    "健身步道铺设",
    "停车位施划",
    "二次供水改造",
    "社区图书室建设",
    "消防设施更新",
    "外墙保温改造",
    "便民服务站建设",
]


class FourthStreet(World):
    """卧虎湾街道: its communities, grids, tasks and claims, from a random stream of its own."""

    def __init__(self, seed: int):
        self.rng = np.random.default_rng([seed, 4])
        self.ledgers = Ledgers()
        _, area, lon, lat, members = WOHUWAN_STREET
        self.communities = [
            Community(code, name, alias, kind, households, WOHUWAN, area, lon, lat)
            for code, name, alias, kind, households in members
        ]
        self.by_name = {c.name: c for c in self.communities}
        self.used_names = {c.name: set() for c in self.communities}
        self.used_ids: set[str] = set()

    def build(self) -> Ledgers:
        self._places()
        for c in self.communities:
            closure, number = self.rng.uniform(0.8, 0.94), 0
            for first, last in self.months():
                for _ in range(int(self.rng.poisson(6 * c.households / 3500))):
                    number += 1
                    _task(self, c, number, self.day_in(first, last), closure)
        return self.ledgers

    def _places(self) -> None:
        """The directory rows and grids (300–500 households each), tiling blocks laid out as in places.layout."""
        cols = int(np.ceil(np.sqrt(len(self.communities))))
        rows = int(np.ceil(len(self.communities) / cols))
        for i, c in enumerate(self.communities):
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
            count = max(1, round(c.households / 400))
            sizes = [c.households // count] * count
            sizes[-1] += c.households - sum(sizes)
            for number, size in enumerate(sizes, start=1):
                grid = {
                    "grid_id": f"{c.code}-{number:02d}",
                    "name": f"{c.alias}第{number}网格",
                    "community": c.name,
                    "households": size,
                    "population": int(size * self.rng.uniform(2.5, 3.2)),
                    "leader": self.person_name(c.name),
                    "full_time_staff": 1,
                    "part_time_staff": int(self.rng.integers(1, 4)),
                    "party_group": "是" if self.rng.random() < 0.7 else "否",
                }
                c.grids.append(grid)
                self.ledgers.grids.append(grid)
            row, col = divmod(i, cols)
            west = c.lon + (col - cols / 2) * BLOCK[0]
            north = c.lat + (rows / 2 - row) * BLOCK[1]
            c.bbox = (round(west, 6), round(north - BLOCK[1], 6), round(west + BLOCK[0], 6), round(north, 6))
            c.lon, c.lat = round(west + BLOCK[0] / 2, 6), round(north - BLOCK[1] / 2, 6)
            _tile(c)


# ---------------------------------------------------------------------------------------------------
# Party ledgers of every street

WORK_ORGS = [
    "市税务局机关党委",
    "市教育局机关党委",
    "区人民医院党委",
    "市供电公司党委",
    "区法院党组",
    "市第一中学党支部",
    "区住建局党支部",
]
UNIT_NAMES = {
    "机关": ["区司法局", "区民政局", "区城管局"],
    "事业单位": ["区图书馆", "区疾控中心", "区文化馆"],
    "国有企业": ["市供电公司", "市自来水公司", "市燃气公司"],
    "民营企业": ["华联物业", "鑫源建材", "众信家政"],
    "学校": ["第一小学", "第二中学", "实验幼儿园"],
    "医院": ["社区卫生服务中心", "区中医院", "口腔诊所"],
    "社会组织": ["夕阳红协会", "心理健康服务中心", "社工服务站"],
    "商户": ["便民超市", "惠民药房", "老字号面馆", "理发店", "洗衣店", "五金店"],
}
TEAM_NAMES = [
    "红马甲志愿服务队",
    "银发先锋队",
    "巾帼志愿服务队",
    "青年突击队",
    "文明劝导队",
    "助老帮扶队",
    "平安巡逻队",
]
SKILLS = ["社区治理", "矛盾调解", "家政维修", "文体艺术", "医疗健康", "法律咨询", "教育辅导", "助老助残", "其他"]
PROJECT_NAMES = {
    "民生实事": [
        "老旧小区改造",
        "加装电梯",
        "雨污分流",
        "充电桩安装",
        "老年食堂",
        "口袋公园",
        "楼道照明",
        "二次供水改造",
    ],
    "居民点单": ["修补破损路面", "增设休闲座椅", "疏通下水管道", "更换单元门禁", "清理楼顶杂物"],
    "社区合伙人": ["四点半课堂", "共享工具屋", "邻里厨房"],
    "共建项目": ["共建文化长廊", "义诊进社区", "法律服务进小区", "结对帮扶困难户"],
    "微心愿": ["为独居老人配助行器", "为留守儿童送学习用品", "为困难家庭修缮门窗"],
}
PROJECT_BAD_ROWS = [  # what the loader must reject, where no calibrated figure lives
    (
        "projects",
        {
            "project_id": "XM-BAD-01",
            "community": "古桥社区",
            "name": "增设休闲座椅",
            "source": "居民点单",
            "planned_end": dt.date(2023, 6, 30),
            "status": "已销号",
        },
    ),
    (
        "party_orgs",
        {
            "org_id": "DZ-BAD-01",
            "name": "星河社区第九党支部",
            "kind": "党支部",
            "parent_id": "DZ-NONE",
            "community": "星河社区",
        },
    ),
]


class PartyLedgers:
    """Draws the five party ledgers for the given communities (with their grids and the task claims)."""

    def __init__(self, seed: int, communities: list[Community], claims: list[dict], tasks: list[dict]):
        self.rng = np.random.default_rng([seed, 17])
        self.communities = communities
        self.rows: dict[str, list[dict]] = {
            k: [] for k in ("party_orgs", "party_members", "units", "projects", "volunteers")
        }
        community_of_task = {t["task_id"]: t["community"] for t in tasks}
        self.claimants: dict[str, list[str]] = {}
        for claim in claims:
            names = self.claimants.setdefault(community_of_task.get(claim["task_id"], ""), [])
            if claim["person"] not in names:
                names.append(claim["person"])
        self.helper = World.__new__(World)  # names and ID numbers through World's helpers, on this stream
        self.helper.rng = self.rng
        self.helper.used_names = {c.name: set() for c in communities}
        self.helper.used_ids = set()

    def pick(self, items: list):
        return items[int(self.rng.integers(len(items)))]

    def day(self, start: dt.date, end: dt.date) -> dt.date:
        return start + dt.timedelta(days=int(self.rng.integers(0, (end - start).days + 1)))

    def build(self) -> dict[str, list[dict]]:
        streets: dict[str, list[Community]] = {}
        for c in self.communities:
            streets.setdefault(c.street, []).append(c)
        for number, (street, members) in enumerate(streets.items(), start=1):
            root = f"DZ{number:02d}"
            self.rows["party_orgs"].append(
                {"org_id": root, "name": f"{street}党工委", "kind": "街道党工委", "established_at": dt.date(2008, 6, 1)}
            )
            for c in members:
                branches = self._orgs(c, root, street)
                self._members(c, branches)
                owners = [m["person"] for m in self.rows["party_members"] if m["community"] == c.name]
                self._units(c)
                self._projects(c, owners, street)
                self._volunteers(c)
        return self.rows

    def _orgs(self, c: Community, root: str, street: str) -> list[str]:
        """The community's organisation and its branches; returns the branches members are placed in."""
        top_kind = "党总支" if street == WOHUWAN or c.households < 3000 else "社区党委"
        top = f"DZ{c.code}"
        orgs = self.rows["party_orgs"]
        orgs.append(
            {
                "org_id": top,
                "name": f"{c.name}{'党总支' if top_kind == '党总支' else '党委'}",
                "kind": top_kind,
                "parent_id": root,
                "community": c.name,
                "members": int(self.rng.integers(80, 220)),
                "established_at": self.day(dt.date(2005, 1, 1), dt.date(2015, 12, 31)),
            }
        )
        if street == WOHUWAN:
            count = WOHUWAN_BRANCHES[[x.name for x in self.communities if x.street == WOHUWAN].index(c.name)]
            kinds = ["小区党支部" if k % 2 == 0 else "党支部" for k in range(count)]
        else:
            kinds = ["小区党支部"] * int(self.rng.integers(2, 5)) + ["党支部"]
        branches = []
        for k, kind in enumerate(kinds, start=1):
            org_id = f"{top}-{k:02d}"
            branches.append(org_id)
            orgs.append(
                {
                    "org_id": org_id,
                    "name": f"{c.alias}{'第' + str(k) + '小区' if kind == '小区党支部' else '第' + str(k)}党支部",
                    "kind": kind,
                    "parent_id": top,
                    "community": c.name,
                    "members": int(self.rng.integers(15, 60)),
                    "established_at": self.day(dt.date(2016, 1, 1), dt.date(2023, 12, 31)),
                }
            )
            if self.rng.random() < 0.5:
                orgs.append(
                    {
                        "org_id": f"{org_id}-01",
                        "name": f"{c.alias}{k}号楼栋党小组",
                        "kind": "楼栋党小组",
                        "parent_id": org_id,
                        "community": c.name,
                        "members": int(self.rng.integers(4, 12)),
                        "established_at": self.day(dt.date(2020, 1, 1), dt.date(2024, 6, 30)),
                    }
                )
        if street != WOHUWAN:  # grid branches in about half the grids (网格党支部), from 2021 on
            for g in c.grids:
                if self.rng.random() < 0.5:
                    org_id = f"{top}-W{g['grid_id'][-2:]}"
                    branches.append(org_id)
                    orgs.append(
                        {
                            "org_id": org_id,
                            "name": f"{g['name']}党支部",
                            "kind": "网格党支部",
                            "parent_id": top,
                            "community": c.name,
                            "grid_id": g["grid_id"],
                            "members": int(self.rng.integers(8, 30)),
                            "established_at": self.day(START, dt.date(2024, 10, 31)),
                        }
                    )
        return branches

    def _members(self, c: Community, branches: list[str]) -> None:
        claimants = list(self.claimants.get(c.name, []))
        area = c.area
        for k in range(int(self.rng.poisson(45 * c.households / 3500))):
            # Most reporting members take tasks too: their names are among the community's claimants.
            if claimants and self.rng.random() < 0.7:
                person = claimants.pop(int(self.rng.integers(len(claimants))))
            else:
                person = self.helper.person_name(c.name)
            reported = self.day(START, dt.date(2024, 11, 30))
            kind = self.pick(["在职党员"] * 7 + ["离退休党员"] * 2 + ["流动党员"])
            left = None
            if self.rng.random() < 0.06:
                left = min(reported + dt.timedelta(days=int(self.rng.integers(60, 700))), END)
            self.rows["party_members"].append(
                {
                    "record_id": f"BD{c.code[-6:]}{k + 1:04d}",
                    "person": person,
                    "id_number": self.helper.id_number(area) if self.rng.random() < 0.7 else None,
                    "phone": self.helper.phone() if self.rng.random() < 0.8 else None,
                    "community": c.name,
                    "grid_id": self.pick(c.grids)["grid_id"],
                    "kind": kind,
                    "org": self.pick(WORK_ORGS) if kind == "在职党员" else None,
                    "branch_id": self.pick(branches),
                    "reported_at": reported,
                    "left_at": left,
                }
            )

    def _units(self, c: Community) -> None:
        used = set()
        for k in range(int(self.rng.integers(4, 10))):
            kind = self.pick(list(UNIT_NAMES) + ["商户", "商户"])
            name = self.pick(UNIT_NAMES[kind])
            if name in used:
                continue
            used.add(name)
            self.rows["units"].append(
                {
                    "unit_id": f"GJ{c.code[-6:]}{k + 1:03d}",
                    "name": name,
                    "community": c.name,
                    "kind": kind,
                    "alliance": "是" if kind == "商户" or self.rng.random() < 0.15 else "否",
                    "needs": int(self.rng.integers(0, 7)),
                    "resources": int(self.rng.integers(1, 9)),
                    "joined_at": self.day(START, dt.date(2024, 11, 30)),
                }
            )

    def _projects(self, c: Community, owners: list[str], street: str) -> None:
        units = [u["name"] for u in self.rows["units"] if u["community"] == c.name] or [f"{c.name}居委会"]
        planted = street == WOHUWAN
        number = 0
        for year in range(START.year, END.year + 1):
            for source, names in PROJECT_NAMES.items():
                if planted and year == 2024 and source == "民生实事":
                    continue  # the street's 2024 list, planted below
                for _ in range(int(self.rng.poisson(1.2 if source == "民生实事" else 0.8))):
                    number += 1
                    self.rows["projects"].append(
                        self._project(c, f"{c.code[-6:]}{year}{number:03d}", year, source, names, units, owners)
                    )
        if planted and c is [x for x in self.communities if x.street == WOHUWAN][0]:
            for k, name in enumerate(WOHUWAN_PROJECTS_2024, start=1):
                community = self.pick([x for x in self.communities if x.street == WOHUWAN])
                started = self.day(dt.date(2024, 2, 1), dt.date(2024, 5, 31))
                planned = self.day(dt.date(2024, 9, 30), dt.date(2024, 12, 20))
                closed = min(planned + dt.timedelta(days=int(self.rng.integers(-40, 10))), dt.date(2024, 12, 28))
                self.rows["projects"].append(
                    {
                        "project_id": f"SS2024{k:03d}",
                        "community": community.name,
                        "name": name,
                        "source": "民生实事",
                        "owner_unit": self.pick(["区住建局", "区城管局", "区民政局", "区卫健局", "街道办事处"]),
                        "owner": None,
                        "started_at": started,
                        "planned_end": planned,
                        "status": "已销号",
                        "closed_at": max(closed, started),
                        "budget": round(float(self.rng.uniform(5, 300)), 1),
                    }
                )

    def _project(self, c: Community, number: str, year: int, source: str, names: list[str], units, owners) -> dict:
        started = self.day(dt.date(year, 1, 15), dt.date(year, 8, 31))
        planned = started + dt.timedelta(days=int(self.rng.integers(30, 200)))
        if source == "民生实事":  # a year's list is closed within the year
            planned = min(planned, dt.date(year, 12, 20))
        status, closed = "已销号", None
        late = self.rng.random()
        if planned > END.replace(month=11, day=30) or (planned > END - dt.timedelta(days=200) and late < 0.3):
            status = "推进中"
        elif late < 0.07:
            status = "延期"
        if status == "已销号":
            closed = min(planned + dt.timedelta(days=int(self.rng.integers(-30, 25))), END)
            closed = max(closed, started)
        return {
            "project_id": f"XM{number}",
            "community": c.name,
            "name": self.pick(names),
            "source": source,
            "owner_unit": self.pick(units) if source in ("共建项目", "民生实事") else None,
            "owner": self.pick(owners) if owners and self.rng.random() < 0.4 else None,
            "started_at": started,
            "planned_end": planned,
            "status": status,
            "closed_at": closed,
            "budget": round(float(self.rng.uniform(0.5, 80)), 1) if source == "民生实事" else None,
        }

    def _volunteers(self, c: Community) -> None:
        number = 0
        for name in [self.pick(TEAM_NAMES) for _ in range(int(self.rng.integers(2, 5)))]:
            if any(v.get("name") == name and v["community"] == c.name for v in self.rows["volunteers"]):
                continue
            number += 1
            self.rows["volunteers"].append(
                {
                    "volunteer_id": f"ZY{c.code[-6:]}{number:03d}",
                    "community": c.name,
                    "kind": "志愿服务队",
                    "name": name,
                    "person": self.helper.person_name(c.name),
                    "skill": self.pick(SKILLS[:8]),
                    "members": int(self.rng.integers(8, 60)),
                    "joined_at": self.day(START, dt.date(2024, 11, 30)),
                }
            )
        for _ in range(int(self.rng.integers(8, 20))):
            number += 1
            self.rows["volunteers"].append(
                {
                    "volunteer_id": f"ZY{c.code[-6:]}{number:03d}",
                    "community": c.name,
                    "kind": "宝藏邻居",
                    "person": self.helper.person_name(c.name),
                    "skill": self.pick(SKILLS),
                    "joined_at": self.day(START, dt.date(2024, 11, 30)),
                }
            )


def party_ledgers(seed: int, generator: World, fourth: FourthStreet) -> dict[str, list[dict]]:
    """The five party ledgers of every street (the three of ``generator`` and the fourth)."""
    communities = generator.communities + fourth.communities
    claims = generator.ledgers.task_claims + fourth.ledgers.task_claims
    tasks = generator.ledgers.tasks + fourth.ledgers.tasks
    return PartyLedgers(seed, communities, claims, tasks).build()


def write_party(generator: World, folder: Path, seed: int) -> FourthStreet:
    """Write the fourth street's ledgers and boundaries and every street's party ledgers into ``folder``."""
    fourth = FourthStreet(seed)
    street = fourth.build()
    party = party_ledgers(seed, generator, fourth)
    rng = np.random.default_rng([seed, 99])  # the writer's draws (aliases, synonyms) for these files
    w = Writer(rng, generator.communities + fourth.communities)
    for kind, record in PROJECT_BAD_ROWS:
        rows = party[kind]
        rows.insert(int(rng.integers(len(rows) + 1)), record)

    base = folder / WOHUWAN
    write_xlsx(
        base / "社区名录.xlsx",
        {"社区名录": (w.rows("communities", street.communities, "iso", True), f"{WOHUWAN}社区名录")},
    )
    write_csv(base / "网格名录.csv", w.rows("grids", street.grids, "iso", False, template=True), "utf-8-sig")
    write_xlsx(base / "任务台账.xlsx", {"任务": (w.rows("tasks", street.tasks, "cell", True, template=True), None)})
    write_csv(base / "接单记录.csv", w.rows("task_claims", street.task_claims, "slash", False), "gb18030")
    collections = {
        "社区边界.geojson": [(c.bbox, {"社区编码": c.code, "社区名称": c.name}) for c in fourth.communities],
        "网格边界.geojson": [
            (g["cell"], {"网格编码": g["grid_id"], "网格名称": g["name"]}) for c in fourth.communities for g in c.grids
        ],
    }
    for name, features in collections.items():
        (base / "边界").mkdir(parents=True, exist_ok=True)
        collection = {"type": "FeatureCollection", "features": [_feature(b, p) for b, p in features]}
        (base / "边界" / name).write_text(json.dumps(collection, ensure_ascii=False), encoding="utf-8")

    # The street party service centres' ledgers: one workbook or CSV per kind, every street in it.
    out = folder / "党建"
    write_xlsx(
        out / "党组织名录.xlsx", {"党组织": (w.rows("party_orgs", party["party_orgs"], "cell", True), "党组织名录")}
    )
    write_csv(out / "党员报到台账.csv", w.rows("party_members", party["party_members"], "cn", False), "gb18030")
    write_xlsx(out / "驻区单位共建台账.xlsx", {"共建单位": (w.rows("units", party["units"], "cell", True), None)})
    write_xlsx(
        out / "民生实事与项目清单.xlsx",
        {"项目清单": (w.rows("projects", party["projects"], "cell", True, template=True), "民生实事与项目清单")},
    )
    write_csv(
        out / "志愿服务队与宝藏邻居台账.csv", w.rows("volunteers", party["volunteers"], "iso", False), "utf-8-sig"
    )
    return fourth


def _feature(bbox: tuple[float, float, float, float], properties: dict) -> dict:
    west, south, east, north = bbox
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "Feature", "properties": properties, "geometry": {"type": "Polygon", "coordinates": [ring]}}


__all__ = ["AS_OF", "FourthStreet", "WOHUWAN", "party_ledgers", "write_party"]
