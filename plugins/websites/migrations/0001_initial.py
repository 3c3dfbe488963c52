from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('govflow', '0003_jobs_captcha_throttle')]

    initial = True

    operations = [
        ops.CreateModel(
            name='IdentificationCode',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('application', fields.OneToOneField('govflow.Application', source_field='application_id', db_constraint=True, to_field='id', related_name='websites_identification_code', on_delete=OnDelete.CASCADE)),
                ('code', fields.CharField(unique=True, max_length=16)),
                ('region', fields.CharField(max_length=6)),
                ('issued_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('listed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'websites_identification_code', 'app': 'websites', 'pk_attr': 'id', 'table_description': 'The identification code of an approved website, and ``listed_at`` once it is mounted.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='MobileConfirmation',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('application', fields.ForeignKeyField('govflow.Application', source_field='application_id', db_constraint=True, to_field='id', related_name='websites_mobile_confirmations', on_delete=OnDelete.CASCADE)),
                ('mobile', fields.CharField(description='The mobile in its canonical form (11 digits), as it was when the code was checked.', max_length=20)),
                ('confirmed_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'websites_mobile_confirmation', 'app': 'websites', 'pk_attr': 'id', 'table_description': "The handler's mobile of an application, confirmed with the code sent to it."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='MountCheck',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('application', fields.ForeignKeyField('govflow.Application', source_field='application_id', db_constraint=True, to_field='id', related_name='websites_mount_checks', on_delete=OnDelete.CASCADE)),
                ('checked_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('reachable', fields.BooleanField()),
                ('pages', fields.JSONField(description='``[{"url", "found", "before_body_end"}]`` in the order the pages were fetched.', encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('mounted', fields.BooleanField()),
                ('checked_by', fields.ForeignKeyField('govflow.Account', source_field='checked_by_id', description="The account that asked (a unit, a reviewer, the system's scheduled re-check).", db_constraint=True, to_field='id', related_name='websites_mount_checks', on_delete=OnDelete.CASCADE)),
            ],
            options={'table': 'websites_mount_check', 'app': 'websites', 'pk_attr': 'id', 'table_description': 'One crawl of an approved site: each page fetched and whether the code is before'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PaperMaterial',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('application', fields.ForeignKeyField('govflow.Application', source_field='application_id', db_constraint=True, to_field='id', related_name='websites_paper_materials', on_delete=OnDelete.CASCADE)),
                ('type', fields.CharField(description='One of ``PAPER_TYPES``.', max_length=32)),
                ('stamped', fields.BooleanField()),
                ('received_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('recorded_by', fields.ForeignKeyField('govflow.Account', source_field='recorded_by_id', db_constraint=True, to_field='id', related_name='websites_papers_recorded', on_delete=OnDelete.CASCADE)),
            ],
            options={'table': 'websites_paper_material', 'app': 'websites', 'unique_together': (('application', 'type'),), 'pk_attr': 'id', 'table_description': 'A paper the establishment authority received for an application, stamped or not.'},
            bases=['Model'],
        ),
    ]
