"""Ledgers as community workers keep them, written with openpyxl and xlwt for the tests: headers over two
and three rows under merged group cells, values merged down blocks of rows, totals, signed footers and
notes under the data, hidden sheets and option lists, ID numbers typed into number cells.

Footers carry names that appear nowhere else (``FOOTER_NAMES``): tests look for them everywhere a
load leaves something.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import xlwt

from etl.pii import ID_CHECK_CHARS, ID_WEIGHTS
from tests.ledgers import write_csv

# Names signed in footers and written in unknown columns: never to be stored, logged or echoed.
FOOTER_NAMES = ["龚自珍", "欧阳修文", "柳如是", "宗泽远", "皇甫嵩林"]


def with_check_digit(first17: str) -> str:
    total = sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS, strict=True))
    return first17 + ID_CHECK_CHARS[total % 11]


def excel_mangled_id() -> tuple[float, str]:
    """An ID number as Excel keeps it in a number cell (15 significant digits, the rest zeros), chosen so
    that the digits read back from the cell still pass the check digit: (the cell's number, those digits)."""
    for n in range(1000):
        number = float(f"110101199003{n:03d}000")
        digits = str(int(number))
        if len(digits) == 18 and with_check_digit(digits[:17]) == digits:
            return number, digits
    raise AssertionError("no mangled ID passes the check digit")


VALID_ID = with_check_digit("11010119900307757")
OTHER_ID = with_check_digit("44030119851224123")


def _put(ws, cell: str, value, merge: str | None = None) -> None:
    ws[cell] = value
    if merge:
        ws.merge_cells(merge)


def write_mediation_workbook(path: Path) -> Path:
    """调解台账.xlsx: a two-row header and a three-row header, merged data, totals and footers, a hidden
    sheet, instructions, an option list and an old sheet that lacks required columns."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "两行表头"
    _put(ws, "A1", "崇北社区矛盾纠纷调解台账（2022年）", "A1:L1")
    for col, text in zip(
        "ABCDGKL", ["序号", "案件编号", "所属社区", "纠纷类型", "受理时间", "联系人", "备注"], strict=True
    ):
        _put(ws, f"{col}3", text, f"{col}3:{col}4")
    _put(ws, "E3", "当事人", "E3:F3")
    ws["E4"], ws["F4"] = "姓名", "联系电话"
    _put(ws, "H3", "调处情况", "H3:J3")
    ws["H4"], ws["I4"], ws["J4"] = "化解层级", "调解结果", "结案时间"
    data = [
        # 序号, 编号, 社区, 类型, 当事人, 电话, 受理, 层级, 结果, 结案, 联系人, 备注
        [1, "M201", "崇北", "邻里纠纷", "王大锤、李小花", "13800000001", dt.datetime(2022, 3, 1, 9, 30), "网格",
         "调解成功", dt.datetime(2022, 3, 5), FOOTER_NAMES[3], "已回访"],
        [2, "M202", None, "物业纠纷", "赵四海", None, None, "社区", "调解成功", dt.datetime(2022, 3, 9), None, None],
        [3, "M203", None, "劳动争议", "钱五", None, dt.datetime(2022, 4, 1), None, "调解中", None, None, None],
        [4, "M204", "新建", "婚姻家庭", "孙六", None, "2022-02-30", None, "调解中", None, None, None],
    ]  # fmt: skip
    for r, row in enumerate(data, start=5):
        for c, value in enumerate(row, start=1):
            if value is not None:
                ws.cell(r, c, value)
    ws.merge_cells("C5:C7")  # 崇北 for rows 5-7
    ws.merge_cells("G5:G6")  # received 2022-03-01 09:30 for rows 5-6
    _put(ws, "A9", "合计", "A9:B9")
    ws["D9"] = "4件"
    _put(ws, "A10", "备注：本表由社区人民调解委员会填写，每月5日前报街道综治中心", "A10:L10")
    ws["A11"] = f"填表人：{FOOTER_NAMES[0]}"
    ws["F11"] = f"审核人：{FOOTER_NAMES[1]}"
    ws["I11"] = "填报日期：2023年1月5日"
    ws["F12"] = FOOTER_NAMES[2]  # the signature under 审核人

    ws = wb.create_sheet("三行表头")
    _put(ws, "A1", "永安社区矛盾纠纷排查调处台账", "A1:K1")
    for col, text in zip("ABCGK", ["案件编号", "所属社区", "纠纷类型", "受理时间", "备注"], strict=True):
        _put(ws, f"{col}2", text, f"{col}2:{col}4")
    _put(ws, "D2", "当事人", "D2:F2")
    _put(ws, "D3", "基本情况", "D3:E3")
    _put(ws, "F3", "住址", "F3:F4")
    ws["D4"], ws["E4"] = "姓名", "联系电话"
    _put(ws, "H2", "调处情况", "H2:J2")
    for col, text in zip("HIJ", ["化解层级", "调解结果", "结案时间"], strict=True):
        _put(ws, f"{col}3", text, f"{col}3:{col}4")
    data = [
        [
            "M301",
            "永安",
            "邻里纠纷",
            "周七",
            "13900000002",
            "幸福里3号",
            "2022-05-01",
            "社区",
            "调解不成",
            "2022-05-10",
        ],
        ["M302", None, "物业纠纷", "吴八", None, None, "2022-05-02", "网格", "调解成功", "2022-05-03"],
        ["小计", None, "2件"],
        ["M303", "新建", "消费纠纷", "郑九", None, None, "2022-06-01", None, "调解中", None],
        ["M304", "新建", None, "冯十", None, None, "2022-06-02", "街道", "调解成功", None],
        ["总计", None, "4件"],
        [f"制表：{FOOTER_NAMES[0]}    审核：{FOOTER_NAMES[4]}"],
    ]
    for r, row in enumerate(data, start=5):
        for c, value in enumerate(row, start=1):
            if value is not None:
                ws.cell(r, c, value)
    ws.merge_cells("B5:B6")  # 永安 for rows 5-6
    ws.merge_cells("C8:C9")  # 消费纠纷 for rows 8-9

    hidden = wb.create_sheet("选项")
    hidden.append(["纠纷类型", "调解结果", "案件编号", "所属社区"])
    hidden.append(["邻里纠纷", "调解成功", "示例", "崇北"])
    hidden.sheet_state = "hidden"
    notes = wb.create_sheet("填表说明")
    notes.append(["1. 每起纠纷填写一行，案件编号不得重复。"])
    notes.append(["2. 当事人多人时用顿号分隔。"])
    options = wb.create_sheet("下拉选项")
    options.append(["纠纷类型", "化解层级", "调解结果"])
    for row in [["邻里纠纷", "网格", "调解成功"], ["物业纠纷", "社区", "调解不成"], ["婚姻家庭", "街道", "调解中"]]:
        options.append(row)
    old = wb.create_sheet("旧表")
    old.append(["案件编号", "所属社区", "当事人", "说明"])
    old.append(["M900", "崇北", "某某", "缺少纠纷类型等列"])
    wb.save(path)
    return path


def write_job_seekers_workbook(path: Path) -> Path:
    """就业服务台账.xlsx: ID and phone numbers in number cells, in exponent text, and as text; subtotals."""
    mangled, _ = excel_mangled_id()
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "求职登记"
    _put(ws, "A1", "崇文街道就业服务台账", "A1:K1")
    header = [
        "序号",
        "记录编号",
        "所属社区",
        "姓名",
        "身份证号",
        "联系电话",
        "人员类别",
        "服务阶段",
        "日期",
        "联系人",
        "备注",
    ]
    rows = [
        [1, "J1", "崇北", "陈一", VALID_ID, "13800000011", "高校毕业生", "求职登记", "2022-03-01", None, None],
        [2, "J2", "崇北", "陈二", mangled, "13800000012", "失业人员", "求职登记", "2022-03-02", None, None],
        [3, "J3", "崇北", "陈三", 4.11181199001011e17, None, "失业人员", "达成意向", "2022-03-03", None, None],
        [4, "J4", "崇北", "陈四", "1.41181E+17", None, "退役军人", "求职登记", "2022-03-04", None, None],
        [5, "J5", "崇北", "陈五", OTHER_ID, 13900000001, "妇女", "已录用", "2022-03-04", FOOTER_NAMES[3], None],
        ["小计", None, None, "5人"],
        [6, "J6", "新建", "陈六", None, None, "失业人员", "已上岗", "2022-03-05", None, "电话回访"],
        ["合  计", None, None, "6人"],
        [f"填表人：{FOOTER_NAMES[0]}", None, None, None, None, f"审核人：{FOOTER_NAMES[1]}"],
    ]  # fmt: skip
    for r, row in enumerate([header, *rows], start=2):
        for c, value in enumerate(row, start=1):
            if value is not None:
                ws.cell(r, c, value)
    wb.save(path)
    return path


def write_legacy_xls(path: Path) -> Path:
    """网格任务.xls (Excel 97-2003): a two-row header under a merged group, community and published date
    merged down blocks of rows, a total, a signed footer; an ID number in a number cell on a second sheet."""
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("任务")
    sheet.write_merge(0, 0, 0, 7, "崇北社区网格任务台账")
    for c, text in enumerate(["任务编号", "所属社区", "网格编码", "任务类别", "任务内容"]):
        sheet.write_merge(1, 2, c, c, text)
    sheet.write_merge(1, 1, 5, 7, "办理情况")
    for c, text in enumerate(["发布时间", "状态", "办结时间"], start=5):
        sheet.write(2, c, text)
    rows = [
        ["X1", "崇北", "G1", "环境卫生", "清理楼道", "2022-07-01 08:00", "已办结", "2022-07-02 10:00"],
        ["X2", None, "G2", "安全隐患", "消防通道", None, "办理中", None],
        ["X3", None, "G1", "便民服务", "代缴水费", "2022-07-03", "待接单", None],
        ["X4", "新建", "G3", "微心愿", "圆梦助学", "2022-07-04", "待接单", None],
    ]
    for r, row in enumerate(rows, start=3):
        for c, value in enumerate(row):
            if value is not None:
                sheet.write(r, c, value)
    # Merged after writing: xlwt keeps the first cell's value for a merged range.
    sheet.merge(3, 5, 1, 1)  # 崇北 for rows 4-6
    sheet.merge(3, 4, 5, 5)  # published 2022-07-01 08:00 for rows 4-5
    sheet.write_merge(7, 7, 0, 1, "合计")
    sheet.write(7, 3, "4件")
    sheet.write(8, 0, f"制表人：{FOOTER_NAMES[4]}")
    sheet.write(8, 4, "填报日期：2023-01-05")
    seekers = book.add_sheet("求职")
    for c, text in enumerate(["记录编号", "所属社区", "姓名", "身份证号", "服务阶段", "日期"]):
        seekers.write(0, c, text)
    for c, value in enumerate(["K1", "崇北", "黄一", float(VALID_ID), "求职登记", "2022-08-01"]):
        seekers.write(1, c, value)
    for c, value in enumerate(["K2", "崇北", "黄二", OTHER_ID, "求职登记", "2022-08-02"]):
        seekers.write(2, c, value)
    hidden = book.add_sheet("代码表")
    hidden.write(0, 0, "任务类别")
    hidden.write(0, 1, "状态")
    hidden.visibility = 1
    book.save(str(path))
    return path


def write_footer_csv(path: Path) -> Path:
    """任务台账.csv in GB18030: a title, a header over two rows as Excel saves merged cells (the group's
    label in its first column), totals and a signed footer."""
    rows = [
        ["任务编号", "所属社区", "任务类别", "办理情况", "", "", "序号"],
        ["", "", "", "发布时间", "状态", "办结时间", ""],
        ["C1", "崇北", "环境卫生", "2022-10-01", "已办结", "2022-10-02", "1"],
        ["C2", "崇北", "便民服务", "2022-10-02", "办理中", "", "2"],
        ["C3", "永安", "微心愿", "2022-10-03", "待接单", "", "3"],
        ["合计", "", "3件", "", "", "", ""],
        [f"填表人：{FOOTER_NAMES[0]}", "", "", f"审核人：{FOOTER_NAMES[1]}", "", "", ""],
        ["", FOOTER_NAMES[2], "", "", "", "", ""],
    ]
    return write_csv(path, rows, encoding="gb18030", title="崇北社区任务台账（10月）")


def write_exponent_csv(path: Path) -> Path:
    """求职登记.csv: an ID column Excel showed in exponent form before it was saved as CSV."""
    rows = [
        ["记录编号", "所属社区", "姓名", "身份证号", "联系电话", "服务阶段", "日期"],
        ["E1", "永安", "林一", "1.10101E+17", "1.38E+10", "求职登记", "2022-09-01"],
        ["E2", "永安", "林二", VALID_ID, "13800000021", "求职登记", "2022-09-02"],
    ]
    return write_csv(path, rows)
