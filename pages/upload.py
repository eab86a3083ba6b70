import pandas as pd
import streamlit as st

from streetdash.app import auth, layout, ui, uploads

auth.page_guard("upload")
st.title("导入台账")
uploader = uploads.current_uploader()
st.caption(
    ui.md(f"{uploader.name}（{uploads.role_name(uploader.role)}）· 导入范围：{uploader.scope.describe()}")
    + "；范围以外社区的行不会导入。"
)

state = st.session_state
state.setdefault("upload_nonce", 0)
titles = uploads.kind_titles()

done = state.get("upload_done")
if done:
    result = done["result"]
    inserted, updated = sum(s.inserted for s in result.sheets), sum(s.updated for s in result.sheets)
    if result.committed:
        st.success(
            f"已导入：新增 {inserted:,} 行，更新 {updated:,} 行；跳过 {len([r for r in result.skipped if r.row]):,} 行，"
            f"拒绝 {len(result.rejected):,} 行（批次 {result.batch_id}）。各页面已显示新的数据。",
            icon=":material/check_circle:",
        )
    else:
        st.error("没有读到任何台账，数仓未改动。", icon=":material/error:")
    st.dataframe(uploads.sheet_table(result, done=True), hide_index=True, width="stretch", key="upload_done_sheets")
    if done["workbook"]:
        st.download_button(
            "下载被拒绝和跳过的行（Excel）",
            data=done["workbook"],
            file_name=f"被拒绝的行_{result.batch_id}.xlsx",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            icon=":material/download:",
            on_click="ignore",
            help="每行写明文件、工作表、Excel 中的行号、列和原因；改好后重新导入即可",
        )
    st.button("继续导入其他文件", key="upload_again", on_click=lambda: state.pop("upload_done", None))
    st.divider()

limit = uploads.upload_limit_mb()
layout.chinese_uploader()
files = st.file_uploader(
    f"选择台账（.xlsx、.xls、.csv）或边界文件（.geojson、.gpkg、打包成 .zip 的 Shapefile，或 .shp 与同名的 .dbf、.shx、.prj "
    f"一起选），可多选，每个文件不超过 {limit} MB",
    type=uploads.UPLOAD_TYPES,
    accept_multiple_files=True,
    key=f"upload_files_{state.upload_nonce}",
)
if not files:
    st.info(
        "选择文件后先显示预览：识别出的台账类型、哪一列对应哪个字段、将新增、更新、跳过（标题、合计、表尾）和拒绝的行；"
        "确认后才写入数仓。上传的文件只在读取时临时保存，读完即删除。",
        icon=":material/info:",
    )
    st.stop()

crs = None
if uploads.has_boundary_files(files):
    crs = st.selectbox("边界文件未声明坐标系时按", uploads.boundary_crs_options(), key="upload_crs")

key = uploads.uploads_digest(files, uploads.saved_columns(uploader), uploads.warehouse_key(), crs, repr(uploader))
cached = state.get("upload_preview")
if cached is None or cached[0] != key:
    with st.spinner("正在读取和校验（不写入数仓）……"):
        preview = uploads.preview(files, uploader, crs)
    state.upload_preview = (key, preview)
else:
    preview = cached[1]

st.subheader("预览（尚未写入）")
st.dataframe(uploads.sheet_table(preview, done=False), hide_index=True, width="stretch", key="upload_preview_sheets")

placeable = [s for s in preview.sheets if s.kind in titles and (s.columns or s.ignored_columns)]
if placeable:
    st.subheader("列的对应")
    st.caption("未识别的列不会导入。若某列其实是某个字段，可在此指定；会为本街道记住，下次导入同名的列时自动使用。")
for index, s in enumerate(placeable):
    with st.container(border=True):
        st.text(f"{s.file}" + (f"「{s.sheet}」" if s.sheet else "") + f" · {titles[s.kind]}")
        pairs = uploads.column_pairs(s)
        if pairs:
            st.dataframe(
                pd.DataFrame(pairs, columns=["文件中的列", "对应字段"]),
                hide_index=True,
                key=f"upload_columns_{index}",
            )
        if s.missing_columns:
            st.warning(f"缺少必填列：{'、'.join(s.missing_columns)}。可为下面未识别的列指定字段。")
        fields = uploads.placeable_fields(s)
        if s.ignored_columns and fields:
            options = [uploads.NOT_LOADED, *[header for _, header in fields]]
            widgets = {}
            for i, header in enumerate(s.ignored_columns):
                left, right = st.columns([2, 3])
                left.text(f"未识别的列：{header}")
                widgets[header] = f"upload_map_{index}_{i}"
                right.selectbox("对应字段", options, key=widgets[header], label_visibility="collapsed")
            # Saved by the button's callback, so that no rerun loses the click; the next run previews again.
            st.button(
                "保存列的对应并重新预览",
                key=f"upload_save_map_{index}",
                disabled=all(state.get(k, options[0]) == options[0] for k in widgets.values()),
                on_click=uploads.save_columns,
                args=(uploader, s.kind, widgets, fields),
            )
        elif s.ignored_columns:
            st.text(f"未识别的列（不导入）：{'、'.join(s.ignored_columns)}")

if preview.rejected:
    st.subheader(f"将被拒绝的行（{len(preview.rejected):,}）")
    st.caption("这些行不会导入。导入后可下载全部被拒绝的行（Excel），按原因改好后重新导入。以下为前 20 条。")
    st.dataframe(uploads.rejected_table(preview, 20), hide_index=True, width="stretch", key="upload_preview_rejected")
skipped = uploads.skipped_table(preview)
if not skipped.empty:
    st.subheader(f"跳过的行（{len(skipped):,}）")
    st.caption("合计、小计、表尾（填表人、审核人等）和备注行不是记录，不会导入；其中的姓名不会保存。")
    st.dataframe(skipped, hide_index=True, width="stretch", key="upload_preview_skipped")

readable = preview.exit_code != 2
if not readable:
    st.error("没有读到任何台账，不能导入。请检查文件格式和表头。", icon=":material/error:")
# The click is kept in session state by the button's callback: a rerun before the button is drawn (the
# sidebar's or the navigation's) would otherwise lose it.
st.button(
    "确认导入",
    type="primary",
    disabled=not readable,
    key="upload_commit",
    icon=":material/upload:",
    on_click=lambda: state.update(upload_requested=key),
)
if readable and state.pop("upload_requested", None) == key:
    stages = len({s.file for s in preview.sheets}) + sum(s.status == "ok" for s in preview.sheets) + 2
    bar = st.progress(0.0, text="准备导入")
    step = [0]

    def on_stage(text: str) -> None:
        step[0] += 1
        bar.progress(min(step[0] / stages, 0.99), text=ui.md(text))

    result = uploads.commit(files, uploader, crs, on_stage)
    bar.progress(1.0, text="完成")
    state.upload_done = {
        "result": result,
        "workbook": uploads.rejected_workbook(result) if result.rejected or result.skipped else None,
    }
    state.upload_nonce += 1
    state.pop("upload_preview", None)
    st.rerun()
