"""The kernel's tables. Process-agnostic: a process's data lives in ``Application.data``.

Every change to an application bumps its ``version`` and appends one ``AuditRecord`` whose
``seq`` equals the new version, so the trail of an application has no gaps by construction
(unique ``(application, seq)``) and a stale ``If-Match`` simply finds no row to update.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

ACCOUNT_KINDS = ("unit", "natural_person", "legal_person", "visitor", "reviewer", "admin", "system")
APPLICANT_KINDS = ("unit", "natural_person", "legal_person", "visitor")


class Account(Model):
    """Someone who logs in: an applicant (unit, person, legal person), a reviewer, an admin."""

    id = fields.IntField(primary_key=True)
    username = fields.CharField(max_length=64, unique=True)
    kind = fields.CharField(max_length=20)
    display_name = fields.CharField(max_length=100)
    password_hash = fields.CharField(max_length=200)
    #: Role names the processes' transitions allow, e.g. ["unit"] or ["registry_reviewer"].
    roles = fields.JSONField(default=list)
    #: Reviewers: where they act, e.g. [{"process": "codeassign", "region": "110000"}].
    scopes = fields.JSONField(default=list)
    region = fields.CharField(max_length=12, null=True)
    #: What the account's processes know about it (unit certificate, ID type and number, ...).
    profile = fields.JSONField(default=dict)
    active = fields.BooleanField(default=True)
    failed_logins = fields.IntField(default=0)
    locked_until = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "account"


class Delegation(Model):
    """A legal person lets a natural person (its agent) act for it in named matters (FW-12)."""

    id = fields.IntField(primary_key=True)
    principal = fields.ForeignKeyField("govflow.Account", related_name="delegations_given")
    agent = fields.ForeignKeyField("govflow.Account", related_name="delegations_held")
    process = fields.CharField(max_length=64)
    matters = fields.JSONField(default=list)  # empty: every matter of the process
    main = fields.BooleanField(default=False)  # the main agent (主代办人)
    active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "delegation"


class Token(Model):
    """A bearer token, stored only as its SHA-256, valid until ``expires_at`` or logout."""

    id = fields.IntField(primary_key=True)
    account = fields.ForeignKeyField("govflow.Account", related_name="tokens")
    token_hash = fields.CharField(max_length=64, unique=True)
    login_method = fields.CharField(max_length=20, default="password")
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField()
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "token"


class Application(Model):
    """One subject moving through a process's workflow: an application, a profile, a request."""

    id = fields.IntField(primary_key=True)
    process = fields.CharField(max_length=64)
    workflow = fields.CharField(max_length=64)
    matter = fields.CharField(max_length=64, null=True)
    state = fields.CharField(max_length=64)
    data = fields.JSONField(default=dict)
    owner = fields.ForeignKeyField("govflow.Account", related_name="applications")
    region = fields.CharField(max_length=12, null=True)
    version = fields.IntField(default=1)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)
    submitted_at = fields.DatetimeField(null=True)
    #: A draft its applicant deleted before it ever left its initial state: its material is
    #: gone, the row and its audit trail stay (audit records are never deleted), and no
    #: endpoint shows it again.
    deleted_at = fields.DatetimeField(null=True)

    class Meta:
        table = "application"
        # Lists are newest first by id (keyset cursor): an applicant's by owner; a reviewer's
        # queue by process and state, its region prefix read from the rows on the way (a
        # region range inside the index would return them out of id order, to be sorted).
        indexes = (("owner_id", "id"), ("process", "state", "id"))


class AuditRecord(Model):
    """One change of an application: who, when, from, to, the reply text and the decision."""

    id = fields.IntField(primary_key=True)
    # Never deleted: a trigger (migration 0004) refuses any DELETE of an audit record, the
    # cascade from a deleted application included.
    application = fields.ForeignKeyField("govflow.Application", related_name="audit")
    seq = fields.IntField()
    actor = fields.ForeignKeyField("govflow.Account", related_name="acts")
    at = fields.DatetimeField(auto_now_add=True)
    action = fields.CharField(max_length=20)  # create | save | transition | attach | delete
    transition = fields.CharField(max_length=64, null=True)
    from_state = fields.CharField(max_length=64, null=True)
    to_state = fields.CharField(max_length=64, null=True)
    reply = fields.TextField(null=True)
    decision = fields.JSONField(null=True)

    class Meta:
        table = "audit_record"
        unique_together = (("application", "seq"),)


class Blob(Model):
    """A stored file, named by its SHA-256, written to a temporary file, then renamed."""

    sha256 = fields.CharField(max_length=64, primary_key=True)
    size = fields.IntField()
    content_type = fields.CharField(max_length=100)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "blob"


