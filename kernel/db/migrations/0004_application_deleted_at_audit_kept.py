# A deleted draft keeps its row (deleted_at) and its trail; the database refuses to delete
# an audit record, whoever asks (the cascade from an application included).
from tortoise import fields, migrations
from tortoise.migrations import operations as ops

_SQLITE = (
    "CREATE TRIGGER audit_record_kept BEFORE DELETE ON audit_record "
    "BEGIN SELECT RAISE(ABORT, 'audit records are never deleted'); END;"
)
_POSTGRES = """
CREATE OR REPLACE FUNCTION audit_record_kept() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit records are never deleted';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_record_kept BEFORE DELETE ON audit_record
    FOR EACH ROW EXECUTE FUNCTION audit_record_kept();
"""
_DROP = {
    "sqlite": "DROP TRIGGER IF EXISTS audit_record_kept;",
    "postgres": "DROP TRIGGER IF EXISTS audit_record_kept ON audit_record; "
    "DROP FUNCTION IF EXISTS audit_record_kept();",
}


async def keep_audit_records(apps, schema_editor) -> None:
    dialect = schema_editor.client.capabilities.dialect
    await schema_editor.client.execute_script(_SQLITE if dialect == "sqlite" else _POSTGRES)


async def allow_deleting_audit_records(apps, schema_editor) -> None:
    await schema_editor.client.execute_script(_DROP[schema_editor.client.capabilities.dialect])


class Migration(migrations.Migration):
    dependencies = [("govflow", "0003_jobs_captcha_throttle")]

    initial = False

    operations = [
        ops.AddField(
            model_name="Application",
            name="deleted_at",
            field=fields.DatetimeField(
                null=True,
                description="A draft its applicant deleted before it ever left its initial "
                "state: its material is",
                auto_now=False,
                auto_now_add=False,
            ),
        ),
        ops.RunPython(keep_audit_records, allow_deleting_audit_records),
    ]
