from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('govflow', '0004_application_deleted_at_audit_kept')]

    initial = False

    operations = [
        ops.AddField(
            model_name='OutboxMessage',
            name='secret',
            field=fields.BooleanField(default=False, description='The body carries a secret (a verification code): blanked once sent or given up.'),
        ),
    ]
