from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('websites', '0001_initial')]

    initial = False

    operations = [
        ops.CreateModel(
            name='NameSystemLink',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name_system_account', fields.CharField(unique=True, description='The account name in the online-name system (网上名称注册管理系统).', max_length=64)),
                ('account', fields.OneToOneField('govflow.Account', source_field='account_id', db_constraint=True, to_field='id', related_name='websites_name_system_link', on_delete=OnDelete.CASCADE)),
                ('linked_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'websites_name_system_link', 'app': 'websites', 'pk_attr': 'id', 'table_description': "The local account made on a unit's first login with its online-name system account."},
            bases=['Model'],
        ),
    ]
