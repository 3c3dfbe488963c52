"""The single exception raised by every identifier validator, with bilingual messages.

Callers branch on the stable ``reason`` code and show ``message_zh``/``message_en`` to people,
so wording can change without breaking form logic.
"""

from __future__ import annotations

# kind -> (Chinese name, English name); used to build every message, so a new type only needs
# one line here.
KIND_NAMES: dict[str, tuple[str, str]] = {
    "uscc": ("统一社会信用代码", "unified social credit code"),
    "resident_id": ("公民身份号码", "citizen ID number"),
    "residence_permit_hmt": (
        "港澳台居民居住证号码",
        "residence permit number for Hong Kong, Macao and Taiwan residents",
    ),
    "foreign_permanent_resident_id": (
        "外国人永久居留身份证号码",
        "foreign permanent resident ID number",
    ),
    "exit_entry_permit_hk_macao": (
        "往来港澳通行证号码",
        "Exit-Entry Permit number for travelling to and from Hong Kong and Macao",
    ),
    "exit_entry_permit_taiwan": (
        "往来台湾通行证号码",
        "Exit-Entry Permit number for travelling to and from Taiwan",
    ),
    "mainland_travel_permit_hk_macao": (
        "港澳居民来往内地通行证号码",
        "Mainland Travel Permit number for Hong Kong and Macao residents",
    ),
    "mainland_travel_permit_taiwan": (
        "台湾居民来往大陆通行证号码",
        "Mainland Travel Permit number for Taiwan residents",
    ),
    "passport_foreign": ("护照号码", "passport number"),
    "mobile_cn": ("手机号码", "mobile phone number"),
    "landline_cn": ("固定电话号码", "landline number"),
    "postal_code_cn": ("邮政编码", "postal code"),
    "email": ("电子邮箱地址", "e-mail address"),
    "public_sector_domain": ("政务或公益域名", "public-sector domain name"),
    "ip_public": ("公网IP地址", "public IP address"),
    "password_a": ("密码", "password"),
    "password_b": ("密码", "password"),
    "admin_division_code": ("行政区划代码", "administrative division code"),
}

# reason -> (zh template, en template); {zh}/{en} are the kind names above.
REASON_TEMPLATES: dict[str, tuple[str, str]] = {
    "type": ("{zh}必须是文本", "The {en} must be given as text"),
    "empty": ("请填写{zh}", "The {en} is missing"),
    "length": ("{zh}长度不正确", "The {en} has the wrong length"),
    "alphabet": ("{zh}含有不允许的字符", "The {en} contains characters that are not allowed"),
    "format": ("{zh}格式不正确", "The {en} is not in the expected format"),
    "prefix": ("{zh}开头部分不正确", "The {en} starts with the wrong prefix"),
    "check-digit": ("{zh}校验位错误", "The check character of the {en} is wrong"),
    "organisation-check": (
        "{zh}中组织机构代码校验位（第17位）错误",
        "The organisation-code check character (position 17) of the {en} is wrong",
    ),
    "authority-category": (
        "{zh}的登记管理部门码与机构类别码组合无效",
        "The registration authority and organisation category of the {en} do not match",
    ),
    "region": (
        "{zh}中的行政区划代码无效",
        "The administrative division code in the {en} is invalid",
    ),
    "province": ("{zh}中的省级代码无效", "The province code in the {en} is invalid"),
    "birth-date": (
        "{zh}中的出生日期无效",
        "The birth date in the {en} is not a real date between 1900-01-01 and today",
    ),
    "country": ("{zh}中的国籍代码无效", "The nationality code in the {en} is not a known country"),
    "range": ("{zh}不在已分配的号段内", "The {en} is not in an assigned number range"),
    "local-number": (
        "{zh}的本地号码须为7至8位且不能以0或1开头",
        "The local part of the {en} must have 7 or 8 digits and not start with 0 or 1",
    ),
    "abolished": ("{zh}对应的行政区划已撤销", "The {en} belongs to a division that was abolished"),
    "suffix": (
        "{zh}必须以 .gov.cn、.政务 或 .公益 结尾",
        "The {en} must end in .gov.cn, .政务 or .公益",
    ),
    "not-public": ("{zh}不是可公开访问的地址", "The {en} is not a publicly routable address"),
    "bare-host": ("请只填写{zh}本身", "Enter the {en} only"),
    "classes": ("{zh}包含的字符类型不足", "The {en} does not mix enough kinds of characters"),
}

