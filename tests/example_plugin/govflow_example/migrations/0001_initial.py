from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('govflow', '0003_jobs_captcha_throttle')]

    initial = True

    operations = [
        ops.CreateModel(
            name='BoardEntry',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('permit', fields.OneToOneField('govflow.Application', source_field='permit_id', description="The permit's number: the application granted (a kernel table, ``govflow.Application``).", db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('plate', fields.CharField(max_length=16)),
                ('zone', fields.CharField(null=True, description='The parking zone (``110105-01``), when the application named one.', max_length=16)),
                ('posted_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('valid_until', fields.DateField(description='The last day the permit is valid: the day after, the job ``parking.expire`` ends it.')),
            ],
            options={'table': 'parking_board_entry', 'app': 'parking', 'pk_attr': 'id', 'table_description': "One permit in force, as the residents' notice board shows it (停车许可公示)."},
            bases=['Model'],
        ),
    ]
