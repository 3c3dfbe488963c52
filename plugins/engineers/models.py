"""What engineers keeps beyond the kernel's tables.

A declaration is a kernel subject owned by the individual who made it; the enterprise it was
declared to is named by the USCC in it. Everything the enterprise's pages search and every fact
the rules read about time is kept here: when the commitment letter was shown to whom, when a
declaration was reported and with which acceptance, the register of registered persons, the
expiry warnings the job writes, anomalies and appeals, and the enterprise's messages.

The ``Qualification`` and ``MarketEntity`` tables back the *local* implementations of two
outside services (the qualification register and the market regulator's names), for
development, tests and the demo only.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class CommitmentShowing(Model):
    """One time the enterprise commitment letter (企业承诺书) was shown, by the server's clock."""

    id = fields.IntField(primary_key=True)
    account = fields.ForeignKeyField("govflow.Account", related_name="engineers_showings")
    version = fields.CharField(max_length=20)
    shown_at = fields.DatetimeField()

    class Meta:
        table = "engineers_commitment_showing"


class Declaration(Model):
    """The searchable side of a declaration subject, and its report's commitment acceptance."""

    id = fields.IntField(primary_key=True)
    application = fields.OneToOneField("govflow.Application", related_name="engineers_declaration")
    declarant = fields.ForeignKeyField("govflow.Account", related_name="engineers_declarations")
    employer_uscc = fields.CharField(max_length=18, db_index=True)
    person_name = fields.CharField(max_length=50)
    id_number = fields.CharField(max_length=30)
    profession = fields.CharField(max_length=20)
    pre_registration = fields.BooleanField(default=False)
    declared_at = fields.DatetimeField()
    reported_at = fields.DatetimeField(null=True)
    #: The showing of the commitment letter the report was confirmed after, and when.
    commitment_showing = fields.ForeignKeyField(
        "engineers.CommitmentShowing", related_name="reports", null=True
    )
    commitment_confirmed_at = fields.DatetimeField(null=True)
    commitment_text_version = fields.CharField(max_length=20, null=True)
    #: 补正资质 (EN-04): the certificate number the declaration was corrected with.
    qualification_certificate_no = fields.CharField(max_length=50, null=True)
    qualification_corrected_at = fields.DatetimeField(null=True)

    class Meta:
        table = "engineers_declaration"


class Registration(Model):
    """A person registered with an enterprise (EN-05): written by the ministry's approval."""

    id = fields.IntField(primary_key=True)
    enterprise_uscc = fields.CharField(max_length=18, db_index=True)
    person = fields.ForeignKeyField(
        "govflow.Account", related_name="engineers_registrations", null=True
    )
    declaration = fields.ForeignKeyField(
        "govflow.Application", related_name="engineers_registrations", null=True
    )
    person_name = fields.CharField(max_length=50)
    id_type = fields.CharField(max_length=40)
    id_number = fields.CharField(max_length=30)
    profession = fields.CharField(max_length=20)
    certificate_no = fields.CharField(max_length=40)
    registered_on = fields.DateField()
    valid_until = fields.DateField(db_index=True)

    class Meta:
        table = "engineers_registration"


class ExpiryWarning(Model):
    """人员到期预警 (EN-06): a registration expiring within the horizon, found by the job."""

    id = fields.IntField(primary_key=True)
    registration = fields.ForeignKeyField("engineers.Registration", related_name="warnings")
    enterprise_uscc = fields.CharField(max_length=18, db_index=True)
    valid_until = fields.DateField()
    found_on = fields.DateField()

    class Meta:
        table = "engineers_expiry_warning"
        unique_together = (("registration", "valid_until"),)


class Anomaly(Model):
    """申辩管理 (EN-07): an anomaly a reviewer found that the enterprise may appeal."""

    id = fields.IntField(primary_key=True)
    enterprise_uscc = fields.CharField(max_length=18, db_index=True)
    registration = fields.ForeignKeyField(
        "engineers.Registration", related_name="anomalies", null=True
    )
    description = fields.TextField()
    found_by = fields.ForeignKeyField("govflow.Account", related_name="engineers_anomalies_found")
    found_at = fields.DatetimeField()
    #: The appeal subject the enterprise submitted for it, once it has.
    appeal = fields.ForeignKeyField(
        "govflow.Application", related_name="engineers_anomalies", null=True
    )

    class Meta:
        table = "engineers_anomaly"


class Message(Model):
    """我的消息 (EN-08): a system message to the enterprise, read or not."""

    id = fields.IntField(primary_key=True)
    enterprise_uscc = fields.CharField(max_length=18, db_index=True)
    subject = fields.ForeignKeyField(
        "govflow.Application", related_name="engineers_messages", null=True
    )
    title = fields.CharField(max_length=200)
    body = fields.TextField()
    created_at = fields.DatetimeField()
    read_at = fields.DatetimeField(null=True)

    class Meta:
        table = "engineers_message"


class Qualification(Model):
    """Local stand-in for the national qualification register (EN-04), by enterprise USCC."""

    id = fields.IntField(primary_key=True)
    uscc = fields.CharField(max_length=18, unique=True)
    certificate_no = fields.CharField(max_length=50)
    enterprise_name = fields.CharField(max_length=100)

    class Meta:
        table = "engineers_local_qualification"


class MarketEntity(Model):
    """Local stand-in for the market regulator's register of names (EN-09), by USCC."""

    id = fields.IntField(primary_key=True)
    uscc = fields.CharField(max_length=18, unique=True)
    name = fields.CharField(max_length=100)

    class Meta:
        table = "engineers_local_market_entity"
