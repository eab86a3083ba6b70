"""Which office keeps which ledger in which form, and the clerks' slips (bad rows) among them."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from etl.demo.boundaries import boundary_collections
from etl.demo.world import Ledgers, World
from etl.demo.writer import Writer, write_csv, write_xlsx

# The writer draws from the generator's rng too (bad-row places, synonyms, date forms, aliases), after
# every topic: the order of the writes below is part of the byte-identical output.


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


def write_ledgers(ledgers: Ledgers, generator: World, folder: Path) -> None:
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
