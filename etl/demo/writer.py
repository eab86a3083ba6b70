"""Writing the ledgers the way offices keep them: headers, synonyms, date forms, CSV and workbooks."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import numpy as np
import xlsxwriter

from etl.demo.world import Community
from streetdash.schema import load_schemas

FIXED_TIME = dt.datetime(2024, 12, 31, 18, 0)  # workbook metadata, so files are byte-stable

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
        "mediator_person": "调解员",
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
    "party_orgs": {
        "org_id": "党组织编码",
        "name": "党组织名称",
        "kind": "组织类型",
        "parent_id": "上级党组织",
        "community": "所属社区",
        "grid_id": "网格编码",
        "members": "党员人数",
        "established_at": "成立时间",
    },
    "party_members": {
        "record_id": "报到编号",
        "person": "党员姓名",
        "id_number": "身份证号码",
        "phone": "联系电话",
        "community": "报到社区",
        "grid_id": "网格",
        "kind": "党员类型",
        "org": "工作单位党组织",
        "branch_id": "所在支部编码",
        "reported_at": "报到时间",
        "left_at": "转出日期",
    },
    "units": {
        "unit_id": "单位编码",
        "name": "共建单位",
        "community": "共建社区",
        "kind": "单位类型",
        "alliance": "是否爱心联盟商家",
        "needs": "需求清单（项）",
        "resources": "资源清单（项）",
        "joined_at": "签约日期",
    },
    "projects": {
        "project_id": "项目编号",
        "community": "所属社区",
        "name": "项目名称",
        "source": "项目来源",
        "owner_unit": "责任单位",
        "owner": "责任人",
        "started_at": "启动日期",
        "planned_end": "计划完成",
        "status": "进度",
        "closed_at": "销号日期",
        "budget": "投入资金（万元）",
    },
    "volunteers": {
        "volunteer_id": "编号",
        "community": "所属社区",
        "kind": "类别",
        "name": "队伍名称",
        "person": "姓名",
        "skill": "特长类别",
        "members": "队员人数",
        "joined_at": "登记日期",
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

    def community(self, name: str | None) -> str:
        if name is None:  # a 街道党工委 belongs to no community (no draw: the other ledgers never get here)
            return ""
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
