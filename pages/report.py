import logging

import streamlit as st

from streetdash import export, report
from streetdash.app import auth, data, ui
from streetdash.attention import attention_items
from streetdash.db import warehouse_status, warehouse_version
from streetdash.export_office import LIBREOFFICE_MISSING, docx_bytes_to_pdf, libreoffice_path
from streetdash.filters import add_months, default_period

user = auth.page_guard("report")
st.title("报告导出")
status = warehouse_status()
if not status.exists:
    where = f"：{status.path}" if user.is_admin else ""
    st.warning(f"尚未建立数仓{where}。请先运行 `make run` 或 `python -m etl load 台账目录/`。")
    st.stop()
f = ui.filters()
streets, latest = data.scope()
st.caption("按月生成工作月报（Word）：总体情况、各项工作的图表与表格、社区排名和需要关注的事项，数字与驾驶舱一致。")

last_full, _ = default_period(latest)
months = [add_months(last_full, -i) for i in range(36)]
chosen_month = f.start.replace(day=1) if f.start.replace(day=1) in months else last_full
left, right = st.columns(2)
month = left.selectbox(
    "月份", months, index=months.index(chosen_month), format_func=lambda d: f"{d.year}年{d.month}月", key="report_month"
)
# A reader limited to some communities reports on those (all of them, or one): never the whole street.
whole = "（整个街道）" if auth.data_scope().communities is None else "（全部可查看的社区）"
options = [whole, *streets.get(f.street, [])]
default = f.communities[0] if len(f.communities) == 1 else options[0]
community = right.selectbox("范围", options, index=options.index(default), key="report_community")
community = None if community == options[0] else community
st.caption(f"街道：{ui.md(f.street)}（在左侧筛选中更换）")

wanted = (f.street, month, community, warehouse_version())
# The request is kept in session state by the button's callback: a rerun that happens before the
# button is drawn (ui.filters may rerun through dashboard.py) would otherwise lose the click.
st.button(
    "生成报告",
    type="primary",
    icon=":material/description:",
    key="report_make",
    on_click=lambda: st.session_state.update(report_requested=True),
)
if st.session_state.pop("report_requested", False):
    with st.spinner("正在生成报告（绘制图表约需数秒）……"):
        try:
            document, figures = report.monthly_report(f.street, month, community, scope=auth.data_scope())
            st.session_state.report = (wanted, document, figures)
            auth.record("report", f"{report.default_file_name(figures)}（{figures.filters.label()}，{figures.scope}）")
        except report.ReportError as error:
            st.session_state.pop("report", None)
            st.error(f"未生成报告：{error}")
        except export.ExportError as error:
            st.session_state.pop("report", None)
            # The export engine's messages name the server's browser and paths: for administrators only.
            logging.getLogger("streetdash.app").warning("report not made: %s", error)
            st.error(
                f"未生成报告：{error}" if user.is_admin else "未生成报告：绘制图表失败，请联系管理员查看服务器日志。"
            )

made = st.session_state.get("report")
if made and made[0] == wanted:
    _, document, figures = made
    name = report.default_file_name(figures).removesuffix(".docx")
    st.success(f"已生成：{ui.md(name)}")
    with st.container(horizontal=True):
        st.download_button(
            "下载 Word",
            auth.audited(lambda: document, f"{name}.docx"),
            file_name=f"{name}.docx",
            mime=report.DOCX_MIME,
            on_click="ignore",
            icon=":material/download:",
        )
        if libreoffice_path():
            st.download_button(
                "下载 PDF",
                data=auth.audited(lambda: docx_bytes_to_pdf(document, name), f"{name}.pdf"),
                file_name=f"{name}.pdf",
                mime=report.PDF_MIME,
                on_click="ignore",
                icon=":material/picture_as_pdf:",
                help="由 LibreOffice 转换，点击后约需数秒",
            )
    if not libreoffice_path():
        st.info(LIBREOFFICE_MISSING)
    st.subheader("总体情况")
    st.markdown(ui.md(report.summary(figures)))
    st.subheader("需要关注的事项")
    items = attention_items(figures.scope_communities, figures.campaigns)
    st.markdown("\n".join(f"- {ui.md(text)}" for text, _ in items) or "本月没有需要特别关注的事项。")
