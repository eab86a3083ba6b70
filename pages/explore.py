import pandas as pd
import streamlit as st

from streetdash import charts, db, explore, saved_queries
from streetdash.app import auth, ui
from streetdash.app import explore_data as data
from streetdash.metrics import format_number
from streetdash.sqlguard import QueryError

user = auth.page_guard("explore")
st.title("数据探索")
status = db.warehouse_status()
if not status.exists:
    st.warning(f"尚未建立数仓：{status.path}" if user.is_admin else "尚未建立数仓。")
    st.stop()
f = ui.filters()
st.caption("只读：这里的任何操作都不会修改数仓；人员只显示标识（person_key）和脱敏姓名。")


def show_error(error: QueryError) -> None:
    if error.kind == "busy":  # nothing wrong with the query: it may run in a moment
        st.warning(error.message)
        return
    st.error(error.message)
    if error.detail:
        st.code(error.detail, language=None)


def number_columns(frame: pd.DataFrame, kind: str, skip: int = 1) -> dict:
    number = "percent" if kind == "rate" else "localized"
    return {c: st.column_config.NumberColumn(c, format=number) for c in frame.columns[skip:]}


relations = data.catalogue()
by_name = {r.name: r for r in relations}
browse, pivot_tab, sql_tab = st.tabs(["表浏览", "透视分析", "SQL"])

# 表浏览 ---------------------------------------------------------------------------------------------
with browse:
    overview = pd.DataFrame(
        [(r.name, r.kind, r.description, r.rows) for r in relations], columns=["名称", "类型", "说明", "行数"]
    )
    with st.expander(f"全部表和视图（{len(relations)} 个）"):
        ui.table(overview, "全部表和视图", scoped=False, hide_index=True, width="stretch")
    name = st.selectbox(
        "表或视图",
        list(by_name),
        index=list(by_name).index("stg_tasks") if "stg_tasks" in by_name else 0,
        format_func=lambda n: f"{n}（{by_name[n].kind}）· {by_name[n].description.split('：')[0]}",
        key="x_relation",
    )
    relation = by_name[name]
    st.caption(f"{relation.description} · 共 {format_number(relation.rows, 'count')} 行")
    with st.expander("列说明", expanded=False):
        ui.table(data.columns_frame(relation), f"{name}_列说明", scoped=False, hide_index=True, width="stretch")
    columns = [c.name for c in relation.columns]
    filters = []
    for i in range(2):
        left, middle, right = st.columns([2, 1, 2])
        column = left.selectbox(f"筛选列 {i + 1}", ["（不筛选）", *columns], key=f"x_filter_column_{i}")
        operator = middle.selectbox("条件", explore.OPERATORS, key=f"x_filter_op_{i}")
        value = right.text_input("值", key=f"x_filter_value_{i}", disabled=operator in ("为空", "不为空"))
        if column != "（不筛选）" and (value or operator in ("为空", "不为空")):
            filters.append(explore.Filter(column, operator, value))
    left, middle, right = st.columns([2, 1, 2])
    sort = left.selectbox("排序", ["（默认）", *columns], key="x_sort")
    descending = middle.toggle("倒序", key="x_descending")
    page = right.number_input("页码", min_value=1, value=1, step=1, key="x_page")
    try:
        shown = data.preview(relation, filters, None if sort == "（默认）" else sort, descending, int(page), 100)
    except QueryError as error:
        show_error(error)
    else:
        st.caption(
            f"符合条件 {format_number(shown.total, 'count')} 行 · 第 {shown.page} / {shown.pages} 页（每页 100 行）"
        )
        ui.table(
            explore.readable(shown.frame), f"{name}_第{shown.page}页", scoped=False, hide_index=True, width="stretch"
        )

