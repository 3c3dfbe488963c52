from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('govflow', '0002_queue_index')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Captcha',
            fields=[
                ('id', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=32)),
                ('answer_hash', fields.CharField(max_length=64)),
                ('client', fields.CharField(max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('attempts', fields.IntField(default=0)),
            ],
            options={'table': 'captcha', 'app': 'govflow', 'pk_attr': 'id', 'table_description': "An image captcha: only a hash of the answer is kept, for one use within a few minutes."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='JobRun',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('job', fields.CharField(max_length=64)),
                ('key', fields.CharField(null=True, unique=True, max_length=160)),
                ('payload', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('run_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('claimed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('claimed_by', fields.CharField(null=True, max_length=64)),
                ('done_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('failed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('attempts', fields.IntField(default=0)),
                ('last_error', fields.TextField(null=True, unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'job_run', 'app': 'govflow', 'indexes': [Index(fields=['done_at', 'run_at'])], 'pk_attr': 'id', 'table_description': 'One run of a job of the ``system`` actor: queued by an effect, or a periodic slot.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ThrottleWindow',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('key', fields.CharField(max_length=200)),
                ('window_start', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('count', fields.IntField(default=0)),
            ],
            options={'table': 'throttle_window', 'app': 'govflow', 'unique_together': (('key', 'window_start'),), 'pk_attr': 'id', 'table_description': 'How often a key (a client address, an account, a target) acted in one time window.'},
            bases=['Model'],
        ),
    ]
