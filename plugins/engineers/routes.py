"""engineers' own routes, mounted under ``/api/engineers/``.

Declarations themselves are kernel subjects (``/api/applications``: the individual creates,
saves and declares; the enterprise, as a party, reads one and answers a withdrawal; the
reviewers accept, return and decide). What the generic API does not cover is here.
"""

from __future__ import annotations

from kernel import Route, Text, hookimpl

from . import declarations, inbox, register

ENTERPRISE = ("enterprise",)
REVIEWERS = ("province_reviewer", "ministry_reviewer")


@hookimpl
def govflow_routes() -> list[Route]:
    return [
        Route("GET", "enterprise", inbox.enterprise_page,
              Text("企业基本信息", "The enterprise's basic information"), access=ENTERPRISE),
        Route("GET", "commitment", declarations.show_commitment,
              Text("显示企业承诺书", "Show the enterprise commitment letter"), access=ENTERPRISE),
        Route("GET", "declarations", declarations.list_declarations,
              Text("注册申报管理", "Declarations made to the enterprise"), access=ENTERPRISE),
        Route("POST", "declarations/report", declarations.report_batch,
              Text("批量上报", "Report declarations in batch"), access=ENTERPRISE,
              body=declarations.REPORT_BODY),
        Route("POST", "declarations/return", declarations.return_batch,
              Text("批量退回", "Return declarations in batch"), access=ENTERPRISE,
              body=declarations.RETURN_BODY),
        Route("GET", "qualification", declarations.qualification,
              Text("检测企业资质证书号", "Look up the enterprise's qualification"),
              access=ENTERPRISE),
        Route("GET", "registrations", register.list_registrations,
              Text("注册人员查询", "Persons registered with the enterprise"),
              access=ENTERPRISE + REVIEWERS),
        Route("GET", "registrations/export.csv", register.export_csv,
              Text("导出注册人员（CSV）", "Export the registered persons (CSV)"),
              access=ENTERPRISE + REVIEWERS, response_media="text/csv"),
        Route("GET", "registrations/export.xlsx", register.export_xlsx,
              Text("导出注册人员（Excel）", "Export the registered persons (Excel)"),
              access=ENTERPRISE + REVIEWERS,
              response_media="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        Route("GET", "expiry-warnings", register.list_warnings,
              Text("人员到期预警", "Registrations about to expire"),
              access=ENTERPRISE + REVIEWERS),
        Route("GET", "anomalies", inbox.list_anomalies,
              Text("申辩管理", "Anomalies to appeal"), access=ENTERPRISE),
        Route("POST", "anomalies", inbox.record_anomaly,
              Text("登记异常信息", "Record an anomaly"), access=REVIEWERS,
              body=inbox.ANOMALY_BODY, status=201),
        Route("GET", "messages", inbox.list_messages,
              Text("我的消息", "Messages"), access=ENTERPRISE),
        Route("POST", "messages/{id:[0-9]{1,9}}/read", inbox.read_message,
              Text("标记消息已读", "Mark a message read"), access=ENTERPRISE),
        Route("GET", "name-change/new", inbox.new_name_change,
              Text("新增企业名称变更", "Start a name change: both names filled in"),
              access=ENTERPRISE),
    ]  # fmt: skip
