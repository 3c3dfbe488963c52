from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('websites', '0002_name_system_link')]

    initial = False

    operations = [
        ops.AddField(
            model_name='MountCheck',
            name='pages_not_reached',
            field=fields.JSONField(default=list, description="The pages found but not fetched when the crawl's time bound ran out.", encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads),
        ),
    ]
