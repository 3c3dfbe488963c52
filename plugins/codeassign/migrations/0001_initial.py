from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('govflow', '0003_jobs_captcha_throttle')]

    initial = True

    operations = [
        ops.CreateModel(
            name='Unit',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('account', fields.OneToOneField('govflow.Account', source_field='account_id', db_constraint=True, to_field='id', related_name='codeassign_unit', on_delete=OnDelete.CASCADE)),
                ('uscc', fields.CharField(unique=True, max_length=18)),
                ('name', fields.CharField(max_length=100)),
                ('certificate_validity', fields.CharField(null=True, description='``long_term`` | ``fixed`` | ``None`` (not recorded yet: treated as a validity period).', max_length=16)),
                ('certificate_expires', fields.DateField(null=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'codeassign_unit', 'app': 'codeassign', 'pk_attr': 'id', 'table_description': 'A government organ or mass organisation in the register, with its unit account.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='LoginImage',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('unit', fields.ForeignKeyField('codeassign.Unit', source_field='unit_id', db_constraint=True, to_field='id', related_name='login_images', on_delete=OnDelete.CASCADE)),
                ('request', fields.ForeignKeyField('govflow.Application', source_field='request_id', description='The request (a ``qr_request`` subject) it answered.', db_constraint=True, to_field='id', related_name='login_images', on_delete=OnDelete.CASCADE)),
                ('secret_sha256', fields.CharField(unique=True, max_length=64)),
                ('channel', fields.CharField(description='现场领取 ``onsite`` | 交换邮寄 ``exchange_mail`` | 电子邮箱发送 ``email``.', max_length=16)),
                ('delivered_to', fields.CharField(null=True, max_length=254)),
                ('issued_by', fields.ForeignKeyField('govflow.Account', source_field='issued_by_id', db_constraint=True, to_field='id', related_name='issued_login_images', on_delete=OnDelete.CASCADE)),
                ('issued_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('revoked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'codeassign_login_image', 'app': 'codeassign', 'pk_attr': 'id', 'table_description': 'One issued login QR image: whose, through which channel, whether it still opens.'},
            bases=['Model'],
        ),
    ]
