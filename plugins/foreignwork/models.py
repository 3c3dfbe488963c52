"""What foreignwork keeps beyond the kernel's tables.

- ``LegacyAccount``: the register of unit accounts of the old 外国人来华工作管理服务系统 (FW-02),
  each with its legacy login name, unit and the argon2 hash of its legacy password (the old
  system's users keep their password, seed 1), and what the migration created for it.
- ``Grant``: the foreignwork side of a kernel ``Delegation`` (FW-12): the authorization
  subject it came from and whether the grantee may also maintain the unit's information.
- ``CodeProof``: that the server checked the SMS code of an appeal (FW-04) — the code itself
  lives only in the kernel's verification table, hashed.
- ``PasswordChange``: who changed a password, how and why (FW-03, FW-04); never the password.
- ``LoginImage``: a QR login image issued to an account (FW-01), stored only as a SHA-256.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class LegacyAccount(Model):
    """A unit account of the old system, as exported from it."""

    id = fields.IntField(primary_key=True)
    legacy_login_name = fields.CharField(max_length=60, unique=True)
    unit_name = fields.CharField(max_length=100)
    uscc = fields.CharField(max_length=18, null=True)
    #: argon2 of the legacy password: the migrated account logs in with it.
    password_hash = fields.CharField(max_length=200)
    #: The login name the migration decided on, and the login type (FW-02 table).
    migrated_login_name = fields.CharField(max_length=64, null=True)
    migrated_login_type = fields.CharField(max_length=20, null=True)
    #: The rule of rules/foreignwork/legacy.yaml that decided.
    decided_by = fields.CharField(max_length=100, null=True)
    migrated_account = fields.ForeignKeyField(
        "govflow.Account", related_name="legacy_accounts", null=True
    )
    migrated_at = fields.DatetimeField(null=True)

    class Meta:
        table = "foreignwork_legacy_account"


class Grant(Model):
    """One authorization given by a unit (FW-12), beside the kernel's Delegation it wrote."""

    id = fields.IntField(primary_key=True)
    delegation = fields.OneToOneField("govflow.Delegation", related_name="foreignwork_grant")
    #: The ``authorization`` subject whose ``grant`` step wrote it.
    authorization = fields.ForeignKeyField("govflow.Application", related_name="foreignwork_grants")
    manage_unit = fields.BooleanField(default=False)

    class Meta:
        table = "foreignwork_grant"


class CodeProof(Model):
    """The SMS code of an appeal was checked by the server for this mobile, at this time."""

    id = fields.IntField(primary_key=True)
    subject = fields.ForeignKeyField("govflow.Application", related_name="foreignwork_code_proofs")
    mobile = fields.CharField(max_length=20)
    verified_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "foreignwork_code_proof"


class PasswordChange(Model):
    """A password reset (by login name or appeal): whose, how, why, when — no password."""

    id = fields.IntField(primary_key=True)
    account = fields.ForeignKeyField("govflow.Account", related_name="foreignwork_password_changes")
    #: ``login_name`` (FW-03) | ``appeal`` (FW-04)
    via = fields.CharField(max_length=16)
    #: ``mobile`` | ``email`` | ``appeal``
    method = fields.CharField(max_length=16)
    reason = fields.CharField(max_length=16, null=True)
    strength = fields.CharField(max_length=8, null=True)
    at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "foreignwork_password_change"


class LoginImage(Model):
    """A QR login image of an account: only the secret's SHA-256, revoked when reissued."""

    id = fields.IntField(primary_key=True)
    account = fields.ForeignKeyField("govflow.Account", related_name="foreignwork_login_images")
    secret_sha256 = fields.CharField(max_length=64, unique=True)
    issued_at = fields.DatetimeField(auto_now_add=True)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "foreignwork_login_image"
