"""What the websites process keeps beyond the kernel's tables.

- ``MobileConfirmation``: the handler's mobile of an application, confirmed by an SMS code the
  server checked (WS-03); the submission rules read it, the code itself is never kept here.
- ``PaperMaterial``: a stamped paper the establishment authority recorded as received (WS-05).
- ``IdentificationCode``: the 网站标识码 issued on approval (WS-06), and when the site was listed.
- ``MountCheck``: one crawl of the site looking for the code, every page with its finding.
- ``NameSystemLink``: the local account of a unit that logs in with its account of the
  online-name system (WS-01); its password stays with the name system.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

#: 《关于申请对网站开办审核和资格复核的函》, 《…申请表》, 经办人身份证复印件 (seed 第八步).
PAPER_TYPES = ("application_letter", "application_form", "handler_id_copy")


class MobileConfirmation(Model):
    """The handler's mobile of an application, confirmed with the code sent to it."""

    id = fields.IntField(primary_key=True)
    application = fields.ForeignKeyField(
        "govflow.Application", related_name="websites_mobile_confirmations"
    )
    #: The mobile in its canonical form (11 digits), as it was when the code was checked.
    mobile = fields.CharField(max_length=20)
    confirmed_at = fields.DatetimeField()

    class Meta:
        table = "websites_mobile_confirmation"


class PaperMaterial(Model):
    """A paper the establishment authority received for an application, stamped or not."""

    id = fields.IntField(primary_key=True)
    application = fields.ForeignKeyField(
        "govflow.Application", related_name="websites_paper_materials"
    )
    #: One of ``PAPER_TYPES``.
    type = fields.CharField(max_length=32)
    stamped = fields.BooleanField()
    received_at = fields.DatetimeField()
    recorded_by = fields.ForeignKeyField("govflow.Account", related_name="websites_papers_recorded")

    class Meta:
        table = "websites_paper_material"
        unique_together = (("application", "type"),)


class IdentificationCode(Model):
    """The identification code of an approved website, and ``listed_at`` once it is mounted."""

    id = fields.IntField(primary_key=True)
    application = fields.OneToOneField(
        "govflow.Application", related_name="websites_identification_code"
    )
    code = fields.CharField(max_length=16, unique=True)
    region = fields.CharField(max_length=6)
    issued_at = fields.DatetimeField()
    listed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "websites_identification_code"


class MountCheck(Model):
    """One crawl of an approved site: each page fetched and whether the code is before
    ``</body>`` on it. ``mounted`` only when the site answered, the crawl finished in its
    time and every page has it."""

    id = fields.IntField(primary_key=True)
    application = fields.ForeignKeyField(
        "govflow.Application", related_name="websites_mount_checks"
    )
    checked_at = fields.DatetimeField()
    reachable = fields.BooleanField()
    #: ``[{"url", "found", "before_body_end"}]`` in the order the pages were fetched.
    pages = fields.JSONField()
    #: The pages found but not fetched when the crawl's time bound ran out.
    pages_not_reached = fields.JSONField(default=list)
    mounted = fields.BooleanField()
    #: The account that asked (a unit, a reviewer, the system's scheduled re-check).
    checked_by = fields.ForeignKeyField("govflow.Account", related_name="websites_mount_checks")

    class Meta:
        table = "websites_mount_check"


class NameSystemLink(Model):
    """The local account made on a unit's first login with its online-name system account.

    The local account has no password (the name system checks it at every login); this row is
    how a later login finds the account, so an account name the name system holds can never
    open a local account that merely has the same username.
    """

    id = fields.IntField(primary_key=True)
    #: The account name in the online-name system (网上名称注册管理系统).
    name_system_account = fields.CharField(max_length=64, unique=True)
    account = fields.OneToOneField("govflow.Account", related_name="websites_name_system_link")
    linked_at = fields.DatetimeField()

    class Meta:
        table = "websites_name_system_link"
