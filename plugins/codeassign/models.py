"""What codeassign keeps beyond the kernel's tables: the unit register and the login images.

Both belong to the registry authority's side of the seed: it knows each unit's certificate
(long-term or with a validity period, CA-07) and issues each unit the QR image that is its
login key (CA-02). Only a SHA-256 of an image's secret is stored: the image itself is handed
over once, when it is issued, and a lost one can only be replaced, never read back.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

#: 长期有效 / 有有效期: the two kinds of 统一社会信用代码证书 the seed tells apart.
VALIDITIES = ("long_term", "fixed")


class Unit(Model):
    """A government organ or mass organisation in the register, with its unit account."""

    id = fields.IntField(primary_key=True)
    account = fields.OneToOneField("govflow.Account", related_name="codeassign_unit")
    uscc = fields.CharField(max_length=18, unique=True)
    name = fields.CharField(max_length=100)
    #: ``long_term`` | ``fixed`` | ``None`` (not recorded yet: treated as a validity period).
    certificate_validity = fields.CharField(max_length=16, null=True)
    certificate_expires = fields.DateField(null=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "codeassign_unit"


class LoginImage(Model):
    """One issued login QR image: whose, through which channel, whether it still opens."""

    id = fields.IntField(primary_key=True)
    unit = fields.ForeignKeyField("codeassign.Unit", related_name="login_images")
    #: The request (a ``qr_request`` subject) it answered.
    request = fields.ForeignKeyField("govflow.Application", related_name="login_images")
    secret_sha256 = fields.CharField(max_length=64, unique=True)
    #: 现场领取 ``onsite`` | 交换邮寄 ``exchange_mail`` | 电子邮箱发送 ``email``.
    channel = fields.CharField(max_length=16)
    delivered_to = fields.CharField(max_length=254, null=True)
    issued_by = fields.ForeignKeyField("govflow.Account", related_name="issued_login_images")
    issued_at = fields.DatetimeField(auto_now_add=True)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "codeassign_login_image"
