# The reviewer queue: newest first within (process, state), no sort (benchmarks/data_scale.py).
from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('govflow', '0001_initial')]

    initial = False

    operations = [
        ops.RemoveIndex(
            model_name='Application',
            name=None,
            fields=['process', 'state', 'region', 'id'],
        ),
        ops.AddIndex(
            model_name='Application',
            index=Index(fields=['process', 'state', 'id']),
        ),
    ]