# 透视分析 -------------------------------------------------------------------------------------------
with pivot_tab:
    ui.caption(f)
    st.caption("范围和时间取自左侧筛选；时间按各记录自己的日期（任务按发布时间，纠纷按受理时间……）。")
    datasets = explore.datasets()
    left, middle, right, last = st.columns(4)
    view = left.selectbox("数据", list(datasets), format_func=lambda v: datasets[v].title, key="x_pivot_view")
    dataset = datasets[view]
    if not dataset.date:
        st.caption(f"{dataset.title}不随时间变化：不按时间筛选。")
    labels = dataset.dimension_labels()
    rows = middle.selectbox("行", list(labels), format_func=labels.get, key=f"x_pivot_rows_{view}")
    column_options = [None, *[k for k in labels if k != rows]]
    columns_key = right.selectbox(
        "列",
        column_options,
        format_func=lambda k: "（不分列）" if k is None else labels[k],
        key=f"x_pivot_columns_{view}",
    )
    measures = dataset.measures()
    measure = last.selectbox(
        "度量", list(measures), format_func=lambda k: measures[k][0], key=f"x_pivot_measure_{view}"
    )
    left, right = st.columns([1, 3])
    filter_key = left.selectbox(
        "筛选维度",
        [None, *dataset.dimensions],
        format_func=lambda k: "（不筛选）" if k is None else labels[k],
        key=f"x_pivot_filter_{view}",
    )
    chosen = ()
    if filter_key:
        chosen = tuple(
            right.multiselect(
                "取值", data.dimension_values(view, filter_key, f), key=f"x_pivot_values_{view}_{filter_key}"
            )
        )
    spec = explore.PivotSpec(
        view,
        rows,
        columns_key,
        measure,
        f.start,
        f.end,
        f.street,
        tuple(f.communities),
        {filter_key: chosen} if filter_key and chosen else {},
    )
    result = data.pivot(spec)
    title = f"{dataset.title}：{result.measure_label}，按{result.row_label}" + (
        f"和{result.column_label}" if result.column_label else ""
    )
    if len(result.table) <= 1:
        st.info("所选范围内没有数据。")
    else:
        ui.table(
            result.table,
            f"透视_{dataset.title}_{result.measure_label}",
            hide_index=True,
            width="stretch",
            column_config=number_columns(result.table, result.format),
        )
        body = result.table[result.table[result.row_label] != explore.TOTAL].head(60)
        series = [c for c in body.columns[1:] if c != explore.TOTAL] or list(body.columns[1:])
        fig = charts.bar(
            body, result.row_label, series[:12] if len(series) > 1 else series[0], title, kind=result.format
        )
        ui.chart(fig, f"透视_{dataset.title}_{result.measure_label}")
        st.caption(
            "图表右上角的相机图标可下载 PNG（2 倍清晰度）。"
            + ("图中只画前 12 列。" if len(series) > 12 else "")
            + ("图中只画前 60 行。" if len(result.table) > 61 else "")
        )

# SQL ------------------------------------------------------------------------------------------------


def put_in_editor(sql: str) -> None:
    st.session_state.x_sql = sql
    st.session_state.pop("x_sql_result", None)


def save_current() -> None:
    try:
        saved = saved_queries.save_query(
            st.session_state.get("x_save_name", ""), st.session_state.get("x_sql", ""), owner=user.name
        )
    except ValueError as error:
        st.session_state.x_save_message = ("error", str(error))
    else:
        st.session_state.x_save_message = ("success", f"已保存「{saved.name}」。")


def ask_to_run() -> None:
    # A flag in the session, not the button's own value: a click survives the rerun through
    # dashboard.py that a page opened at its own URL makes (ui.through_entry).
    st.session_state.x_run_pending = True


def delete_saved(name: str) -> None:
    saved_queries.delete_query(name, owner=user.name)
    st.session_state.x_save_message = ("success", f"已删除「{name}」。")


