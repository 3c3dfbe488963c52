"""Whom the websites process tells, and how (WS-04, WS-06).

The handler named in the application hears of the preliminary review (passed: 以短信、邮件形式
告知 — both; failed: with the reason) and of the identification code's issue (收到网站标识代码
下发通知短信或邮件), by SMS to the handler's mobile and by e-mail to the handler's mailbox. The
code itself is read under 标识管理 after logging in, so no message carries it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kernel import hookimpl

PLATFORM = "党政机关网站审核管理平台"

TEXTS = {
    "pass_preliminary": (
        "网站开办审核申请初审通过",
        "您单位的网站“{site}”开办审核/资格复核申请（申请序号{id}）已通过初审。请登录{platform}"
        "打印《关于申请对网站开办审核和资格复核的函》和《党政机关网站开办审核和资格复核申请表》，"
        "加盖单位公章，连同经办人身份证复印件等证明材料，报送至机构编制部门审核。",
    ),
    "fail_preliminary": (
        "网站开办审核申请初审未通过",
        "您单位的网站“{site}”开办审核/资格复核申请（申请序号{id}）初审未通过。原因：{reply}"
        "请登录{platform}查看审核结果，修改申请信息后重新提交。",
    ),
    "approve": (
        "网站标识代码已下发",
        "您单位的网站“{site}”（申请序号{id}）已审核通过，网站标识代码已下发。请登录{platform}，"
        "点击“网上名称管理—标识管理”获取标识代码，并粘贴到网站所有页面代码的</body>前。",
    ),
}


def messages(transition: str, subject: Mapping[str, Any], reply: str | None) -> list[dict]:
    """Both channels to the application's handler, for the steps the seed says are told."""
    subject_zh, body = TEXTS[transition]
    data = subject.get("data") or {}
    text = body.format(
        site=data.get("website_name", ""), id=subject["id"], reply=reply or "", platform=PLATFORM
    )
    out = []
    if data.get("handler_mobile"):
        out.append({"channel": "sms", "recipient": str(data["handler_mobile"])})
    if data.get("handler_email"):
        out.append({"channel": "email", "recipient": str(data["handler_email"])})
    return [{**m, "subject": subject_zh, "body": text} for m in out]


@hookimpl
def govflow_notifications(
    transition: str, subject: Mapping[str, Any], reply: str | None
) -> list[dict] | None:
    if subject.get("workflow") == "registration":
        return []  # the account is handed back in the answer; a visitor has no address yet
    if transition in TEXTS:
        return messages(transition, subject, reply)
    return None