# (kind, reason) -> (zh, en) where the generic template would be vague or misleading.
SPECIFIC_MESSAGES: dict[tuple[str, str], tuple[str, str]] = {
    ("password_a", "length"): ("密码长度须为8至16位", "The password must have 8 to 16 characters"),
    ("password_a", "alphabet"): (
        "密码只能使用半角字母、数字和符号",
        "The password may only contain half-width letters, digits and symbols",
    ),
    ("password_a", "classes"): (
        "密码须同时包含字母和数字",
        "The password must contain both letters and digits",
    ),
    ("password_b", "length"): (
        "密码长度须为8至128位",
        "The password must have 8 to 128 characters",
    ),
    ("password_b", "alphabet"): (
        "密码只能使用半角字母、数字和符号，不能含空格",
        "The password may only contain half-width letters, digits and symbols, without spaces",
    ),
    ("password_b", "classes"): (
        "密码须包含大写字母、小写字母、数字、符号中的至少三类",
        "The password must use at least three of upper case, lower case, digits and symbols",
    ),
    ("passport_foreign", "classes"): (
        "护照号码须至少包含一位数字",
        "The passport number must contain at least one digit",
    ),
    ("email", "alphabet"): (
        "电子邮箱地址@前的部分只能使用英文字母、数字和符号",
        "The part of the e-mail address before the @ must use ASCII characters only",
    ),
    ("public_sector_domain", "alphabet"): (
        "域名含有不允许的字符；gov.cn 下的名称只能使用英文字母、数字和连字符",
        "The domain name contains characters that are not allowed; names under gov.cn use"
        " ASCII letters, digits and hyphens only",
    ),
    ("public_sector_domain", "bare-host"): (
        "请只填写域名，不要包含协议、端口、路径或结尾的点",
        "Enter the bare domain name without scheme, port, path or trailing dot",
    ),
}


def messages_for(kind: str, reason: str) -> tuple[str, str]:
    """Build the (zh, en) pair so that every raise site stays a one-liner."""
    if (kind, reason) in SPECIFIC_MESSAGES:
        return SPECIFIC_MESSAGES[(kind, reason)]
    name_zh, name_en = KIND_NAMES.get(kind, ("标识", "identifier"))
    zh_tpl, en_tpl = REASON_TEMPLATES.get(reason, REASON_TEMPLATES["format"])
    return zh_tpl.format(zh=name_zh, en=name_en), en_tpl.format(zh=name_zh, en=name_en)


class InvalidIdentifier(ValueError):
    """A user-supplied identifier was rejected.

    Subclasses ValueError so generic form code that already catches ValueError keeps working;
    ``reason`` is a stable machine code, the two messages are for display.
    """

    def __init__(
        self,
        kind: str,
        reason: str,
        message_zh: str | None = None,
        message_en: str | None = None,
    ) -> None:
        default_zh, default_en = messages_for(kind, reason)
        self.kind = kind
        self.reason = reason
        self.message_zh = message_zh or default_zh
        self.message_en = message_en or default_en
        super().__init__(self.message_en)

    def __reduce__(self) -> tuple[type, tuple[str, str, str, str]]:
        # Keeps the exception picklable (e.g. across worker processes) despite the custom __init__.
        return (type(self), (self.kind, self.reason, self.message_zh, self.message_en))

    def __repr__(self) -> str:
        return f"InvalidIdentifier(kind={self.kind!r}, reason={self.reason!r})"
