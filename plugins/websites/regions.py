"""The regions of the registration form (WS-01) and their division codes (GB/T 2260).

Reviewers' scopes and the public listing go by division code. Two areas of the form have no
province code of GB/T 2260: 中央和国家机关 is filed under ``100000`` and 新疆生产建设兵团
under ``660000``, the codes the national platforms use for them.
"""

from __future__ import annotations

AREAS: dict[str, str] = {
    "中央和国家机关": "100000",
    "北京市": "110000",
    "天津市": "120000",
    "河北省": "130000",
    "山西省": "140000",
    "内蒙古自治区": "150000",
    "辽宁省": "210000",
    "吉林省": "220000",
    "黑龙江省": "230000",
    "上海市": "310000",
    "江苏省": "320000",
    "浙江省": "330000",
    "安徽省": "340000",
    "福建省": "350000",
    "江西省": "360000",
    "山东省": "370000",
    "河南省": "410000",
    "湖北省": "420000",
    "湖南省": "430000",
    "广东省": "440000",
    "广西壮族自治区": "450000",
    "海南省": "460000",
    "重庆市": "500000",
    "四川省": "510000",
    "贵州省": "520000",
    "云南省": "530000",
    "西藏自治区": "540000",
    "陕西省": "610000",
    "甘肃省": "620000",
    "青海省": "630000",
    "宁夏回族自治区": "640000",
    "新疆维吾尔自治区": "650000",
    "新疆生产建设兵团": "660000",
}
NAMES = {code: name for name, code in AREAS.items()}


def region_code(area: object) -> str | None:
    return AREAS.get(area) if isinstance(area, str) else None


def area_of(code: str | None) -> str | None:
    """The area a division code belongs to (``110108`` → 北京市)."""
    if not code or len(code) != 6:
        return None
    return NAMES.get(code[:2] + "0000")
