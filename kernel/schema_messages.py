"""Chinese and English messages for JSON Schema errors, naming the field by its title."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from jsonschema.exceptions import ValidationError

from .rules.model import Text

_TYPES = {
    "string": ("文本", "text"),
    "integer": ("整数", "a whole number"),
    "number": ("数字", "a number"),
    "boolean": ("是或否", "yes or no"),
    "object": ("对象", "an object"),
    "array": ("列表", "a list"),
    "null": ("空值", "empty"),
}

# keyword -> (zh, en); {title} is the field, {value} the keyword's value.
_TEMPLATES = {
    "enum": ("{title}的取值不在可选范围内", "{title} must be one of the listed values"),
    "const": ("{title}的取值不正确", "{title} has a value that is not allowed"),
    "pattern": ("{title}格式不正确", "{title} is not in the required format"),
    "format": ("{title}格式不正确", "{title} is not a valid {value}"),
    "maxLength": ("{title}不能超过{value}个字符", "{title} must be at most {value} characters"),
    "minLength": ("{title}至少需要{value}个字符", "{title} must be at least {value} characters"),
    "minimum": ("{title}不能小于{value}", "{title} must be at least {value}"),
    "maximum": ("{title}不能大于{value}", "{title} must be at most {value}"),
    "exclusiveMinimum": ("{title}必须大于{value}", "{title} must be more than {value}"),
    "exclusiveMaximum": ("{title}必须小于{value}", "{title} must be less than {value}"),
    "minItems": ("{title}至少需要{value}项", "{title} needs at least {value} items"),
    "maxItems": ("{title}最多{value}项", "{title} may have at most {value} items"),
    "uniqueItems": ("{title}中有重复项", "{title} contains duplicates"),
    "not": ("{title}的取值不被允许", "{title} has a value that is not allowed"),
}


TitleOf = Callable[[str], Text | None]


def describe(
    error: ValidationError, base: str, title_of: TitleOf
) -> Iterator[tuple[str, str, Text]]:
    """``(pointer, code, message)`` for each field the error is about.

    ``title_of`` names the field at a pointer as the schema author titled it, wherever the
    title was written (beside a ``$ref``, in a shared definition).
    """
    keyword = str(error.validator)
    if keyword in ("required", "dependentRequired"):
        yield from _missing(error, base, title_of)
        return
    if keyword in ("additionalProperties", "unevaluatedProperties"):
        yield from _unexpected(error, base)
        return
    title = title_of(base) or _title(error.schema, base)
    if keyword == "format":
        yield base, *_format(error, title)
        return
    if keyword == "type":
        zh, en = _types(error.validator_value)
        yield base, "schema.type", Text(f"{title.zh}应为{zh}", f"{title.en} must be {en}")
        return
    if keyword == "minLength" and error.validator_value == 1:
        yield base, "schema.required", Text(f"{title.zh}不能为空", f"{title.en} must not be empty")
        return
    zh, en = _TEMPLATES.get(keyword, ("{title}不符合要求", "{title} is not valid"))
    value = error.validator_value
    yield (
        base,
        f"schema.{keyword}",
        Text(zh.format(title=title.zh, value=value), en.format(title=title.en, value=value)),
    )


def _missing(
    error: ValidationError, base: str, title_of: TitleOf
) -> Iterator[tuple[str, str, Text]]:
    instance = error.instance if isinstance(error.instance, dict) else {}
    wanted = error.validator_value
    if error.validator == "dependentRequired":  # only what a present field depends on
        wanted = [n for trigger, deps in wanted.items() if trigger in instance for n in deps]
    properties = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
    for name in wanted:
        if name not in instance:
            pointer = f"{base}/{_escape(name)}"
            title = title_of(pointer) or _title(properties.get(name, {}), name)
            yield (
                pointer,
                "schema.required",
                Text(f"请填写{title.zh}", f"{title.en} is required"),
            )


def _unexpected(error: ValidationError, base: str) -> Iterator[tuple[str, str, Text]]:
    instance = error.instance if isinstance(error.instance, dict) else {}
    known = set(error.schema.get("properties", {}))
    for name in instance:
        if name not in known:
            yield (
                f"{base}/{_escape(name)}",
                "schema.additionalProperties",
                Text(f"不允许填写字段“{name}”", f"Field '{name}' is not allowed here"),
            )


def _format(error: ValidationError, title: Text) -> tuple[str, Text]:
    cause = error.cause
    reason = getattr(cause, "reason", None)
    if reason is not None:
        code = f"format.{error.validator_value}.{reason}"
        zh, en = cause.message_zh, cause.message_en
        if not zh.startswith(title.zh):  # "经办人手机号码：手机号码长度不正确"
            zh, en = f"{title.zh}：{zh}", f"{title.en}: {en}"
        return code, Text(zh, en)
    zh, en = _TEMPLATES["format"]
    value = error.validator_value
    return f"format.{value}", Text(
        zh.format(title=title.zh, value=value), en.format(title=title.en, value=value)
    )


def _types(value: Any) -> tuple[str, str]:
    names = [value] if isinstance(value, str) else list(value)
    pairs = [_TYPES.get(n, (n, n)) for n in names]
    return "或".join(p[0] for p in pairs), " or ".join(p[1] for p in pairs)


def _title(schema: Any, fallback: str) -> Text:
    if not isinstance(schema, dict):
        schema = {}
    name = fallback.rsplit("/", 1)[-1] or "该字段"
    zh = schema.get("title") or name
    en = schema.get("x-title-en") or (name if name != "该字段" else "This field")
    return Text(zh, en)


def _escape(name: str) -> str:
    return name.replace("~", "~0").replace("/", "~1")
