"""Who hears of a foreignwork step (FW-09, FW-04), and how: by SMS, as the seed says.

A manual review's result goes by SMS to the mobile of the profile reviewed (seed 4.1.4: 对应
自然人手机号也将会收到审核结果的短信通知), the reasons of a rejection with it. An appeal's
rejection goes to the appeal's mobile; its approval sends the new password from the effect
(effects.appeal_approved), the only place the password exists. Other steps send nothing: the
profile page shows its state (a profile saved or verified is not news to its owner).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kernel import hookimpl

from .records import PROFILES


def _sms(recipient: Any, subject: str, body: str) -> list[dict[str, str]]:
    if not recipient:
        return [{"channel": "log", "recipient": "foreignwork", "subject": subject, "body": body}]
    return [{"channel": "sms", "recipient": str(recipient), "subject": subject, "body": body}]


@hookimpl
def govflow_notifications(
    transition: str, subject: Mapping[str, Any], owner: Mapping[str, Any], reply: str | None
) -> list[Mapping[str, str]]:
    workflow = subject["workflow"]
    if workflow in PROFILES:
        mobile = (owner.get("profile_mobiles") or {}).get(workflow) or owner.get("mobile")
        if transition == "approve":
            return _sms(mobile, "实名认证审核结果", "您的实名认证信息已通过科技部平台人工审核。")
        if transition == "reject":
            body = f"您的实名认证审核失败。原因：{reply}。请登录“我的信息”查看详情并重新上传。"
            return _sms(mobile, "实名认证审核结果", body)
        return []
    if workflow in ("appeal_natural", "appeal_legal") and transition == "reject":
        return _sms(
            owner.get("mobile"), "申诉找回密码审核结果", f"您的申诉未通过审核。原因：{reply}"
        )
    if workflow == "support_feedback" and transition == "answer":
        if owner.get("mobile"):
            return _sms(owner["mobile"], "无法找回密码反馈答复", f"{reply}")
        if owner.get("email"):
            body = f"{reply}"
            return [
                {
                    "channel": "email",
                    "recipient": owner["email"],
                    "subject": "反馈答复",
                    "body": body,
                }
            ]
    return []