class Attachment(Model):
    """A file attached to an application, as a typed material (申请表, 身份证正面, ...)."""

    id = fields.IntField(primary_key=True)
    application = fields.ForeignKeyField("govflow.Application", related_name="attachments")
    type = fields.CharField(max_length=64)
    filename = fields.CharField(max_length=255)
    blob = fields.ForeignKeyField("govflow.Blob", related_name="attachments")
    uploaded_by = fields.ForeignKeyField("govflow.Account", related_name="uploads")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "attachment"


class OutboxMessage(Model):
    """A notification to send, written in the same transaction as the change it reports."""

    id = fields.IntField(primary_key=True)
    channel = fields.CharField(max_length=16)  # email | sms | log
    recipient = fields.CharField(max_length=254)
    subject = fields.CharField(max_length=200)
    body = fields.TextField()
    application = fields.ForeignKeyField(
        "govflow.Application", related_name="notifications", null=True
    )
    created_at = fields.DatetimeField(auto_now_add=True)
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField()
    sent_at = fields.DatetimeField(null=True)
    failed_at = fields.DatetimeField(null=True)
    last_error = fields.TextField(null=True)
    #: The body carries a secret (a verification code): blanked once sent or given up.
    secret = fields.BooleanField(default=False)

    class Meta:
        table = "outbox_message"
        indexes = (("sent_at", "failed_at", "next_attempt_at"),)


class VerificationCode(Model):
    """A 6-digit code sent to a mobile or mailbox: 5 minutes, single use, few attempts."""

    id = fields.IntField(primary_key=True)
    channel = fields.CharField(max_length=16)
    target = fields.CharField(max_length=254)
    purpose = fields.CharField(max_length=64)
    code_hash = fields.CharField(max_length=64)
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField()
    attempts = fields.IntField(default=0)
    used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "verification_code"
        indexes = (("target", "purpose", "created_at"),)


class IdempotentRequest(Model):
    """The first answer to a creating request, replayed when the client retries it."""

    id = fields.IntField(primary_key=True)
    account = fields.ForeignKeyField("govflow.Account", related_name="idempotent_requests")
    key = fields.CharField(max_length=128)
    fingerprint = fields.CharField(max_length=64)  # method, path and body
    status = fields.IntField()
    body = fields.JSONField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "idempotent_request"
        unique_together = (("account", "key"),)


class Agreement(Model):
    """That an account agreed to a text (login commitment, registration agreement), when."""

    id = fields.IntField(primary_key=True)
    account = fields.ForeignKeyField("govflow.Account", related_name="agreements")
    text_id = fields.CharField(max_length=64)
    version = fields.CharField(max_length=32)
    shown_at = fields.DatetimeField(null=True)
    agreed_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "agreement"


class JobRun(Model):
    """One run of a job of the ``system`` actor: queued by an effect, or a periodic slot.

    ``key`` is unique: a periodic slot (``job@2026-12-02T10:00``) or a caller's deduplication
    key is inserted once, whichever worker gets there first. A run is claimed by an update that
    only one worker can win (``claimed_at`` still empty, or its lease run out).
    """

    id = fields.IntField(primary_key=True)
    job = fields.CharField(max_length=64)
    key = fields.CharField(max_length=160, unique=True, null=True)
    payload = fields.JSONField(default=dict)
    run_at = fields.DatetimeField()
    claimed_at = fields.DatetimeField(null=True)
    claimed_by = fields.CharField(max_length=64, null=True)
    done_at = fields.DatetimeField(null=True)
    failed_at = fields.DatetimeField(null=True)
    attempts = fields.IntField(default=0)
    last_error = fields.TextField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "job_run"
        indexes = (("done_at", "run_at"),)


class Captcha(Model):
    """An image captcha: only a hash of the answer is kept, for one use within a few minutes."""

    id = fields.CharField(max_length=32, primary_key=True)
    answer_hash = fields.CharField(max_length=64)
    client = fields.CharField(max_length=64)
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)
    attempts = fields.IntField(default=0)

    class Meta:
        table = "captcha"


class ThrottleWindow(Model):
    """How often a key (a client address, an account, a target) acted in one time window.

    Counted with one atomic upsert, so concurrent requests in several workers cannot slip past
    the limit together.
    """

    id = fields.IntField(primary_key=True)
    key = fields.CharField(max_length=200)
    window_start = fields.DatetimeField()
    count = fields.IntField(default=0)

    class Meta:
        table = "throttle_window"
        unique_together = (("key", "window_start"),)
