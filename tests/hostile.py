"""Ledgers whose text is markup: names, titles and notes that Markdown or plotly would render as
bold, colour, links, images, HTML or LaTeX, each pointing at ``example.invalid``. Loaded through the
real loader, they must show as the characters typed (tests/test_escaping.py, and in the browser
tests/browser/test_escaping.py).

One street of four communities, in November 2024 (the default period: the last day with data is
30 November): grids with and without leaders (grid checks), an overlap and a coverage gap (map
hover), overdue tasks and campaigns behind their target (需要关注), mediation, employment and events.
"""

from __future__ import annotations

from pathlib import Path

from tests.etl.test_boundaries import square, write_geojson
from tests.ledgers import write_csv

# The kinds of markup a ledger cell can carry, each as it would be typed.
MARKUP = [
    "**bold**",
    ":red[x]",
    "[link](http://example.invalid/x)",
    "![img](http://example.invalid/x.png)",
    '<a href="http://example.invalid">x</a>',
    "<img src=http://example.invalid/y.png>",
    "<b>b</b>",
    "$x^2$",
]

STREET = "<i>崇文</i>**街道**"
COMMUNITIES = {
    "H1": "![图](http://example.invalid/c1.png)一社区",
    "H2": '<a href="http://example.invalid/c2">二</a>社区',
    "H3": "**粗体**社区:red[红]$x^2$",
    "H4": "[链接](http://example.invalid/c4)<img src=http://example.invalid/c4.png><b>四</b>社区",
}
ALIASES = {"H1": "**一**", "H2": ":red[二]", "H3": "$三$", "H4": "<b>四<b>"}
GRIDS = {
    "G1": '<a href="http://example.invalid/g1">一网格</a>',
    "G2": "**二网格**:red[x]",
    "G3": "![g3](http://example.invalid/g3.png)",
    "G4": "$x^2$<b>四网格</b>",
}
LEADER = "张三丰"  # shown masked, as 张**: asterisks that Markdown would read too
TASK_TITLES = ["[link](http://example.invalid/t1)", "**任务**<img src=http://example.invalid/t2.png>", "$x^2$:red[x]"]
MEDIATORS = ['<a href="http://example.invalid/m1">调解</a>', "![m](http://example.invalid/m2.png)"]
EVENT_TITLES = ["![e](http://example.invalid/e.png)", "<b>活动</b>**粗**"]
COURSES = ["<b>培训</b>**课程**:red[x]", "[课](http://example.invalid/course)"]
EMPLOYER = "<img src=http://example.invalid/emp.png>公司"
CAMPAIGNS = [
    # (community, campaign, metric, unit, target, actual, metric_key): both behind their target.
    (
        "H1",
        "![c](http://example.invalid/camp.png)攻坚",
        '<a href="http://example.invalid/metric">指标</a>**粗**',
        "$x^2$户",
        10,
        3,
        "",
    ),
    ("H2", ":red[红]项目", "[指标](http://example.invalid/m2)", "", 95, "", "tasks.closure_rate"),
]

# Every ledger text above: none may reach a renderer as markup.
ALL_TEXT = [
    STREET,
    *COMMUNITIES.values(),
    *GRIDS.values(),
    *TASK_TITLES,
    *MEDIATORS,
    *EVENT_TITLES,
    *COURSES,
    EMPLOYER,
    *(text for c in CAMPAIGNS for text in c[1:4] if text),
]

# H1 is tiled by G1 and G2, which overlap; G3 covers half of H2 (a coverage gap); G4 is H3; H4 has no grid.
GRID_POLYGONS = {
    "G1": square(114.300, 30.600, 114.306, 30.610),
    "G2": square(114.304, 30.600, 114.310, 30.610),
    "G3": square(114.310, 30.600, 114.315, 30.610),
    "G4": square(114.320, 30.600, 114.330, 30.610),
}
COMMUNITY_POLYGONS = {
    "H1": square(114.300, 30.600, 114.310, 30.610),
    "H2": square(114.310, 30.600, 114.320, 30.610),
    "H3": square(114.320, 30.600, 114.330, 30.610),
}


