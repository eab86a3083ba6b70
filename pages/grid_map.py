import streamlit as st

from streetdash import charts, metrics, topics
from streetdash.app import auth, data, ui

auth.page_guard("grid_map")
st.title("网格地图")
f = ui.filters()
ui.caption(f)
KEYS = topics.GRIDS
ui.kpi_rows(f, KEYS)
LISTED = 50  # checks listed beside the map; all of them are in the table below

colourings = metrics.grid_level()
metric = st.selectbox(
    "地图着色指标",
    colourings,
    index=next(i for i, m in enumerate(colourings) if m.key == "grids.events_per_1000"),
    format_func=lambda m: m.label,
    key="map_metric",
    help="统计期为侧边栏所选时间；户数、网格员等名录数据不随时间变化。",
)
grids = data.grid_figures(f)
# The grid whose card is open: a click on the map, else a shared link's ?grid=.
clicked = ui.clicked_location(st.session_state.get("grid_map"))
if clicked in set(grids["grid_id"]):
    st.session_state.map_grid = clicked
    st.query_params["grid"] = clicked
selected = st.session_state.get("map_grid") or st.query_params.get("grid")
if selected not in set(grids["grid_id"]):
    if selected:  # a link's ?grid= of a grid outside the view (another community's): no card, and why
        st.warning(f"网格「{auth.literal(selected)}」不在当前范围内，没有打开它的网格卡片。", icon=":material/block:")
    selected = None

left, right = st.columns([3, 2])
with left:
    ui.chart(
        data.grid_map(f, metric.key, selected),
        "网格地图",
        empty="所选范围内的网格还没有边界：导入网格和社区边界文件（GeoJSON、Shapefile 或 GeoPackage）后即可显示地图。",
        key="grid_map",
        on_select="rerun",
        selection_mode="points",
        export_figure=lambda: data.grid_map(f, metric.key, selected, inline=True),
    )
    st.caption(
        "颜色：红色为较差、绿色为较好（中性指标颜色越深数值越大），灰色为无数值；深色粗线为社区边界，"
        "红色块为覆盖空白，紫色块为网格重叠。点击网格查看详情。"
    )
with right:
    st.subheader("网格检查")
    checks = data.breakdown("grid_check_list", f)
    if checks.empty:
        st.success("所选范围内没有发现网格问题。")
    with st.container(height=560, border=False):
        for c in checks.head(LISTED).itertuples():
            where = c.社区 if c.网格 == "—" else f"{c.社区} · {c.网格}"
            st.markdown(f":red-badge[{ui.md(c.检查项)}] **{ui.md(where)}**  \n{ui.md(c.说明)}")
        if len(checks) > LISTED:
            st.caption(f"……另有 {len(checks) - LISTED} 条，见下方「网格检查明细」。")
if len(checks):
    with st.expander(f"网格检查明细（{len(checks)} 条）"):
        ui.table(checks, "网格检查", hide_index=True, width="stretch")

if selected is not None:
    row = grids[grids["grid_id"] == selected].iloc[0]
    grid_name = row["grid"] if isinstance(row["grid"], str) and row["grid"] else selected  # a name is optional
    with st.container(border=True):
        head, close = st.columns([6, 1])
        head.subheader(ui.md(f"{grid_name}（{selected}）"))
        if close.button("关闭", key="close_grid_card"):
            st.session_state.map_grid = None
            st.query_params.pop("grid", None)
            st.rerun()
        st.caption(
            f"{ui.md(row['community'])} · 网格长 {ui.md(row['leader_masked']) or '（未填）'} · "
            f"专职网格员 {ui.format_number(row['full_time_staff'], 'count')} 人、"
            f"兼职 {ui.format_number(row['part_time_staff'], 'count')} 人 · "
            f"{ui.format_number(row['households'], 'count')} 户 {ui.format_number(row['population'], 'count')} 人"
        )
        shown = colourings
        for start in range(0, len(shown), 4):
            for column, m in zip(st.columns(4), shown[start : start + 4], strict=False):
                column.metric(
                    m.name,
                    ui.format_value(m.key, row[m.column], with_unit=m.format == "days"),
                    help=m.definition,
                )
        problems = checks[checks["网格编码"] == selected]
        if len(problems):
            st.warning(ui.md("；".join(f"{p.检查项}：{p.说明}" for p in problems.itertuples())))
        trend = data.grid_trend(f, selected).rename(
            columns={"tasks_published": "任务", "mediation_cases": "纠纷", "tasks_closure_rate": "办结率"}
        )
        ui.chart(
            charts.trend(trend, "month", ["任务", "纠纷"], "办结率", f"{grid_name}每月任务与纠纷（近12个月）"),
            f"{selected}_月度趋势",
        )
ui.definitions(KEYS + [metric.key])
