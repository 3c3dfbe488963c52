from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('govflow', '0001_initial'), ('govflow', '0002_queue_index'), ('govflow', '0003_jobs_captcha_throttle')]

    initial = True

    operations = [
        ops.CreateModel(
            name='CodeProof',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('subject', fields.ForeignKeyField('govflow.Application', source_field='subject_id', db_constraint=True, to_field='id', related_name='foreignwork_code_proofs', on_delete=OnDelete.CASCADE)),
                ('mobile', fields.CharField(max_length=20)),
                ('verified_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'foreignwork_code_proof', 'app': 'foreignwork', 'pk_attr': 'id', 'table_description': 'The SMS code of an appeal was checked by the server for this mobile, at this time.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Grant',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('delegation', fields.OneToOneField('govflow.Delegation', source_field='delegation_id', db_constraint=True, to_field='id', related_name='foreignwork_grant', on_delete=OnDelete.CASCADE)),
                ('authorization', fields.ForeignKeyField('govflow.Application', source_field='authorization_id', description='The ``authorization`` subject whose ``grant`` step wrote it.', db_constraint=True, to_field='id', related_name='foreignwork_grants', on_delete=OnDelete.CASCADE)),
                ('manage_unit', fields.BooleanField(default=False)),
            ],
            options={'table': 'foreignwork_grant', 'app': 'foreignwork', 'pk_attr': 'id', 'table_description': "One authorization given by a unit (FW-12), beside the kernel's Delegation it wrote."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='LegacyAccount',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('legacy_login_name', fields.CharField(unique=True, max_length=60)),
                ('unit_name', fields.CharField(max_length=100)),
                ('uscc', fields.CharField(null=True, max_length=18)),
                ('password_hash', fields.CharField(description='argon2 of the legacy password: the migrated account logs in with it.', max_length=200)),
                ('migrated_login_name', fields.CharField(null=True, description='The login name the migration decided on, and the login type (FW-02 table).', max_length=64)),
                ('migrated_login_type', fields.CharField(null=True, max_length=20)),
                ('decided_by', fields.CharField(null=True, description='The rule of rules/foreignwork/legacy.yaml that decided.', max_length=100)),
                ('migrated_account', fields.ForeignKeyField('govflow.Account', source_field='migrated_account_id', null=True, db_constraint=True, to_field='id', related_name='legacy_accounts', on_delete=OnDelete.CASCADE)),
                ('migrated_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'foreignwork_legacy_account', 'app': 'foreignwork', 'pk_attr': 'id', 'table_description': 'A unit account of the old system, as exported from it.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='LoginImage',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('account', fields.ForeignKeyField('govflow.Account', source_field='account_id', db_constraint=True, to_field='id', related_name='foreignwork_login_images', on_delete=OnDelete.CASCADE)),
                ('secret_sha256', fields.CharField(unique=True, max_length=64)),
                ('issued_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('revoked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'foreignwork_login_image', 'app': 'foreignwork', 'pk_attr': 'id', 'table_description': "A QR login image of an account: only the secret's SHA-256, revoked when reissued."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PasswordChange',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('account', fields.ForeignKeyField('govflow.Account', source_field='account_id', db_constraint=True, to_field='id', related_name='foreignwork_password_changes', on_delete=OnDelete.CASCADE)),
                ('via', fields.CharField(description='``login_name`` (FW-03) | ``appeal`` (FW-04)', max_length=16)),
                ('method', fields.CharField(description='``mobile`` | ``email`` | ``appeal``', max_length=16)),
                ('reason', fields.CharField(null=True, max_length=16)),
                ('strength', fields.CharField(null=True, max_length=8)),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'foreignwork_password_change', 'app': 'foreignwork', 'pk_attr': 'id', 'table_description': 'A password reset (by login name or appeal): whose, how, why, when — no password.'},
            bases=['Model'],
        ),
    ]
