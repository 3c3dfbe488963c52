# The look-ups of plugins/foreignwork/directory.py (a unit by full name or USCC, a person by ID
# number) query expressions of the kernel's account.profile JSON; one index on each, so they
# are index look-ups on SQLite and PostgreSQL alike. Nothing in the models changes.
from tortoise import migrations
from tortoise.migrations import operations as ops

from plugins.foreignwork.directory import INDEXES


async def create_indexes(apps, schema_editor) -> None:
    dialect = schema_editor.client.capabilities.dialect
    for name, expression in INDEXES.items():
        await schema_editor.client.execute_script(
            f"CREATE INDEX IF NOT EXISTS {name} ON account (({expression(dialect)}));"
        )


async def drop_indexes(apps, schema_editor) -> None:
    for name in INDEXES:
        await schema_editor.client.execute_script(f"DROP INDEX IF EXISTS {name};")


class Migration(migrations.Migration):
    dependencies = [("foreignwork", "0001_initial")]

    initial = False

    operations = [ops.RunPython(create_indexes, drop_indexes)]
