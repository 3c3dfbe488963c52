"""What the parking process keeps beyond the kernel's tables: the public board of permits.

A row is written by the grant, in the grant's own transaction, and removed by the expiry: the
board lists exactly the permits in force. Its migrations (``migrations/``) were written by
``tortoise makemigrations``; ``govflow migrate`` and the app's start apply them.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class BoardEntry(Model):
    """One permit in force, as the residents' notice board shows it (停车许可公示)."""

    id = fields.IntField(primary_key=True)
    #: The permit's number: the application granted (a kernel table, ``govflow.Application``).
    permit = fields.OneToOneField("govflow.Application", related_name=False)
    plate = fields.CharField(max_length=16)
    #: The parking zone (``110105-01``), when the application named one.
    zone = fields.CharField(max_length=16, null=True)
    posted_at = fields.DatetimeField(auto_now_add=True)
    #: The last day the permit is valid: the day after, the job ``parking.expire`` ends it.
    valid_until = fields.DateField()

    class Meta:
        table = "parking_board_entry"