with sql_tab:
    editor, schema = st.columns([3, 1])
    with schema:
        st.markdown("**表结构**")
        look = st.selectbox(
            "表或视图",
            list(by_name),
            index=list(by_name).index("stg_tasks") if "stg_tasks" in by_name else 0,
            key="x_schema_relation",
            label_visibility="collapsed",
        )
        ui.table(
            data.columns_frame(by_name[look])[["列名", "说明"]],
            f"{look}_列说明",
            scoped=False,
            hide_index=True,
            width="stretch",
            height=300,
            key="x_schema_columns",
        )
        with st.expander("指标宏与函数"):
            for macro in data.macros():
                st.markdown(f"`{macro.signature}`  \n{macro.description}")
    with editor:
        left, right = st.columns([3, 1])
        example = left.selectbox("示例查询", list(explore.EXAMPLES), key="x_example")
        right.button(
            "放入编辑框",
            on_click=put_in_editor,
            args=(explore.EXAMPLES[example],),
            key="x_use_example",
            width="stretch",
        )
        stored = saved_queries.list_queries(owner=user.name)
        if stored:
            left, middle, right = st.columns([3, 1, 1])
            picked = left.selectbox("已保存的查询", [q.name for q in stored], key="x_saved")
            sql_of = {q.name: q.sql for q in stored}
            middle.button("打开", on_click=put_in_editor, args=(sql_of[picked],), key="x_open", width="stretch")
            right.button("删除", on_click=delete_saved, args=(picked,), key="x_delete", width="stretch")
        st.text_area(
            f"SQL（一条 SELECT 语句；只读，{data.limits().describe()}）",
            key="x_sql",
            height=220,
            placeholder="SELECT * FROM community_metrics(DATE '2024-01-01', DATE '2024-12-31')",
        )
        run, name_box, save = st.columns([1, 2, 1])
        run.button("运行", type="primary", on_click=ask_to_run, key="x_run", width="stretch")
        name_box.text_input("名称", key="x_save_name", placeholder="给查询起个名称再保存", label_visibility="collapsed")
        save.button("保存", on_click=save_current, key="x_save", width="stretch")
        message = st.session_state.pop("x_save_message", None)
        if message:
            (st.success if message[0] == "success" else st.error)(message[1])
    if st.session_state.pop("x_run_pending", False):
        sql = st.session_state.get("x_sql", "")
        # The last result goes first: a session never holds two (each is within the byte limit).
        st.session_state.pop("x_sql_result", None)
        try:
            with st.spinner("正在查询……"):
                st.session_state.x_sql_result = data.run_sql(sql, auth.data_scope(), user.name)
        except QueryError as error:
            st.session_state.x_sql_result = error
            auth.record("sql", f"{sql}\n-- 未执行：{error.message}")
        else:
            auth.record("sql", f"{sql}\n-- {len(st.session_state.x_sql_result.frame)} 行")
    outcome = st.session_state.get("x_sql_result")
    if isinstance(outcome, QueryError):
        show_error(outcome)
    elif outcome is not None:
        if outcome.notice:
            st.warning(outcome.notice)
        frame = explore.readable(outcome.frame)
        st.caption(f"{format_number(len(frame), 'count')} 行 · 用时 {outcome.seconds:.2f} 秒")
        ui.table(frame, "查询结果", scoped=False, hide_index=True, width="stretch")
        numeric = [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])]
        labels = [c for c in frame.columns if c not in numeric]
        if numeric and len(frame) > 1:
            with st.expander("快速图表", expanded=True):
                left, right = st.columns(2)
                x = left.selectbox("横轴（分类）", labels or list(frame.columns), key="x_chart_x")
                y = right.multiselect("数值", numeric, default=numeric[:1], key="x_chart_y")
                head = frame.head(200)
                if y:
                    ui.chart(charts.bar(head, x, y if len(y) > 1 else y[0], "查询结果", kind="points"), "查询结果")
                if len(frame) > 200:
                    st.caption("图中只画前 200 行。")