def write_hostile_ledgers(folder: Path) -> list[Path]:
    """Write the ledgers and boundary files into ``folder``; returns the files."""
    folder.mkdir(parents=True, exist_ok=True)
    files = [
        write_csv(
            folder / "社区名录.csv",
            [["社区编码", "社区名称", "所属街道", "户数", "人口", "社区类型", "别名"]]
            + [[code, name, STREET, "1000", "3000", "混合", ALIASES[code]] for code, name in COMMUNITIES.items()],
        ),
        write_csv(
            folder / "网格名录.csv",
            [["网格编码", "网格名称", "所属社区", "户数", "人口", "网格长", "专职网格员数", "兼职网格员数"]]
            + [
                ["G1", GRIDS["G1"], "H1", "600", "1500", LEADER, "1", "1"],  # 超标网格
                ["G2", GRIDS["G2"], "H1", "300", "900", "", "0", "0"],  # 无网格长, 没有网格员
                ["G3", GRIDS["G3"], "H2", "400", "1000", "李四", "1", "0"],
                ["G4", GRIDS["G4"], "H3", "350", "1000", "王五", "1", "1"],
            ],
        ),
        write_csv(
            folder / "任务台账.csv",
            [["任务编号", "所属社区", "网格编码", "任务类别", "任务内容", "发布时间", "办理时限", "状态", "办结时间"]]
            + [
                ["T1", "H1", "G1", "环境卫生", TASK_TITLES[0], "2024-11-02 09:00", "2024-11-10", "办理中", ""],
                ["T2", "H1", "G2", "便民服务", TASK_TITLES[1], "2024-11-03 09:00", "", "已办结", "2024-11-04 09:00"],
                ["T3", "H2", "G3", "安全隐患", TASK_TITLES[2], "2024-11-05 09:00", "2024-11-06", "待接单", ""],
                ["T4", "H3", "G4", "便民服务", TASK_TITLES[0], "2024-11-06 09:00", "", "已办结", "2024-11-07 09:00"],
                # By alias: the alias list is ledger text too.
                ["T5", ALIASES["H4"], "", "其他", TASK_TITLES[1], "2024-11-07 09:00", "2024-11-08", "办理中", ""],
            ],
        ),
        write_csv(
            folder / "矛盾纠纷调解台账.csv",
            [
                [
                    "案件编号",
                    "所属社区",
                    "网格编码",
                    "纠纷类型",
                    "受理时间",
                    "化解层级",
                    "调解组织",
                    "调解结果",
                    "结案时间",
                ]
            ]
            + [
                ["M1", "H1", "G1", "邻里纠纷", "2024-11-05", "网格", MEDIATORS[0], "调解成功", "2024-11-08"],
                ["M2", "H2", "G3", "物业纠纷", "2024-11-06", "社区", MEDIATORS[1], "调解成功", "2024-11-09"],
                ["M3", "H3", "G4", "物业纠纷", "2024-11-07", "移交上级", MEDIATORS[1], "已移交", ""],
            ],
        ),
        write_csv(
            folder / "活动台账.csv",
            [["活动编号", "所属社区", "活动类型", "活动名称", "活动日期", "参与人数"]]
            + [
                ["E1", "H1", "座谈会", EVENT_TITLES[0], "2024-11-20", "12"],
                ["E2", "H3", "文体活动", EVENT_TITLES[1], "2024-11-30", "30"],
            ],
        ),
        write_csv(
            folder / "技能培训台账.csv",
            [["培训编号", "所属社区", "培训项目", "开班日期", "培训人数", "取证人数", "就业人数"]]
            + [
                ["P1", "H1", COURSES[0], "2024-11-12", "8", "5", "3"],
                ["P2", "H2", COURSES[1], "2024-11-13", "6", "2", "1"],
            ],
        ),
        write_csv(
            folder / "就业信息台账.csv",
            [["信息编号", "所属社区", "用人单位", "岗位名称", "招聘人数", "发布日期", "发布渠道"]]
            + [["J1", "H1", EMPLOYER, "**岗位**", "2", "2024-11-15", "招聘会"]],
        ),
        write_csv(
            folder / "领题攻坚指标.csv",
            [["所属社区", "领题项目", "指标名称", "单位", "目标值", "完成值", "数据来源", "统计起始", "统计截止"]]
            + [
                [community, campaign, metric, unit, str(target), str(actual), key, "2024-11-01", "2024-11-30"]
                for community, campaign, metric, unit, target, actual, key in CAMPAIGNS
            ],
        ),
        write_geojson(
            folder / "网格边界.geojson",
            [({"网格编码": code, "网格名称": GRIDS[code]}, g) for code, g in GRID_POLYGONS.items()],
        ),
        write_geojson(
            folder / "社区边界.geojson",
            [({"社区编码": code}, g) for code, g in COMMUNITY_POLYGONS.items()],
        ),
    ]
    return files
