from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('govflow', '0001_initial'), ('govflow', '0002_queue_index'), ('govflow', '0003_jobs_captcha_throttle')]

    initial = True

    operations = [
        ops.CreateModel(
            name='CommitmentShowing',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('account', fields.ForeignKeyField('govflow.Account', source_field='account_id', db_constraint=True, to_field='id', related_name='engineers_showings', on_delete=OnDelete.CASCADE)),
                ('version', fields.CharField(max_length=20)),
                ('shown_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'engineers_commitment_showing', 'app': 'engineers', 'pk_attr': 'id', 'table_description': "One time the enterprise commitment letter (企业承诺书) was shown, by the server's clock."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Declaration',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('application', fields.OneToOneField('govflow.Application', source_field='application_id', db_constraint=True, to_field='id', related_name='engineers_declaration', on_delete=OnDelete.CASCADE)),
                ('declarant', fields.ForeignKeyField('govflow.Account', source_field='declarant_id', db_constraint=True, to_field='id', related_name='engineers_declarations', on_delete=OnDelete.CASCADE)),
                ('employer_uscc', fields.CharField(db_index=True, max_length=18)),
                ('person_name', fields.CharField(max_length=50)),
                ('id_number', fields.CharField(max_length=30)),
                ('profession', fields.CharField(max_length=20)),
                ('pre_registration', fields.BooleanField(default=False)),
                ('declared_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('reported_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('commitment_showing', fields.ForeignKeyField('engineers.CommitmentShowing', source_field='commitment_showing_id', null=True, description='The showing of the commitment letter the report was confirmed after, and when.', db_constraint=True, to_field='id', related_name='reports', on_delete=OnDelete.CASCADE)),
                ('commitment_confirmed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('commitment_text_version', fields.CharField(null=True, max_length=20)),
                ('qualification_certificate_no', fields.CharField(null=True, description='补正资质 (EN-04): the certificate number the declaration was corrected with.', max_length=50)),
                ('qualification_corrected_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'engineers_declaration', 'app': 'engineers', 'pk_attr': 'id', 'table_description': "The searchable side of a declaration subject, and its report's commitment acceptance."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='MarketEntity',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('uscc', fields.CharField(unique=True, max_length=18)),
                ('name', fields.CharField(max_length=100)),
            ],
            options={'table': 'engineers_local_market_entity', 'app': 'engineers', 'pk_attr': 'id', 'table_description': "Local stand-in for the market regulator's register of names (EN-09), by USCC."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Message',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('enterprise_uscc', fields.CharField(db_index=True, max_length=18)),
                ('subject', fields.ForeignKeyField('govflow.Application', source_field='subject_id', null=True, db_constraint=True, to_field='id', related_name='engineers_messages', on_delete=OnDelete.CASCADE)),
                ('title', fields.CharField(max_length=200)),
                ('body', fields.TextField(unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('read_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'engineers_message', 'app': 'engineers', 'pk_attr': 'id', 'table_description': '我的消息 (EN-08): a system message to the enterprise, read or not.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Qualification',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('uscc', fields.CharField(unique=True, max_length=18)),
                ('certificate_no', fields.CharField(max_length=50)),
                ('enterprise_name', fields.CharField(max_length=100)),
            ],
            options={'table': 'engineers_local_qualification', 'app': 'engineers', 'pk_attr': 'id', 'table_description': 'Local stand-in for the national qualification register (EN-04), by enterprise USCC.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Registration',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('enterprise_uscc', fields.CharField(db_index=True, max_length=18)),
                ('person', fields.ForeignKeyField('govflow.Account', source_field='person_id', null=True, db_constraint=True, to_field='id', related_name='engineers_registrations', on_delete=OnDelete.CASCADE)),
                ('declaration', fields.ForeignKeyField('govflow.Application', source_field='declaration_id', null=True, db_constraint=True, to_field='id', related_name='engineers_registrations', on_delete=OnDelete.CASCADE)),
                ('person_name', fields.CharField(max_length=50)),
                ('id_type', fields.CharField(max_length=40)),
                ('id_number', fields.CharField(max_length=30)),
                ('profession', fields.CharField(max_length=20)),
                ('certificate_no', fields.CharField(max_length=40)),
                ('registered_on', fields.DateField()),
                ('valid_until', fields.DateField(db_index=True)),
            ],
            options={'table': 'engineers_registration', 'app': 'engineers', 'pk_attr': 'id', 'table_description': "A person registered with an enterprise (EN-05): written by the ministry's approval."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Anomaly',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('enterprise_uscc', fields.CharField(db_index=True, max_length=18)),
                ('registration', fields.ForeignKeyField('engineers.Registration', source_field='registration_id', null=True, db_constraint=True, to_field='id', related_name='anomalies', on_delete=OnDelete.CASCADE)),
                ('description', fields.TextField(unique=False)),
                ('found_by', fields.ForeignKeyField('govflow.Account', source_field='found_by_id', db_constraint=True, to_field='id', related_name='engineers_anomalies_found', on_delete=OnDelete.CASCADE)),
                ('found_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('appeal', fields.ForeignKeyField('govflow.Application', source_field='appeal_id', null=True, description='The appeal subject the enterprise submitted for it, once it has.', db_constraint=True, to_field='id', related_name='engineers_anomalies', on_delete=OnDelete.CASCADE)),
            ],
            options={'table': 'engineers_anomaly', 'app': 'engineers', 'pk_attr': 'id', 'table_description': '申辩管理 (EN-07): an anomaly a reviewer found that the enterprise may appeal.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ExpiryWarning',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('registration', fields.ForeignKeyField('engineers.Registration', source_field='registration_id', db_constraint=True, to_field='id', related_name='warnings', on_delete=OnDelete.CASCADE)),
                ('enterprise_uscc', fields.CharField(db_index=True, max_length=18)),
                ('valid_until', fields.DateField()),
                ('found_on', fields.DateField()),
            ],
            options={'table': 'engineers_expiry_warning', 'app': 'engineers', 'unique_together': (('registration', 'valid_until'),), 'pk_attr': 'id', 'table_description': '人员到期预警 (EN-06): a registration expiring within the horizon, found by the job.'},
            bases=['Model'],
        ),
    ]
